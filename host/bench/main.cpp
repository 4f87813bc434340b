// ovsxdp-bench: benchmark programs; each prints a table of figures.
#include <algorithm>
#include <iostream>

#include "bench/bench.hpp"
#include "runtime/error.hpp"
#include "runtime/libbpf_log.hpp"

namespace {

struct benchmark {
  const char* name;
  const char* synopsis;
  const char* summary;
  int (*run)(std::vector<std::string>);
};

const benchmark kBenchmarks[] = {
    {"datapath", "datapath [--repeat N] [--rounds N] [--only TEXT] [--json FILE]",
     "per-packet ns of lookups and of each action (BPF_PROG_TEST_RUN), with ratios to a redirect-only floor",
     ovsxdp::bench::datapath_bench},
    {"copies", "copies [--repeat N] [--rounds N] [--only TEXT] [--json FILE]",
     "per-packet ns of one packet output to 1, 2, 4, 8, 16 ports and flooded with per-port rewrites (live frames through veths)",
     ovsxdp::bench::copies_bench},
    {"forward", "forward [--packets N] [--size BYTES] [--proto udp|tcp] [--rounds N] [--only TEXT] [--json FILE] [--require-lossless]",
     "forwarding rate across real veths (sender namespace -> A1 -> device under test -> B1 -> receiver namespace) of a redirect-only\n"
     "      floor, ovsxdp (1 and 1,000 flows, VLAN push, rewrite, 4-port flood), the Linux bridge, Open vSwitch's AF_XDP datapath,\n"
     "      and a NORMAL bridge under ovs-vswitchd on both the ovsxdp and the AF_XDP datapath",
     ovsxdp::bench::forward_bench},
    {"latency", "latency [--flows N] [--probes N] [--json FILE]",
     "first packet of a new flow (miss, upcall, install, re-injection) and the round trip of an established flow against the Linux bridge",
     ovsxdp::bench::latency_bench},
    {"flows", "flows [--max N] [--repeat N] [--rounds N] [--only TEXT] [--json FILE]",
     "flow install (single and batched), dump and delete rates; lookup cost and map memory at 10k-1M megaflows and 1-64 masks",
     ovsxdp::bench::flows_bench},
    {"upcalls", "upcalls [--serial N] [--connections N] [--seconds S] [--clients N] [--rounds N] [--only TEXT] [--json FILE]",
     "new TCP connections through ovs-vswitchd's upcall path (NORMAL bridge, megaflows off): connections and flow setups per second,\n"
     "      connect and first-packet latency, on the ovsxdp datapath, on OVS's AF_XDP datapath, and on the Linux bridge",
     ovsxdp::bench::upcall_bench},
};

void usage(std::ostream& out) {
  out << "usage: ovsxdp-bench BENCHMARK [OPTIONS]\n\nbenchmarks:\n";
  for (const auto& b : kBenchmarks) out << "  " << b.synopsis << "\n      " << b.summary << "\n";
  out << "\nEverything runs in a private network namespace and bpffs of its own; nothing is left behind.\n"
         "BENCHMARK --help describes one benchmark.\n";
}

}  // namespace

int main(int argc, char** argv) {
  ovsxdp::install_libbpf_log_router();  // libbpf's own lines stay out of the tables (OVSXDP_LIBBPF_LOG shows them)
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  for (const auto& b : kBenchmarks) {
    if (args[0] != b.name) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (std::find(rest.begin(), rest.end(), "--help") != rest.end() || std::find(rest.begin(), rest.end(), "-h") != rest.end()) {
      std::cout << "usage: ovsxdp-bench " << b.synopsis << "\n\n" << b.summary << "\n\n"
                << "Everything runs in a private network namespace and bpffs of its own; nothing is left behind.\n"
                   "Exit status: 0 the scenarios ran and did what they claim, 1 one failed, 2 bad usage.\n";
      return 0;
    }
    auto fail = [&](const std::string& text, int status) {
      std::cerr << ovsxdp::bounded_lines("ovsxdp-bench " + std::string(b.name) + ": " + text) << "\n";
      return status;
    };
    try {
      return b.run(rest);
    } catch (const ovsxdp::bench::usage_error& e) {
      return fail(std::string(e.what()) + "\nusage: ovsxdp-bench " + b.synopsis, 2);
    } catch (const ovsxdp::error& e) {
      return fail(e.what(), 1);
    } catch (const std::exception& e) {
      return fail(std::string("internal error: ") + e.what(), 1);
    }
  }
  std::cerr << "ovsxdp-bench: unknown benchmark '" << ovsxdp::excerpt(args[0]) << "'\n";
  usage(std::cerr);
  return 2;
}
