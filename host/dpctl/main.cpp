// ovsxdp-dpctl: the operator's command line, modelled on ovs-dpctl.
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "dpctl/command.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::dpctl {

unsigned long long parse_number(const std::string& option, const std::string& text, unsigned long long max) {
  if (text.empty() || text[0] == '-') throw usage_error(option + ": '" + text + "' is not a non-negative number");
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno || *end || v > max)
    throw usage_error(option + ": '" + text + "' is not a number in 0.." + std::to_string(max));
  return v;
}

const std::vector<command>& commands() {
  static const std::vector<command> table{
      {"parse-pcap", "parse-pcap FILE [--in-port N] [-m]",
       "print the datapath flow key of every packet in FILE, extracted by the BPF code", parse_pcap},
  };
  return table;
}

namespace {
void print_usage(std::ostream& out) {
  out << "usage: ovsxdp-dpctl COMMAND [ARGS...]\n\ncommands:\n";
  for (const auto& c : commands()) out << "  " << c.synopsis << "\n      " << c.summary << "\n";
}
}  // namespace

}  // namespace ovsxdp::dpctl

int main(int argc, char** argv) {
  using namespace ovsxdp::dpctl;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  for (const auto& c : commands()) {
    if (c.name != args[0]) continue;
    try {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const usage_error& e) {
      std::cerr << "ovsxdp-dpctl " << c.name << ": " << e.what() << "\nusage: ovsxdp-dpctl " << c.synopsis << "\n";
      return 2;
    } catch (const ovsxdp::error& e) {
      std::cerr << "ovsxdp-dpctl " << c.name << ": " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "ovsxdp-dpctl: unknown command '" << args[0] << "'\n";
  print_usage(std::cerr);
  return 2;
}
