// ovsxdp-bench latency: how long a packet takes, timed by the BPF programs
// at both ends (bpf_ktime_get_ns in the generator and in the receiver).
//
//   first packet   a frame of a flow the datapath has never seen: lookup
//                  miss, upcall through the ring buffer, a minimal slow path
//                  (a handler thread installs an exact-match flow and
//                  re-injects the packet with execute), then b1 -> b0
//   round trip     an established flow out and back: a0 -> a1 -> b1 -> b0,
//                  where the receiver reflects it, b0 -> b1 -> a1 -> a0;
//                  ovsxdp (flows both ways, cache hits) against the Linux
//                  bridge (XDP_PASS on its ports, static FDB entries)
//
// One frame is in flight at a time; the next is sent once the last arrived.
#include <bpf/libbpf.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <thread>

#include "bench/bench.hpp"
#include "bench/topology.hpp"
#include "datapath/datapath.hpp"
#include "datapath/flow_text.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/private_namespace.hpp"
#include "runtime/skeleton.hpp"
// clang-format off
#include "xdp_pass.skel.h"
// clang-format on

namespace ovsxdp::bench {
namespace {

constexpr int kArrivalTimeoutMs = 1000;

struct options {
  common_options common;
  std::uint32_t new_flows = 1000;
  std::uint32_t probes = 1000;
};

options parse(std::vector<std::string> args) {
  options o;
  o.common = take_common_options(args);
  for (std::size_t i = 0; i < args.size(); i++) {
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (args[i] == "--flows") o.new_flows = static_cast<std::uint32_t>(parse_number("--flows", value(), 10, OVSXDP_TRAFGEN_MAX_FLOWS));
    else if (args[i] == "--probes") o.probes = static_cast<std::uint32_t>(parse_number("--probes", value(), 10, 1'000'000));
    else throw usage_error("unknown argument '" + args[i] + "'");
  }
  return o;
}

// Sends one frame out of `a0` and waits for `rx` to count it; microseconds
// from the generator's transmit to the receiver's arrival.
double one_way(const topology& topo, traffic_generator& gen, const lane& l, traffic_receiver& rx, const std::string& what) {
  const std::uint64_t before = rx.counts().packets;
  {
    cpu_pin pin(kGeneratorCpu);
    auto in = topo.sender().enter();
    gen.send(topology::local_ifindex(l.a0), 1);
  }
  const std::uint64_t sent_ns = gen.totals().last_ns;
  traffic_counts c;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kArrivalTimeoutMs);
  while ((c = rx.counts()).packets == before) {
    // Sleep, not spin: the slow path shares the CPU (see latency_bench).
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    if (std::chrono::steady_clock::now() > deadline)
      throw error("time a frame through", what, "it did not arrive within " + std::to_string(kArrivalTimeoutMs) + " ms",
                  "the scenario does not measure what it claims");
  }
  if (c.packets != before + 1) throw error("time a frame through", what, std::to_string(c.packets - before) + " frames arrived for 1 sent");
  if (c.last_ns < sent_ns) throw error("time a frame through", what, "it arrived " + std::to_string(sent_ns - c.last_ns) + " ns before it was sent",
                                       "the CPUs' clocks disagree; pin the sender and the receiving path to one CPU");
  return static_cast<double>(c.last_ns - sent_ns) / 1000.0;
}

}  // namespace

