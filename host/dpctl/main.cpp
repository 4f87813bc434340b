// ovsxdp-dpctl: the operator's command line, modelled on ovs-dpctl. It keeps
// no state of its own: every command opens the datapath from its bpffs pins,
// and the datapath keeps forwarding after the command exits.
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

datapath_location& location() {
  static datapath_location where = [] {
    datapath_location w;
    if (const char* b = std::getenv("OVSXDP_BPFFS"); b && *b) w.bpffs = b;
    if (const char* r = std::getenv("OVSXDP_RUN_DIR"); r && *r) w.run_dir = r;
    return w;
  }();
  return where;
}

const std::vector<command>& commands() {
  static const std::vector<command> table{
      {"add-dp", "add-dp DP [IFACE[,port_no=N]...] [--max-flows N] [--max-masks N] [--max-ports N] [--miss drop|pass] [--cache flow|mask|none]",
       "create datapath DP (pinned in bpffs) and add the interfaces as ports", add_dp},
      {"del-dp", "del-dp DP", "detach every port of DP and remove it: no pins, programs or maps are left", del_dp},
      {"show", "show [-s] [DP...]", "ports, flow count and lookup statistics; -s adds every counter (drops by reason)", show},
      {"add-if", "add-if DP IFACE[,port_no=N][,mode=native|generic]... [--force]",
       "attach DP's program to IFACE (native XDP, else generic with a note); --force replaces another XDP program", add_if},
      {"del-if", "del-if DP IFACE|PORT...", "detach ports", del_if},
      {"add-flow", "add-flow [DP] FLOW ACTIONS", "install a flow, in OVS datapath flow syntax", add_flow},
      {"add-flows", "add-flows [DP] FILE", "install the flows of FILE (KEY ACTIONS per line, or dump-flows lines) in one batch", add_flows},
      {"mod-flow", "mod-flow [--clear] [--may-create] [DP] FLOW ACTIONS",
       "replace a flow's actions; --clear zeroes its statistics, --may-create installs it when absent", mod_flow},
      {"del-flow", "del-flow [DP] FLOW", "delete the flow with this match (or ufid:...)", del_flow},
      {"del-flows", "del-flows [DP] [FILE]", "delete every flow, or the flows listed in FILE", del_flows},
      {"get-flow", "get-flow [-m] [DP] UFID|FLOW", "print one flow", get_flow},
      {"dump-flows", "dump-flows [-m] [DP] [filter=KEY]", "print flows with statistics, as ovs-dpctl does; -m adds UFIDs and every field",
       dump_flows},
      {"add-meter", "add-meter [DP] meter=ID,kbps|pktps[,burst][,stats],bands=type=drop,rate=N[,burst_size=N]",
       "add or replace a meter (OVS semantics, one drop band): the meter(ID) action drops packets over its rate", add_meter},
      {"del-meter", "del-meter [DP] ID", "remove a meter; meter(ID) actions then let everything through", del_meter},
      {"dump-meters", "dump-meters [DP]", "print every meter with its configuration and packet/byte/drop statistics", dump_meters},
      {"trace", "trace DP IN_PORT PACKET_HEX | trace --flows FILE IN_PORT PACKET_HEX",
       "run one packet through the flows and print what would be sent (one line per packet, then the verdict)", trace},
      {"parse-pcap", "parse-pcap FILE [--in-port N] [-m]",
       "print the datapath flow key of every packet in FILE, extracted by the BPF code", parse_pcap},
  };
  return table;
}

namespace {
void print_usage(std::ostream& out) {
  out << "usage: ovsxdp-dpctl [--bpffs DIR] [--run-dir DIR] COMMAND [ARGS...]\n\ncommands:\n";
  for (const auto& c : commands()) out << "  " << c.synopsis << "\n      " << c.summary << "\n";
  out << "\nDP names a datapath (NAME or xdp@NAME); it may be left out when exactly one exists.\n"
         "Exit status: 0 success, 1 failure, 2 bad usage or malformed flow (nothing changed).\n";
}
}  // namespace

}  // namespace ovsxdp::dpctl

int main(int argc, char** argv) {
  using namespace ovsxdp::dpctl;
  std::vector<std::string> args(argv + 1, argv + argc);
  // Global options, before the command.
  while (args.size() >= 2 && (args[0] == "--bpffs" || args[0] == "--run-dir")) {
    (args[0] == "--bpffs" ? location().bpffs : location().run_dir) = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
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
    } catch (const ovsxdp::odp::syntax_error& e) {
      std::cerr << "ovsxdp-dpctl " << c.name << ": " << e.what() << "\n";
      return 2;
    } catch (const ovsxdp::invalid_flow& e) {
      std::cerr << "ovsxdp-dpctl " << c.name << ": " << e.what() << "\n";
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
