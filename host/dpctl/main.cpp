// ovsxdp-dpctl: the operator's command line, modelled on ovs-dpctl. It keeps
// no state of its own: every command opens the datapath from its bpffs pins,
// and the datapath keeps forwarding after the command exits.
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "dpctl/command.hpp"
#include "runtime/error.hpp"
#include "runtime/libbpf_log.hpp"

namespace ovsxdp::dpctl {

unsigned long long parse_number(const std::string& option, const std::string& text, unsigned long long max) {
  if (text.empty() || text[0] == '-') throw usage_error(option + ": '" + excerpt(text) + "' is not a non-negative number");
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno || *end || v > max)
    throw usage_error(option + ": '" + excerpt(text) + "' is not a number in 0.." + std::to_string(max));
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
      {"add-dp", "add-dp DP [IFACE[,port_no=N]...] [--max-flows N] [--max-masks N] [--max-ports N] [--max-conns N] [--miss drop|pass] [--cache flow|mask|none]",
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
      {"dump-conntrack", "dump-conntrack [-s] [-m] [DP] [zone=N]",
       "print the tracked connections (of one zone), as ovs-dpctl does; -s adds packet counts, start time and timeout", dump_conntrack},
      {"flush-conntrack", "flush-conntrack [DP] [zone=N] [ORIG-TUPLE [REPLY-TUPLE]]",
       "remove every tracked connection, those of one zone, or those matching tuples in OVS's syntax (ct_nw_src=A,ct_nw_dst=B,"
       "ct_nw_proto=6,ct_tp_src=P,ct_tp_dst=Q; ct_ipv6_src/dst, icmp_type/code/id)",
       flush_conntrack},
      {"ct-stats-show", "ct-stats-show [-m] [DP] [zone=N]", "count the tracked connections by protocol; -m adds TCP connections per state",
       ct_stats_show},
      {"ct-get-maxconns", "ct-get-maxconns [DP]", "print the conntrack table's capacity (set at add-dp --max-conns)", ct_get_maxconns},
      {"trace", "trace DP IN_PORT PACKET_HEX | trace --flows FILE IN_PORT PACKET_HEX",
       "run one packet through the flows and print what would be sent (one line per packet, then the verdict)", trace},
      {"parse-pcap", "parse-pcap FILE [--in-port N] [-m]",
       "print the datapath flow key of every packet in FILE, extracted by the BPF code", parse_pcap},
  };
  return table;
}

namespace {

constexpr const char* kExitStatus = "Exit status: 0 success, 1 failure, 2 bad usage or malformed flow (nothing changed).\n";

void print_usage(std::ostream& out) {
  out << "usage: ovsxdp-dpctl [--bpffs DIR] [--run-dir DIR] COMMAND [ARGS...]\n\ncommands:\n";
  for (const auto& c : commands()) out << "  " << c.synopsis << "\n      " << c.summary << "\n";
  out << "\nDP names a datapath (NAME or xdp@NAME); it may be left out when exactly one exists.\n"
         "COMMAND --help describes one command.\n"
      << kExitStatus;
}

void print_command_usage(const command& c, std::ostream& out) {
  out << "usage: ovsxdp-dpctl [--bpffs DIR] [--run-dir DIR] " << c.synopsis << "\n\n" << c.summary << "\n\n"
      << "DP names a datapath (NAME or xdp@NAME); it may be left out when exactly one exists.\n" << kExitStatus;
}

const command* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (c.name == name) return &c;
  return nullptr;
}

bool asks_for_help(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

// Runs one command, turning its exceptions into a message and the exit status.
int run(const command& c, const std::vector<std::string>& args) {
  auto fail = [&](const std::string& text, int status) {
    std::cerr << ovsxdp::bounded_lines("ovsxdp-dpctl " + c.name + ": " + text) << "\n";
    return status;
  };
  try {
    return c.run(args);
  } catch (const usage_error& e) {
    return fail(std::string(e.what()) + "\nusage: ovsxdp-dpctl " + c.synopsis, 2);
  } catch (const ovsxdp::odp::syntax_error& e) {
    return fail(e.what(), 2);
  } catch (const ovsxdp::invalid_flow& e) {
    return fail(e.what(), 2);
  } catch (const ovsxdp::error& e) {
    return fail(e.what(), 1);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 1);
  }
}

}  // namespace

}  // namespace ovsxdp::dpctl

int main(int argc, char** argv) {
  using namespace ovsxdp::dpctl;
  ovsxdp::install_libbpf_log_router();  // libbpf's own lines stay out of the output (OVSXDP_LIBBPF_LOG shows them)
  std::vector<std::string> args(argv + 1, argv + argc);
  // Global options, before the command.
  while (!args.empty() && (args[0] == "--bpffs" || args[0] == "--run-dir")) {
    if (args.size() < 2 || args[1].empty()) {
      std::cerr << "ovsxdp-dpctl: " << args[0] << " needs a directory\n";
      print_usage(std::cerr);
      return 2;
    }
    (args[0] == "--bpffs" ? location().bpffs : location().run_dir) = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    if (args.size() >= 2 && args[0] == "help") {
      if (const command* c = find_command(args[1])) {
        print_command_usage(*c, std::cout);
        return 0;
      }
    }
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  const command* c = find_command(args[0]);
  if (!c) {
    std::cerr << "ovsxdp-dpctl: unknown command '" << ovsxdp::excerpt(args[0]) << "'\n";
    print_usage(std::cerr);
    return 2;
  }
  const std::vector<std::string> command_args(args.begin() + 1, args.end());
  if (asks_for_help(command_args)) {
    print_command_usage(*c, std::cout);
    return 0;
  }
  return run(*c, command_args);
}
