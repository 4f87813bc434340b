// ovsxdp-dpctl subcommands: each is a function over its arguments. Usage
// errors throw usage_error (exit 2); runtime failures throw ovsxdp::error
// (exit 1).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ovsxdp::dpctl {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct command {
  std::string name;
  std::string synopsis;   // "parse-pcap FILE [--in-port N]"
  std::string summary;    // one line
  std::function<int(const std::vector<std::string>& args)> run;
};

const std::vector<command>& commands();

int parse_pcap(const std::vector<std::string>& args);

// Parses an unsigned decimal/0x-hex argument of `option`; throws usage_error.
unsigned long long parse_number(const std::string& option, const std::string& text, unsigned long long max);

}  // namespace ovsxdp::dpctl
