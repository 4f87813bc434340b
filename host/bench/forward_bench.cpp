// ovsxdp-bench forward: packets per second across real veths, one topology
// and one generator for every device under test, measured side by side:
//
//   floor              a redirect-only XDP program on a1 (the most any XDP switch can do)
//   ovsxdp_*           the datapath on a1: 1 and 1,000 megaflows (cache hits),
//                      VLAN push, a set-field rewrite, a 4-port flood
//   linux_bridge       XDP_PASS on a1, then the kernel bridge (a learning
//                      bridge with a static FDB entry: what NORMAL does)
//   ovs_afxdp          Open vSwitch 3.1's userspace datapath, AF_XDP ports, a PMD thread,
//                      one OpenFlow rule to the output port
//   vswitchd_*_normal  one NORMAL bridge (priority=0,actions=NORMAL, the
//                      destination MAC in the FDB by fdb/add) on each of
//                      ovs-vswitchd's datapaths: ovsxdp (the build tree's
//                      ovs-vswitchd, datapath_type=ovsxdp) and Open vSwitch
//                      3.1's userspace datapath with AF_XDP ports
//
// Rate = frames received on b0 / (last arrival - first transmit), both
// stamped by the BPF programs (every 64th frame), so a device that queues (OVS's PMD on the
// other CPU) is timed until it has drained, and the test run's own setup is
// not counted as traffic.
// Rounds are interleaved and figures are medians. A scenario fails when it
// does not measure what it claims: the datapath did not hit its flows for
// every frame, or nothing arrived.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <thread>

#include "bench/bench.hpp"
#include "bench/ovs_peer.hpp"
#include "bench/topology.hpp"
#include "datapath/datapath.hpp"
#include "datapath/flow_text.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/private_namespace.hpp"
#include "runtime/skeleton.hpp"
// clang-format off
#include "forward_floor.skel.h"
#include "xdp_pass.skel.h"
// clang-format on

