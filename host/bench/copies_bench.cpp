// ovsxdp-bench copies: what one packet costs when it leaves through 1, 2, 4,
// 8 and 16 ports, and when it is flooded with a different VLAN tag per port.
// The datapath program runs under BPF_PROG_TEST_RUN with live frames, so the
// fork's broadcast, every copy's egress program and the transmission into
// the veths all happen and are inside the kernel's per-packet time. On a
// kernel that refuses live-frame test runs, frames go through a packet
// socket into port 1's peer instead and each figure is the wall time per
// frame, the socket's cost included (the per-extra-port column cancels it).
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench/bench.hpp"
#include "datapath/datapath.hpp"
#include "datapath/flow_text.hpp"
#include "packet/packet_builder.hpp"
#include "runtime/error.hpp"
#include "runtime/packet_socket.hpp"
#include "runtime/private_namespace.hpp"
#include "runtime/skeleton.hpp"
#include "runtime/test_run.hpp"
// clang-format off
#include "xdp_pass.skel.h"
// clang-format on

namespace ovsxdp::bench {
namespace {

constexpr unsigned kMaxCopies = 16;

struct copy_scenario {
  std::string name, json_name, actions;
  unsigned outputs;  // copies that leave per packet
};

std::string outputs_to(unsigned n) {
  std::string s;
  for (unsigned p = 2; p < 2 + n; p++) s += (s.empty() ? "" : ",") + std::to_string(p);
  return s;
}

std::string flood_with_tags(unsigned n) {
  std::string s;
  for (unsigned p = 2; p < 2 + n; p++) s += "push_vlan(vid=" + std::to_string(p) + ",pcp=0)," + std::to_string(p) + ",pop_vlan,";
  s.pop_back();
  return s;
}

std::vector<copy_scenario> scenarios() {
  std::vector<copy_scenario> s;
  s.push_back({"output to 1 port (in place, no fork)", "ports_1", "2", 1});
  for (unsigned n : {2u, 4u, 8u, 16u}) s.push_back({"outputs to " + std::to_string(n) + " ports", "ports_" + std::to_string(n), outputs_to(n), n});
  s.push_back({"flood to 16 ports, a VLAN tag per port", "flood_16_tagged", flood_with_tags(16), 16});
  s.push_back({"flood to 16 ports, set(eth) per port",
               "flood_16_set_eth",
               [] {
                 std::string a;
                 for (unsigned p = 2; p < 18; p++) {
                   char mac[32];
                   std::snprintf(mac, sizeof mac, "02:00:00:00:01:%02x", p);
                   a += std::string(a.empty() ? "" : ",") + "set(eth(dst=" + mac + "))," + std::to_string(p);
                 }
                 return a;
               }(),
               16});
  return s;
}

// Sends `frame` `count` times and waits (at most 10 s) until `done`: the
// wall time per frame, in ns.
template <class Done>
double send_and_wait(const packet_socket& socket, const bytes& frame, std::uint32_t count, Done done) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::span<const std::uint8_t>> batch;
  for (std::uint32_t left = count; left > 0;) {
    batch.assign(std::min<std::uint32_t>(left, 64), std::span<const std::uint8_t>(frame));
    const std::size_t sent = socket.send_batch(batch);
    if (sent == 0) std::this_thread::yield();
    left -= static_cast<std::uint32_t>(sent);
  }
  while (!done()) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(10))
      throw error("run a copies scenario", std::to_string(count) + " frames", "not all copies left within 10 s", "the scenario does not measure what it claims");
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / count;
}

}  // namespace