int latency_bench(std::vector<std::string> args) {
  const options o = parse(std::move(args));
  private_namespace ns = private_namespace::enter("bench-latency");
  topology topo(ns);
  const lane x = topo.add_lane("lx"), br = topo.add_lane("lb");
  traffic_spec spec;
  spec.flows = o.new_flows;
  traffic_generator fresh = traffic_generator::load(spec);  // a new destination per frame
  spec.flows = 1;
  traffic_generator same = traffic_generator::load(spec);

  // Receivers: b0 counts (first packets) or reflects (round trips); a0 counts what comes back.
  std::optional<traffic_receiver> x_b0, x_a0, br_b0, br_a0;
  {
    auto in = topo.receiver().enter();
    x_b0.emplace(traffic_receiver::attach(topology::local_ifindex(x.b0[0])));
    br_b0.emplace(traffic_receiver::attach(topology::local_ifindex(br.b0[0]), traffic_receiver::mode::reflect));
  }
  {
    auto in = topo.sender().enter();
    x_a0.emplace(traffic_receiver::attach(topology::local_ifindex(x.a0)));
    br_a0.emplace(traffic_receiver::attach(topology::local_ifindex(br.a0)));
  }

  datapath_options d;
  d.name = "lat";
  d.bpffs = ns.bpffs();
  d.run_dir = ns.run_dir();
  d.max_flows = std::max<std::uint32_t>(4096, o.new_flows * 2);
  datapath dp = datapath::create(d);
  dp.add_port(x.a1, 1, xdp_attach::native);
  dp.add_port(x.b1[0], 2, xdp_attach::native);

  auto pass = skeleton<xdp_pass>::open_and_load("xdp_pass");
  const unique_fd pass_a1 = attach_xdp_link(bpf_program__fd(pass->progs.ovsxdp_pass), topology::local_ifindex(br.a1), br.a1);
  const unique_fd pass_b1 = attach_xdp_link(bpf_program__fd(pass->progs.ovsxdp_pass), topology::local_ifindex(br.b1[0]), br.b1[0]);
  topo.add_bridge("lbbr", {br.a1, br.b1[0]}, {{spec.dst_mac, br.b1[0]}, {spec.src_mac, br.a1}});

  std::cout << "ovsxdp-bench latency: microseconds from the generator's transmit to the receiver's arrival (BPF clocks at both ends)\n"
            << "machine: " << machine_description() << "\n"
            << "generator on CPU " << kGeneratorCpu << ", one frame in flight; " << o.new_flows << " new flows, " << o.probes
            << " round trips each\n\n";

  // ---- first packet: miss, upcall, install, re-injection ----
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> handled{0}, install_failures{0};
  std::string handler_error;
  // The slow path runs on the generator's CPU: the two timestamps then come
  // from one CPU's clock (this VM's vCPU clocks differ by microseconds).
  std::thread slow_path([&] {
    try {
      cpu_pin pin(kGeneratorCpu);
      while (!stop) {
        dp.poll_upcalls(
            [&](const upcall& u) {
              const flow_match match = exact_match(u.key);
              const flow_spec flow{.key = match.key, .mask = match.mask, .actions = {act::output{2}}};
              try {
                dp.add_flow(flow);
              } catch (const error&) {
                install_failures++;
              }
              dp.execute(u.packet, u.in_port, flow.actions);
              handled++;
            },
            50);
      }
    } catch (const std::exception& e) {
      handler_error = e.what();
    }
  });
  std::vector<double> first;
  std::string failure;
  try {
    for (std::uint32_t k = 0; k < o.new_flows; k++) first.push_back(one_way(topo, fresh, x, *x_b0, "the slow path"));
  } catch (const std::exception& e) {
    failure = e.what();
  }
  stop = true;
  slow_path.join();
  if (!handler_error.empty()) throw error("run the slow path", "upcall handler", handler_error);
  if (!failure.empty()) throw error("measure first packets", "ovsxdp", failure);
  const auto c = dp.counters();
  if (c[OVSXDP_C_MISSED] != o.new_flows || handled != o.new_flows || install_failures != 0 || dp.flow_count() != o.new_flows)
    throw error("measure first packets", "ovsxdp",
                std::to_string(c[OVSXDP_C_MISSED]) + " misses, " + std::to_string(handled.load()) + " upcalls handled, " +
                    std::to_string(dp.flow_count()) + " flows for " + std::to_string(o.new_flows) + " new flows",
                "the scenario does not measure what it claims");
  // A second frame of each flow now hits: the installs took.
  const auto hits_before = dp.counters()[OVSXDP_C_HIT];
  fresh.reset();
  std::vector<double> second;
  for (std::uint32_t k = 0; k < std::min<std::uint32_t>(o.new_flows, 100); k++) second.push_back(one_way(topo, fresh, x, *x_b0, "installed flows"));
  if (dp.counters()[OVSXDP_C_HIT] - hits_before != second.size()) throw error("measure first packets", "ovsxdp", "the installed flows were not hit");

  // ---- round trips of an established flow ----
  dp.flush();
  dp.add_flow(flow_from_text("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"));
  dp.add_flow(flow_from_text("recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)", "1"));
  x_b0.reset();
  {
    auto in = topo.receiver().enter();
    x_b0.emplace(traffic_receiver::attach(topology::local_ifindex(x.b0[0]), traffic_receiver::mode::reflect));
  }
  std::vector<double> rtt_ovsxdp, rtt_bridge;
  for (std::uint32_t i = 0; i < o.probes; i++) {
    rtt_ovsxdp.push_back(one_way(topo, same, x, *x_a0, "ovsxdp, out and back"));
    rtt_bridge.push_back(one_way(topo, same, br, *br_a0, "the Linux bridge, out and back"));
  }

  std::vector<std::pair<std::string, double>> figures;
  std::cout << std::left << std::setw(52) << "path" << std::right << std::setw(9) << "p50 us" << std::setw(9) << "p99 us" << std::setw(9)
            << "max us" << std::setw(8) << "n" << "\n";
  auto row = [&](const std::string& title, const std::string& json, const std::vector<double>& v) {
    std::cout << std::left << std::setw(52) << title << std::right << std::setw(9) << fixed(percentile(v, 50), 1) << std::setw(9)
              << fixed(percentile(v, 99), 1) << std::setw(9) << fixed(percentile(v, 100), 1) << std::setw(8) << v.size() << "\n";
    figures.push_back({json + "_p50_us", percentile(v, 50)});
    figures.push_back({json + "_p99_us", percentile(v, 99)});
  };
  row("ovsxdp first packet (miss, upcall, install, execute)", "first_packet", first);
  row("ovsxdp second packet of those flows (hit)", "second_packet", second);
  row("ovsxdp round trip, established flow", "rtt_ovsxdp", rtt_ovsxdp);
  row("Linux bridge round trip", "rtt_linux_bridge", rtt_bridge);
  const double p50 = percentile(first, 50);
  std::cout << "\ntarget: first-packet median under 200 us: " << fixed(p50, 1) << " us, "
            << (p50 < 200 ? "met" : "NOT met (over by " + fixed(p50 - 200, 1) + " us)") << "\n";
  std::cout << "round trip: ovsxdp " << fixed(percentile(rtt_ovsxdp, 50), 1) << " us vs bridge " << fixed(percentile(rtt_bridge, 50), 1)
            << " us (median), " << fixed(percentile(rtt_bridge, 50) / percentile(rtt_ovsxdp, 50), 2) << "x faster\n";
  if (o.common.json_path) {
    write_json(*o.common.json_path, "latency_us", figures);
    std::cout << "\nwrote " << *o.common.json_path << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::bench