namespace ovsxdp::bench {
namespace {

constexpr unsigned kFloodPorts = 4;
// Clock reads every 64th frame at both ends: on this VM a read costs about as
// much as the redirect being measured, and it would pad every scenario alike.
constexpr std::uint32_t kStampEvery = 64;
// Before an ovs-vswitchd bridge is measured: frames that take the flow up.
constexpr std::uint64_t kWarmUpFrames = 64;
constexpr int kWarmUpAttempts = 10;

enum class device { floor, ovsxdp, linux_bridge, ovs_afxdp, ovs_afxdp_normal, ovsxdp_vswitchd };

struct scenario {
  std::string json_name, title;
  device dut;
  std::uint32_t flows = 1;  // distinct flows the generator sends
  std::string actions;      // ovsxdp: actions of every flow
  unsigned outputs = 1;     // copies per frame
  std::string second_pass;  // ovsxdp: actions of a recirc_id(1) flow, for lists that recirculate
};

std::vector<scenario> all_scenarios() {
  return {
      {"floor", "floor: redirect-only XDP", device::floor, 1, "", 1, ""},
      {"ovsxdp_1flow", "ovsxdp, 1 megaflow", device::ovsxdp, 1, "2", 1, ""},
      {"ovsxdp_1000flows", "ovsxdp, 1,000 megaflows", device::ovsxdp, 1000, "2", 1, ""},
      {"ovsxdp_vlan", "ovsxdp, push_vlan", device::ovsxdp, 1, "push_vlan(vid=10,pcp=0),2", 1, ""},
      {"ovsxdp_rewrite", "ovsxdp, set eth+ipv4 (rewrite)", device::ovsxdp, 1,
       "set(eth(src=02:00:00:00:0c:01,dst=02:00:00:00:0c:02)),set(ipv4(src=10.9.0.1,dst=10.9.0.2,ttl=63)),2", 1, ""},
      {"ovsxdp_flood4", "ovsxdp, flood to 4 ports", device::ovsxdp, 1, "2,3,4,5", kFloodPorts, ""},
      // A recirculating copy against a plain one: both leave through two ports.
      {"ovsxdp_copy2", "ovsxdp, 2 ports (a copy)", device::ovsxdp, 1, "2,3", 2, ""},
      {"ovsxdp_recirc_copy", "ovsxdp, 2 ports (a recirc copy)", device::ovsxdp, 1, "2,recirc(1)", 2, "3"},
      {"linux_bridge", "Linux bridge", device::linux_bridge, 1, "", 1, ""},
      {"ovs_afxdp", "Open vSwitch 3.1, AF_XDP, PMD", device::ovs_afxdp, 1, "", 1, ""},
      {"vswitchd_ovsxdp_normal", "NORMAL bridge, ovsxdp datapath", device::ovsxdp_vswitchd, 1, "", 1, ""},
      {"vswitchd_afxdp_normal", "NORMAL bridge, OVS AF_XDP + PMD", device::ovs_afxdp_normal, 1, "", 1, ""},
  };
}

struct run_figures {
  double mpps = 0;
  double delivered = 0;  // frames received / frames expected (sent x outputs)
  std::uint64_t foreign = 0;
};

struct options {
  common_options common;
  std::uint64_t packets = 1'000'000;
  std::uint32_t frame_size = 64;
  traffic_protocol protocol = traffic_protocol::udp;
  bool require_lossless = false;  // XDP and bridge scenarios: every frame must arrive (tests)
};

options parse(std::vector<std::string> args) {
  options o;
  o.common = take_common_options(args);
  for (std::size_t i = 0; i < args.size(); i++) {
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (args[i] == "--packets") o.packets = parse_number("--packets", value(), 1000, 1'000'000'000);
    else if (args[i] == "--size") o.frame_size = static_cast<std::uint32_t>(parse_number("--size", value(), 62, 3000));
    else if (args[i] == "--proto") {
      const std::string p = value();
      if (p == "udp") o.protocol = traffic_protocol::udp;
      else if (p == "tcp") o.protocol = traffic_protocol::tcp;
      else throw usage_error("--proto: '" + p + "' is not udp or tcp");
    } else if (args[i] == "--require-lossless") o.require_lossless = true;
    else throw usage_error("unknown argument '" + args[i] + "'");
  }
  if (o.frame_size < min_frame_size(o.protocol))
    throw usage_error("--size: " + std::to_string(o.frame_size) + " bytes is below the " + std::to_string(min_frame_size(o.protocol)) +
                      " a frame of this protocol needs");
  return o;
}

// Everything the run needs, built once: lanes, receivers, devices.
class bench_world {
 public:
  bench_world(const private_namespace& ns, const options& o) : o_(o), topo_(ns) {
    xdp_ = topo_.add_lane("fw", kFloodPorts);
    bridge_ = topo_.add_lane("br");
    ovs_ = topo_.add_lane("ov");
    vswitchd_ = topo_.add_lane("ox");
    base_spec_.protocol = o.protocol;
    base_spec_.frame_size = o.frame_size;
    base_spec_.stamp_every = kStampEvery;
    {
      auto in = topo_.receiver().enter();
      for (const auto& b0 : xdp_.b0) xdp_rx_.push_back(std::make_unique<traffic_receiver>(traffic_receiver::attach(topology::local_ifindex(b0), traffic_receiver::mode::count_and_drop, kStampEvery)));
      bridge_rx_ = std::make_unique<traffic_receiver>(traffic_receiver::attach(topology::local_ifindex(bridge_.b0[0]), traffic_receiver::mode::count_and_drop, kStampEvery));
      ovs_rx_ = std::make_unique<traffic_receiver>(traffic_receiver::attach(topology::local_ifindex(ovs_.b0[0]), traffic_receiver::mode::count_and_drop, kStampEvery));
      vswitchd_rx_ = std::make_unique<traffic_receiver>(traffic_receiver::attach(topology::local_ifindex(vswitchd_.b0[0]), traffic_receiver::mode::count_and_drop, kStampEvery));
    }
    // The datapath: a1 is port 1, the b1s ports 2..5.
    datapath_options d;
    d.name = "fwd";
    d.bpffs = ns.bpffs();
    d.run_dir = ns.run_dir();
    d.max_flows = 4096;
    dp_.emplace(datapath::create(d));
    for (std::size_t k = 0; k < xdp_.b1.size(); k++) dp_->add_port(xdp_.b1[k], static_cast<std::uint32_t>(2 + k), xdp_attach::native);
    // The floor's devmap points at b1.
    floor_ = skeleton<forward_floor>::open_and_load("forward_floor");
    const std::uint32_t zero = 0;
    bpf_devmap_val to_b1{};
    to_b1.ifindex = topology::local_ifindex(xdp_.b1[0]);
    if (bpf_map_update_elem(bpf_map__fd((*floor_)->maps.floor_port), &zero, &to_b1, BPF_ANY) != 0)
      throw system_error("point the floor program at", xdp_.b1[0], errno);
    // The bridge: XDP_PASS on a1 (a veth takes XDP_TX frames only when its peer runs XDP), a static FDB entry for the destination.
    pass_ = skeleton<xdp_pass>::open_and_load("xdp_pass");
    bridge_pass_ = attach_xdp_link(bpf_program__fd((*pass_)->progs.ovsxdp_pass), topology::local_ifindex(bridge_.a1), bridge_.a1);
    topo_.add_bridge("fwbr", {bridge_.a1, bridge_.b1[0]}, {{base_spec_.dst_mac, bridge_.b1[0]}});
    generators_.emplace(1, traffic_generator::load(spec(1)));
    generators_.emplace(1000, traffic_generator::load(spec(1000)));
  }

  traffic_spec spec(std::uint32_t flows) const {
    traffic_spec s = base_spec_;
    s.flows = flows;
    return s;
  }

  // Starts Open vSwitch on the ovs lane, its PMD thread on the CPU the generator does not use.
  void start_ovs(const std::string& work_dir) {
    ovs_switch::options so;
    so.work_dir = work_dir;
    so.pmd_cpu_mask = kGeneratorCpu == 0 ? "0x2" : "0x1";
    // The warm-up's flows must not age out while the other devices are measured.
    so.other_config = {"max-idle=600000"};
    ovs_switch_.emplace(ovs_switch::start(so));
    ovs_switch_->add_afxdp_port(ovs_.a1, 1);
    ovs_switch_->add_afxdp_port(ovs_.b1[0], 2);
    ovs_switch_->appctl_command({"fdb/add", so.bridge, ovs_.b1[0], "0", base_spec_.dst_mac});
  }
  std::string ovs_version() const { return ovs_switch_ ? ovs_switch_->version() : ""; }

  // ovs-vswitchd with the ovsxdp provider, from this build tree (or
  // OVSXDP_OVS_BIN_DIR/OVSXDP_OVS_SCHEMA), its datapath pinned in this
  // benchmark's private bpffs.
  void start_vswitchd(const private_namespace& ns, const std::string& work_dir, const std::string& bin_dir, const std::string& schema) {
    ovs_switch::options so;
    so.work_dir = work_dir;
    so.bridge = "brx";
    so.datapath_type = "ovsxdp";
    so.bin_dir = bin_dir;
    so.schema = schema;
    so.extra_env = {"OVSXDP_BPFFS=" + ns.bpffs(), "OVSXDP_RUN_DIR=" + ns.run_dir()};
    so.other_config = {"max-idle=600000"};
    vswitchd_switch_.emplace(ovs_switch::start(so));
    vswitchd_switch_->add_system_port(vswitchd_.a1, 1);
    vswitchd_switch_->add_system_port(vswitchd_.b1[0], 2);
    vswitchd_switch_->add_flows({"priority=0,actions=NORMAL"});
    vswitchd_switch_->appctl_command({"fdb/add", so.bridge, vswitchd_.b1[0], "0", base_spec_.dst_mac});
  }
  std::string vswitchd_version() const { return vswitchd_switch_ ? vswitchd_switch_->version() : ""; }

  run_figures run(const scenario& s) {
    switch (s.dut) {
      case device::floor: {
        detach_datapath();
        const unique_fd floor = attach_xdp_link(bpf_program__fd((*floor_)->progs.ovsxdp_forward_floor), topology::local_ifindex(xdp_.a1), xdp_.a1);
        return measure(s, xdp_, {xdp_rx_[0].get()}, nullptr);
      }
      case device::ovsxdp: {
        attach_datapath();
        dp_->flush();
        std::vector<flow_spec> flows;
        for (std::uint32_t k = 0; k < s.flows; k++)
          flows.push_back(flow_from_text("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=" + flow_destination(spec(s.flows), k) + ",frag=no)",
                                         s.actions));
        if (!s.second_pass.empty())
          flows.push_back(flow_from_text("recirc_id(1),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", s.second_pass));
        dp_->add_flows(flows);
        std::vector<traffic_receiver*> rx;
        for (unsigned k = 0; k < s.outputs; k++) rx.push_back(xdp_rx_[k].get());
        return measure(s, xdp_, rx, &*dp_);
      }
      case device::linux_bridge: return measure(s, bridge_, {bridge_rx_.get()}, nullptr);
      case device::ovs_afxdp:
        ovs_switch_->add_flows({"in_port=1,ip,nw_dst=" + base_spec_.dst_ip + ",actions=output:2"});
        return measure_switch(s, ovs_, *ovs_rx_, *ovs_switch_);
      case device::ovs_afxdp_normal:
        ovs_switch_->add_flows({"priority=0,actions=NORMAL"});
        return measure_switch(s, ovs_, *ovs_rx_, *ovs_switch_);
      case device::ovsxdp_vswitchd: return measure_switch(s, vswitchd_, *vswitchd_rx_, *vswitchd_switch_);
    }
    return {};
  }

  // Every device gets the same frames. OVS drops what its PMD cannot take at
  // its AF_XDP ring; the run is long enough (about 0.2 s at the generator's
  // rate) that its ring absorbing the first burst does not flatter it.
  std::uint64_t packets_for(const scenario&) const { return o_.packets; }

 private:
  void detach_datapath() {
    if (dp_->port(1)) dp_->remove_port(1);
  }
  void attach_datapath() {
    if (!dp_->port(1)) dp_->add_port(xdp_.a1, 1, xdp_attach::native);
  }

  // An ovs-vswitchd bridge: the first frames go up to ovs-vswitchd, which
  // installs the megaflow; the measured frames must all hit it.
  run_figures measure_switch(const scenario& s, const lane& l, traffic_receiver& rx, const ovs_switch& sw) {
    traffic_generator& gen = generators_.at(s.flows);
    std::uint64_t missed_before = sw.datapath_statistics().missed, missed_now = 0;
    for (int attempt = 0;; attempt++) {
      {
        cpu_pin pin(kGeneratorCpu);
        auto in = topo_.sender().enter();
        gen.reset();
        gen.send(topology::local_ifindex(l.a0), kWarmUpFrames);
      }
      settle({&rx}, kWarmUpFrames, 500);
      missed_now = sw.datapath_statistics().missed;
      if (missed_now == missed_before) break;  // every warm-up frame hit: the flow is in
      if (attempt == kWarmUpAttempts)
        throw error("warm up scenario", s.json_name, "frames still miss the datapath's flows after " + std::to_string(attempt + 1) + " warm-ups",
                    "see dpctl/dump-flows and the ovs-vswitchd log in the work directory");
      missed_before = missed_now;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto before = sw.datapath_statistics();
    run_figures f = measure(s, l, {&rx}, nullptr);
    const auto after = sw.datapath_statistics();
    // The measured frames were cache hits, not upcalls (OVS's PMD may also
    // lose frames at its AF_XDP ring, before any lookup).
    if (after.missed != before.missed)
      throw error("run scenario", s.json_name, std::to_string(after.missed - before.missed) + " measured frames missed the datapath's flows",
                  "the scenario does not measure cache hits");
    if (s.dut == device::ovsxdp_vswitchd && after.hit - before.hit != packets_for(s))
      throw error("run scenario", s.json_name,
                  std::to_string(after.hit - before.hit) + " datapath hits for " + std::to_string(packets_for(s)) + " frames",
                  "the scenario does not measure what it claims");
    return f;
  }

  run_figures measure(const scenario& s, const lane& l, const std::vector<traffic_receiver*>& rx, datapath* dp) {
    traffic_generator& gen = generators_.at(s.flows);
    gen.reset();
    for (auto* r : rx) r->reset();
    const std::uint64_t packets = packets_for(s);
    const auto before = dp ? dp->counters() : datapath_counters{};
    send_result sent;
    {
      cpu_pin pin(kGeneratorCpu);
      auto in = topo_.sender().enter();
      sent = gen.send(topology::local_ifindex(l.a0), packets);
    }
    const bool queued = s.dut == device::ovs_afxdp || s.dut == device::ovs_afxdp_normal;
    const auto got = settle(rx, sent.packets, queued ? 3000 : 1000);
    if (sent.packets != packets)
      throw error("run scenario", s.json_name, "the generator sent " + std::to_string(sent.packets) + " of " + std::to_string(packets) + " frames");
    if (dp) {
      const auto after = dp->counters();
      const std::uint64_t hits = after[OVSXDP_C_HIT] - before[OVSXDP_C_HIT], missed = after[OVSXDP_C_MISSED] - before[OVSXDP_C_MISSED];
      const std::uint64_t outputs = after[OVSXDP_C_OUTPUT] - before[OVSXDP_C_OUTPUT];
      const std::uint64_t passes = s.second_pass.empty() ? 1 : 2;  // a recirculated copy is looked up again
      if (hits != packets * passes || missed != 0 || outputs != packets * s.outputs) {
        std::string moved;
        for (std::uint32_t c = 0; c < OVSXDP_COUNTER_MAX; c++)
          if (after.values[c] != before.values[c])
            moved += std::string(moved.empty() ? "" : ", ") + counter_name(static_cast<ovsxdp_counter>(c)) + " " + std::to_string(after.values[c] - before.values[c]);
        throw error("run scenario", s.json_name,
                    std::to_string(outputs) + " outputs for " + std::to_string(packets) + " frames of " + std::to_string(s.outputs) +
                        " copies each (counters: " + moved + ")",
                    "the scenario does not measure what it claims");
      }
    }
    run_figures f;
    std::uint64_t received = 0, least = ~0ull;
    for (const auto& c : got) {
      received += c.packets;
      least = std::min(least, c.packets);
      f.foreign += c.foreign;
    }
    if (least == 0) throw error("run scenario", s.json_name, "no frame arrived on a receiver", "check the device under test's forwarding");
    f.delivered = static_cast<double>(received) / static_cast<double>(packets * s.outputs);
    // The first receiver's frames per second, in input frames, from the
    // generator's first frame (the test run's setup is not traffic) to the
    // receiver's last stamped arrival.
    const std::uint64_t first_ns = gen.totals().first_ns, last_ns = got[0].last_ns;
    if (first_ns == 0 || last_ns <= first_ns) throw error("run scenario", s.json_name, "the generator and receiver clocks disagree");
    f.mpps = static_cast<double>(got[0].stamped) / static_cast<double>(last_ns - first_ns) * 1000.0;
    if (o_.require_lossless && !queued && received != packets * s.outputs)
      throw error("run scenario", s.json_name, std::to_string(received) + " of " + std::to_string(packets * s.outputs) + " frames arrived",
                  "--require-lossless: every frame must arrive");
    return f;
  }

  const options& o_;
  topology topo_;
  lane xdp_, bridge_, ovs_, vswitchd_;
  traffic_spec base_spec_;
  std::vector<std::unique_ptr<traffic_receiver>> xdp_rx_;
  std::unique_ptr<traffic_receiver> bridge_rx_, ovs_rx_, vswitchd_rx_;
  std::optional<datapath> dp_;
  std::optional<skeleton<forward_floor>> floor_;
  std::optional<skeleton<xdp_pass>> pass_;
  unique_fd bridge_pass_;
  std::map<std::uint32_t, traffic_generator> generators_;
  std::optional<ovs_switch> ovs_switch_, vswitchd_switch_;
};

std::string verdict(bool met, const std::string& shortfall) { return met ? "met" : "NOT met (" + shortfall + ")"; }

}  // namespace

int forward_bench(std::vector<std::string> args) {
  const options o = parse(std::move(args));
  std::vector<scenario> chosen;
  for (const auto& s : all_scenarios())
    if (o.common.only.empty() || s.json_name.find(o.common.only) != std::string::npos || s.json_name == "floor") chosen.push_back(s);
  auto wants = [&](device d) { return std::any_of(chosen.begin(), chosen.end(), [d](const scenario& s) { return s.dut == d; }); };
  const auto vswitchd_build = find_ovsxdp_vswitchd();
  if (wants(device::ovsxdp_vswitchd) && !vswitchd_build) {
    std::cerr << "skipping vswitchd_ovsxdp_normal: this build has no ovs-vswitchd with the ovsxdp provider (configured with "
                 "-DOVSXDP_BUILD_OVS=OFF); set OVSXDP_OVS_BIN_DIR and OVSXDP_OVS_SCHEMA to use one\n";
    std::erase_if(chosen, [](const scenario& s) { return s.dut == device::ovsxdp_vswitchd; });
  }
  const bool want_ovs = wants(device::ovs_afxdp) || wants(device::ovs_afxdp_normal);
  const bool want_vswitchd = wants(device::ovsxdp_vswitchd);

  private_namespace ns = private_namespace::enter("bench-forward");
  bench_world world(ns, o);
  if (want_ovs) world.start_ovs(ns.run_dir() + "/ovs");
  if (want_vswitchd) world.start_vswitchd(ns, ns.run_dir() + "/ovx", vswitchd_build->bin_dir, vswitchd_build->schema);

  std::cout << "ovsxdp-bench forward: frames per second, sender namespace -> a1 -> device under test -> b1 -> receiver namespace\n"
            << "machine: " << machine_description() << "\n"
            << "traffic: " << o.frame_size << "-byte " << (o.protocol == traffic_protocol::udp ? "UDP" : "TCP") << " frames, " << o.packets
            << " per run, generator on CPU " << kGeneratorCpu
            << "; " << o.common.rounds << " interleaved rounds, medians\n";
  if (want_ovs) std::cout << "peer: " << world.ovs_version() << ", netdev datapath, AF_XDP ports, PMD on the other CPU\n";
  if (want_vswitchd) std::cout << "ovsxdp under " << world.vswitchd_version() << " (build tree, datapath_type=ovsxdp)\n";
  std::cout << "\n";

  std::map<std::string, std::vector<double>> mpps, delivered;
  std::map<std::string, std::uint64_t> foreign;
  for (std::uint32_t round = 0; round < o.common.rounds; round++) {
    for (const auto& s : chosen) {
      const run_figures f = world.run(s);
      mpps[s.json_name].push_back(f.mpps);
      delivered[s.json_name].push_back(f.delivered);
      foreign[s.json_name] += f.foreign;
    }
    std::cerr << "round " << round + 1 << "/" << o.common.rounds << " done\n";
  }

  auto med = [&](const std::string& name) { return mpps.count(name) ? median(mpps[name]) : 0.0; };
  const double floor = med("floor"), bridge = med("linux_bridge"), ovs = med("ovs_afxdp");
  std::cout << std::left << std::setw(34) << "scenario" << std::right << std::setw(8) << "Mpps" << std::setw(10) << "ns/frame" << std::setw(10)
            << "x floor" << std::setw(11) << "x bridge" << std::setw(9) << "x OVS" << std::setw(12) << "delivered" << "\n";
  std::vector<std::pair<std::string, double>> figures;
  for (const auto& s : chosen) {
    const double v = med(s.json_name);
    figures.push_back({s.json_name, v});
    std::cout << std::left << std::setw(34) << s.title << std::right << std::setw(8) << fixed(v, 3) << std::setw(10) << fixed(1000.0 / v, 0)
              << std::setw(10) << fixed(v / floor, 2) << std::setw(11) << (bridge > 0 ? fixed(v / bridge, 1) : "-") << std::setw(9)
              << (ovs > 0 ? fixed(v / ovs, 1) : "-") << std::setw(11) << fixed(100 * median(delivered[s.json_name]), 1) << "%"
              << (foreign[s.json_name] ? "  (" + std::to_string(foreign[s.json_name]) + " foreign frames)" : "") << "\n";
  }
  const double ours = med("ovsxdp_1flow");
  if (ours > 0) {
    std::cout << "\ntargets (ovsxdp, 1 megaflow, cache hits):\n";
    const double cost = floor / ours;
    std::cout << "  per-frame cost within 1.25x the floor's:  " << fixed(cost, 2) << "x  "
              << verdict(cost <= 1.25, "short by " + fixed(cost - 1.25, 2) + "x") << "\n";
    std::cout << "  rate >= 80% of the floor's:               " << fixed(100 * ours / floor, 1) << "%  "
              << verdict(ours >= 0.8 * floor, "short by " + fixed(100 * (0.8 - ours / floor), 1) + " points") << "\n";
    if (bridge > 0)
      std::cout << "  >= 5x the Linux bridge:                   " << fixed(ours / bridge, 1) << "x  "
                << verdict(ours >= 5 * bridge, "short by " + fixed(5 - ours / bridge, 1) + "x") << "\n";
    if (ovs > 0)
      std::cout << "  >= 10x Open vSwitch's userspace datapath: " << fixed(ours / ovs, 1) << "x  "
                << verdict(ours >= 10 * ovs, "short by " + fixed(10 - ours / ovs, 1) + "x") << "\n";
  }
  const double normal_ovsxdp = med("vswitchd_ovsxdp_normal"), normal_afxdp = med("vswitchd_afxdp_normal");
  if (normal_ovsxdp > 0) {
    std::cout << "\nNORMAL bridge under ovs-vswitchd, ovsxdp datapath: " << fixed(normal_ovsxdp, 3) << " Mpps";
    if (normal_afxdp > 0) std::cout << ", " << fixed(normal_ovsxdp / normal_afxdp, 1) << "x the same bridge on OVS's userspace datapath with AF_XDP ports";
    if (bridge > 0) std::cout << ", " << fixed(normal_ovsxdp / bridge, 1) << "x the Linux bridge";
    std::cout << "\n";
  }
  if (o.common.json_path) {
    write_json(*o.common.json_path, "mpps", figures);
    std::cout << "\nwrote " << *o.common.json_path << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::bench
