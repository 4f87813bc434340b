// Command-line pieces shared by ovsxdp-bench and ovsxdp-trafgen.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ovsxdp::cli {

// A bad command line: the program prints it with its usage and exits 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A decimal number in min..max, or a usage_error naming the option.
unsigned long long parse_number(const std::string& option, const std::string& text, unsigned long long min, unsigned long long max);

// The value of the option at args[i] (i moves onto it), or a usage_error.
const std::string& option_value(const std::vector<std::string>& args, std::size_t& i);

}  // namespace ovsxdp::cli
