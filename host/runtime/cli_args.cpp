#include "runtime/cli_args.hpp"

#include <cerrno>
#include <cstdlib>

#include "runtime/error.hpp"

namespace ovsxdp::cli {

unsigned long long parse_number(const std::string& option, const std::string& text, unsigned long long min, unsigned long long max) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || errno || *end || v < min || v > max)
    throw usage_error(option + ": '" + excerpt(text) + "' is not a number in " + std::to_string(min) + ".." + std::to_string(max));
  return v;
}

const std::string& option_value(const std::vector<std::string>& args, std::size_t& i) {
  if (i + 1 >= args.size()) throw usage_error(args[i] + " needs a value");
  return args[++i];
}

}  // namespace ovsxdp::cli