int copies_bench(std::vector<std::string> args) {
  common_options common = take_common_options(args);
  std::uint32_t repeat = 100000;
  for (std::size_t i = 0; i < args.size(); i++) {
    if (args[i] == "--repeat" && i + 1 < args.size()) repeat = static_cast<std::uint32_t>(parse_number("--repeat", args[++i], 1000, 100000000));
    else throw usage_error("unknown argument '" + args[i] + "'");
  }
  private_namespace ns = private_namespace::enter("bench-copies");
  auto pass = skeleton<xdp_pass>::open_and_load("xdp_pass");
  datapath_options o;
  o.name = "copies";
  o.bpffs = ns.bpffs();
  o.run_dir = ns.run_dir();
  o.max_flows = 64;
  datapath dp = datapath::create(o);
  const bool live = live_frames_supported();
  for (unsigned p = 1; p <= kMaxCopies + 1; p++) {
    const std::string port = "cp" + std::to_string(p), peer = port + "x";
    ns.veth(port, peer);
    dp.add_port(port, p, !live && p == 1 ? xdp_attach::native : xdp_attach::none);
    // A veth takes redirected frames only when its peer runs XDP.
    if (bpf_xdp_attach(static_cast<int>(if_nametoindex(peer.c_str())), bpf_program__fd(pass->progs.ovsxdp_pass), XDP_FLAGS_DRV_MODE, nullptr))
      throw system_error("attach xdp_pass to", peer, errno);
  }
  const bytes frame = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.1.0.1", "10.1.0.2").udp(1000, 7777).payload(22).build();
  const std::string key = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";
  std::vector<copy_scenario> chosen;
  for (const auto& s : scenarios())
    if (common.only.empty() || s.name.find(common.only) != std::string::npos || s.json_name.find(common.only) != std::string::npos || s.json_name == "ports_1")
      chosen.push_back(s);

  std::cout << "ovsxdp-bench copies: per-packet cost of one packet leaving through several ports\n"
            << "machine: " << machine_description() << "\n"
            << (live ? "BPF_PROG_TEST_RUN with live frames on veths (peers run XDP_PASS); "
                     : "a packet socket into port 1's peer (this kernel refuses live-frame test runs): wall time per frame, socket included; ")
            << "repeat " << repeat << ", " << common.rounds << " interleaved rounds, medians\n\n";
  const packet_socket into_port_1(static_cast<int>(if_nametoindex("cp1x")), "cp1x");
  std::map<std::string, std::vector<double>> ns_per_packet;
  for (std::uint32_t round = 0; round < common.rounds; round++) {
    for (const auto& s : chosen) {
      dp.flush();
      dp.add_flow(flow_from_text(key, s.actions));
      const auto before = dp.counters();
      double ns = 0;
      if (live) {
        xdp_test_options t;
        t.repeat = repeat;
        t.live_frames = true;
        t.ingress_ifindex = dp.port(1)->ifindex;
        ns = run_xdp(dp.program_fd(OVSXDP_PROGRAM_DATAPATH), frame, t).duration_ns;
      } else {
        ns = send_and_wait(into_port_1, frame, repeat, [&] { return dp.counters()[OVSXDP_C_OUTPUT] - before[OVSXDP_C_OUTPUT] >= std::uint64_t{repeat} * s.outputs; });
      }
      const auto after = dp.counters();
      const std::uint64_t outputs = after[OVSXDP_C_OUTPUT] - before[OVSXDP_C_OUTPUT];
      if (outputs != std::uint64_t{repeat} * s.outputs || after[OVSXDP_C_COPY_LOST] != before[OVSXDP_C_COPY_LOST])
        throw error("run scenario", s.name, std::to_string(outputs) + " outputs for " + std::to_string(repeat) + " packets, expected " +
                                                 std::to_string(s.outputs) + " each", "the scenario does not measure what it claims");
      ns_per_packet[s.json_name].push_back(ns);
    }
    std::cerr << "round " << round + 1 << "/" << common.rounds << " done\n";
  }
  const double one = median(ns_per_packet["ports_1"]);
  std::vector<std::pair<std::string, double>> figures;
  std::cout << std::left << std::setw(44) << "scenario" << std::right << std::setw(9) << "ns/pkt" << std::setw(12) << "x 1 port"
            << std::setw(16) << "ns/extra port" << "\n";
  for (const auto& s : chosen) {
    const double v = median(ns_per_packet[s.json_name]);
    figures.push_back({s.json_name, v});
    std::cout << std::left << std::setw(44) << s.name << std::right << std::setw(9) << fixed(v, 0) << std::setw(12) << fixed(v / one, 2)
              << std::setw(16) << (s.outputs > 1 ? fixed((v - one) / (s.outputs - 1), 1) : std::string("-")) << "\n";
  }
  if (common.json_path) {
    write_json(*common.json_path, "copies_ns_per_packet", figures);
    std::cout << "\nwrote " << *common.json_path << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::bench
