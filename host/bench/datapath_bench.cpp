// ovsxdp-bench datapath: per-packet cost of the datapath program under
// BPF_PROG_TEST_RUN with `repeat`, against a redirect-only floor program
// measured in the same run.
//
// Lookup scenarios run the shipped ovsxdp_datapath program itself. Action
// scenarios change the frame, which a repeated test run does not restore, so
// they run the same pipeline behind a harness that restores the frame first
// (bench.bpf.cpp); the harness's own cost, measured in the same round as
// (harnessed floor - floor), is taken out.
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <net/if.h>

#include <cstdio>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "bench/bench.hpp"
#include "datapath/datapath.hpp"
#include "datapath/flow_text.hpp"
#include "extract/bpf_key_extractor.hpp"
#include "odp/flow_parse.hpp"
#include "packet/packet_builder.hpp"
#include "runtime/bpf_map.hpp"
#include "runtime/private_namespace.hpp"
#include "runtime/skeleton.hpp"
#include "runtime/test_run.hpp"
// clang-format off
#include "bench_bpf.skel.h"
// clang-format on

namespace ovsxdp::bench {
namespace {

enum class program { floor, key_extract, harness_floor, datapath, harness_datapath };
enum class table_kind { flow_cache, mask_cache, uncached };

struct flow_text {
  std::string key, actions;
};

struct scenario {
  std::string section;  // "lookup" or "action"
  std::string name;
  std::string json_name;
  program prog = program::datapath;
  table_kind table = table_kind::flow_cache;
  bytes frame;
  std::vector<flow_text> flows;
  std::uint32_t verdict = XDP_REDIRECT;
  std::uint32_t hits_per_packet = 1;  // megaflow hits each repetition must produce
  std::uint32_t repeat_cap = 0;       // rows that upcall: bounded by the ring's room
  std::string note;
};

struct measurement {
  double ns = 0;           // kernel-measured, per packet
  double probes = 0;       // mask probes per lookup
};

constexpr const char* kMacA = "02:00:00:00:00:01";
constexpr const char* kMacB = "02:00:00:00:00:02";
const std::string kIp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";

packet_builder eth() { return packet_builder().eth(kMacA, kMacB); }
bytes udp4() { return eth().ipv4("10.1.0.1", "10.1.0.2").udp(1000, 7777).payload(22).build(); }
bytes tcp4() { return eth().ipv4("10.1.0.1", "10.1.0.2").tcp(1000, 80, 0x010).payload(10).build(); }
bytes sctp4() { return eth().ipv4("10.1.0.1", "10.1.0.2").sctp(1000, 7777).payload(18).build(); }
bytes udp6() { return eth().ipv6("2001:db8::1", "2001:db8::2").udp(1000, 7777).payload(2).build(); }
bytes tagged() { return eth().vlan(10).ipv4("10.1.0.1", "10.1.0.2").udp(1000, 7777).payload(18).build(); }
bytes mpls() { return eth().mpls(100).ipv4("10.1.0.1", "10.1.0.2").udp(1000, 7777).payload(18).build(); }
bytes arp4() { return eth().arp(1, kMacA, "10.1.0.1", "00:00:00:00:00:00", "10.1.0.2").build(); }
bytes ns6() { return eth().ipv6("fe80::1", "ff02::1:ff00:2", {.hop_limit = 255}).nd(135, "2001:db8::2", kMacA).build(); }
bytes icmp4() { return eth().ipv4("10.1.0.1", "10.1.0.2").icmp(8, 0, 0x10001).payload(18).build(); }
bytes nsh4() { return eth().nsh(1, 0x100, 254).ipv4("10.1.0.1", "10.1.0.2").udp(1000, 7777).payload(18).build(); }

// N masks, the packet's flow in the last one probed: N-1 decoy prefixes of
// the destination that the packet does not match, then the exact flow.
std::vector<flow_text> masks_flows(unsigned n) {
  std::vector<flow_text> flows;
  const std::uint32_t dst = 0x0a010002;  // 10.1.0.2
  for (unsigned k = 1; k < n; k++) {
    const std::uint32_t mask = ~0u << (32 - k);
    const std::uint32_t decoy = (dst ^ (1u << (32 - k))) & mask;  // differs in the prefix's last bit
    auto dotted = [](std::uint32_t a) {
      return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
    };
    flows.push_back({"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=" + dotted(decoy) + "/" + dotted(mask) + ",frag=no)", "2"});
  }
  flows.push_back({"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.1.0.2,frag=no)", "2"});
  return flows;
}

std::vector<scenario> scenarios() {
  std::vector<scenario> s;
  auto lookup = [&](std::string name, std::string json, program p, table_kind t, std::vector<flow_text> flows, std::string note = {}) {
    s.push_back({"lookup", std::move(name), std::move(json), p, t, udp4(), std::move(flows), p == program::key_extract ? XDP_PASS : XDP_REDIRECT, p == program::datapath ? 1u : 0u, 0, std::move(note)});
  };
  lookup("floor: bpf_redirect_map only", "floor", program::floor, table_kind::flow_cache, {});
  lookup("parse + flow key only (ovsxdp_key_extract)", "key_extract", program::key_extract, table_kind::flow_cache, {});
  lookup("cached hit (parse, key, flow cache, output)", "cached_hit", program::datapath, table_kind::flow_cache, {{kIp4, "2"}});
  const std::pair<table_kind, const char*> caches[] = {
      {table_kind::flow_cache, "flow"}, {table_kind::mask_cache, "mask"}, {table_kind::uncached, "no"}};
  for (const auto& [kind, word] : caches)
    for (unsigned n : {1u, 8u, 32u})
      lookup("megaflow hit, " + std::to_string(n) + " mask" + (n > 1 ? "s" : "") + ", " + word + " cache",
             "masks" + std::to_string(n) + "_" + word + "_cache", program::datapath, kind, masks_flows(n));

  auto action = [&](std::string name, std::string json, bytes frame, std::vector<flow_text> flows, std::uint32_t verdict = XDP_REDIRECT,
                    std::uint32_t hits = 1, std::uint32_t cap = 0, std::string note = {}) {
    s.push_back({"action", std::move(name), std::move(json), program::harness_datapath, table_kind::flow_cache, std::move(frame), std::move(flows), verdict,
                 hits, cap, std::move(note)});
  };
  const std::string kUdp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp()";
  const std::string kMpls = "recirc_id(0),in_port(1),eth(),eth_type(0x8847),mpls(label=100,tc=0,ttl=64,bos=1)";
  action("output (baseline)", "output", udp4(), {{kIp4, "2"}});
  action("drop", "drop", udp4(), {{kIp4, "drop"}}, XDP_DROP);
  action("push_vlan", "push_vlan", udp4(), {{kIp4, "push_vlan(vid=10,pcp=0),2"}});
  action("pop_vlan", "pop_vlan", tagged(), {{"recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),ipv4(frag=no))", "pop_vlan,2"}});
  action("set(eth)", "set_eth", udp4(), {{kIp4, "set(eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb)),2"}});
  action("set(ipv4 src,dst) + UDP csum", "set_ipv4", udp4(), {{kUdp4, "set(ipv4(src=10.9.0.1,dst=10.9.0.2)),2"}});
  action("set_masked(ipv4 tos,ttl)", "set_masked_ipv4", udp4(), {{kIp4, "set(ipv4(tos=0x10/0xfc,ttl=9/0xff)),2"}});
  action("set(ipv6 src) + UDP csum", "set_ipv6", udp6(), {{"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)", "set(ipv6(src=2001:db8::99)),2"}});
  action("set(tcp ports)", "set_tcp", tcp4(), {{"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(0/0)", "set(tcp(src=81,dst=8080)),2"}});
  action("set(udp ports)", "set_udp", udp4(), {{kUdp4, "set(udp(src=1001,dst=53)),2"}});
  action("set(sctp ports) + CRC32c", "set_sctp", sctp4(), {{"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=132,frag=no),sctp()", "set(sctp(src=9,dst=10)),2"}});
  action("set(mpls)", "set_mpls", mpls(), {{kMpls, "set(mpls(label=200,tc=0,ttl=64,bos=1)),2"}});
  action("set(skb_mark)", "set_skb_mark", udp4(), {{kIp4, "set(skb_mark(0x7)),2"}});
  action("set(skb_priority)", "set_priority", udp4(), {{kIp4, "set(skb_priority(0x3)),2"}});
  action("dec_ttl", "dec_ttl", udp4(), {{kIp4, "dec_ttl(le_1(drop)),2"}});
  action("trunc", "trunc", udp4(), {{kIp4, "trunc(60),2"}});
  action("hash(l4)", "hash_l4", udp4(), {{kIp4, "hash(l4(0)),2"}});
  action("hash(sym_l4)", "hash_sym_l4", udp4(), {{kIp4, "hash(sym_l4(0)),2"}});
  action("push_mpls", "push_mpls", udp4(), {{kIp4, "push_mpls(label=100,tc=0,ttl=64,bos=1,eth_type=0x8847),2"}});
  action("pop_mpls", "pop_mpls", mpls(), {{kMpls, "pop_mpls(eth_type=0x800),2"}});
  action("add_mpls", "add_mpls", udp4(), {{kIp4, "add_mpls(label=7,tc=0,ttl=9,bos=1,eth_type=0x8847,tunnel),2"}});
  action("pop_eth + push_eth", "pop_push_eth", udp4(), {{kIp4, "pop_eth,push_eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb),2"}});
  action("set(arp)", "set_arp", arp4(), {{"recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()", "set(arp(sip=10.9.0.1,op=2)),2"}});
  action("set(nd target,sll) + ICMPv6 csum", "set_nd", ns6(),
         {{"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd()",
           "set(nd(target=2001:db8::99,sll=02:00:00:00:00:aa,tll=00:00:00:00:00:00)),2"}});
  action("set(icmp) + ICMP csum", "set_icmp", icmp4(), {{"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp()", "set(icmp(type=0,code=0)),2"}});
  action("push_nsh (MD1) + push_eth", "push_nsh", udp4(), {{kIp4, "push_nsh(spi=0x5,si=9),push_eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb),2"}});
  action("pop_eth + pop_nsh + push_eth", "pop_nsh", nsh4(),
         {{"recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(np=1)", "pop_eth,pop_nsh(),push_eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb),2"}});
  action("recirc (second pass, second lookup)", "recirc", udp4(),
         {{kIp4, "recirc(1)"}, {"recirc_id(1),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"}}, XDP_REDIRECT, 2);
  // The first repetition commits the connection; every later one finds it
  // (one way: UDP stays +new until a reply, at the same per-packet cost as
  // an established connection: a table lookup, a state update, counts).
  action("ct(commit),recirc: a tracked UDP connection", "ct_recirc", udp4(),
         {{kIp4, "ct(commit,zone=1),recirc(1)"}, {"recirc_id(1),in_port(1),ct_state(+trk),ct_zone(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"}},
         XDP_REDIRECT, 2);
  action("userspace (upcall to the ring)", "userspace", udp4(), {{kIp4, "userspace(pid=1),2"}}, XDP_REDIRECT, 1, 20000,
         "fewer repetitions: each one fills the upcall ring");
  action("miss (upcall, then drop)", "miss", udp4(), {}, XDP_DROP, 0, 20000, "fewer repetitions: each one fills the upcall ring");
  return s;
}

std::vector<std::uint8_t> zeros(std::size_t n) { return std::vector<std::uint8_t>(n, 0); }

class runner {
 public:
  explicit runner(std::uint32_t repeat)
      : repeat_(repeat), ns_(private_namespace::enter("bench")), harness_(skeleton<bench_bpf>::open("bench_bpf")) {
    ns_.veth("bench1", "bench1x");
    ns_.veth("bench2", "bench2x");
    ingress_ = if_nametoindex("bench1");
    for (ovsxdp_lookup_cache cache : {OVSXDP_CACHE_FLOW, OVSXDP_CACHE_MASK, OVSXDP_CACHE_NONE}) {
      datapath_options o;
      o.name = "bench" + std::to_string(cache);
      o.bpffs = ns_.bpffs();
      o.run_dir = ns_.run_dir();
      o.lookup_cache = cache;
      o.max_flows = 4096;
      o.upcall_ring_bytes = 64u << 20;
      datapath dp = datapath::create(o);
      dp.add_port("bench1", 1, xdp_attach::none);
      dp.add_port("bench2", 2, xdp_attach::none);
      dps_.push_back(std::move(dp));
    }
    dps_[0].share_with(harness_->obj);
    harness_.load();
    frame_map_ = bpf_map__fd(harness_->maps.bench_frame);
    frame_value_size_ = (bpf_map__value_size(harness_->maps.bench_frame) + 7) & ~7u;
  }

  datapath& dp(table_kind t) { return dps_[static_cast<std::size_t>(t)]; }

  int prog_fd(const scenario& s) {
    switch (s.prog) {
      case program::floor: return bpf_program__fd(harness_->progs.ovsxdp_bench_floor);
      case program::key_extract: return extractor_.program_fd();
      case program::harness_floor: return bpf_program__fd(harness_->progs.ovsxdp_bench_harness_floor);
      case program::harness_datapath: return bpf_program__fd(harness_->progs.ovsxdp_bench_harness_datapath);
      case program::datapath: break;
    }
    return dp(s.table).program_fd(OVSXDP_PROGRAM_DATAPATH);
  }

  void install(const scenario& s) {
    datapath& d = dp(s.table);
    d.flush();
    std::vector<flow_spec> specs;
    for (const auto& f : s.flows) specs.push_back(flow_from_text(f.key, f.actions));
    d.add_flows(specs);
  }

  measurement measure(const scenario& s) {
    install(s);
    datapath& d = dp(s.table);
    const std::uint32_t repeat = s.repeat_cap ? std::min(repeat_, s.repeat_cap) : repeat_;
    if (s.prog == program::harness_datapath || s.prog == program::harness_floor) {
      const std::uint32_t zero = 0;
      const auto values = zeros(frame_value_size_);
      if (bpf_map_update_elem(frame_map_, &zero, values.data(), BPF_ANY) != 0) throw system_error("reset map", "bench_frame", errno);
    }
    const datapath_counters before = d.counters();
    xdp_test_options options;
    options.repeat = repeat;
    options.ingress_ifindex = ingress_;
    const xdp_test_result r = run_xdp(prog_fd(s), s.frame, options);
    if (s.prog == program::key_extract) {
      // Its verdict is always pass; check that it really extracted the frame.
      const auto check = extractor_.extract(s.frame, 1);
      if (check.status != flow::extract_status::ok) throw error("run scenario", s.name, "the extractor refused the frame");
    }
    const datapath_counters after = d.counters();
    d.poll_upcalls([](const upcall&) {}, 0);
    if (r.verdict != s.verdict)
      throw error("run scenario", s.name, std::string("the program returned ") + xdp_action_name(r.verdict) + ", expected " + xdp_action_name(s.verdict),
                  "the scenario does not measure what it claims; check its flows");
    const std::uint64_t hits = after[OVSXDP_C_HIT] - before[OVSXDP_C_HIT];
    if (hits != std::uint64_t{repeat} * s.hits_per_packet)
      throw error("run scenario", s.name, std::to_string(hits) + " megaflow hits for " + std::to_string(repeat) + " packets, expected " +
                                               std::to_string(s.hits_per_packet) + " per packet");
    if (s.repeat_cap && after[OVSXDP_C_LOST] != before[OVSXDP_C_LOST])
      throw error("run scenario", s.name, "upcalls were lost: the ring was too small for the repetitions");
    measurement m;
    m.ns = r.duration_ns;
    const std::uint64_t lookups = hits;
    m.probes = lookups ? static_cast<double>(after[OVSXDP_C_MASK_PROBES] - before[OVSXDP_C_MASK_PROBES]) / static_cast<double>(lookups) : 0;
    return m;
  }

 private:
  std::uint32_t repeat_;
  private_namespace ns_;
  std::uint32_t ingress_ = 0;
  std::vector<datapath> dps_;
  skeleton<bench_bpf> harness_;
  bpf_key_extractor extractor_;
  int frame_map_ = -1;
  std::size_t frame_value_size_ = 0;
};

}  // namespace

int datapath_bench(std::vector<std::string> args) {
  common_options common = take_common_options(args);
  std::uint32_t repeat = 200000;
  for (std::size_t i = 0; i < args.size(); i++) {
    if (args[i] == "--repeat" && i + 1 < args.size()) repeat = static_cast<std::uint32_t>(parse_number("--repeat", args[++i], 1000, 100000000));
    else throw usage_error("unknown argument '" + args[i] + "'");
  }
  std::vector<scenario> all = scenarios();
  // The floors are always measured: every ratio needs them.
  scenario harness_floor{"harness", "harness + floor", "harness_floor", program::harness_floor, table_kind::flow_cache, udp4(), {}, XDP_REDIRECT, 0, 0, {}};
  std::vector<scenario> chosen;
  for (auto& s : all)
    if (s.json_name == "floor" || s.json_name == "output" || common.only.empty() || s.name.find(common.only) != std::string::npos ||
        s.json_name.find(common.only) != std::string::npos)
      chosen.push_back(s);
  chosen.push_back(harness_floor);

  runner run(repeat);
  std::cout << "ovsxdp-bench datapath: per-packet cost under BPF_PROG_TEST_RUN\n"
            << "machine: " << machine_description() << "\n"
            << "repeat " << repeat << " per measurement, " << common.rounds << " interleaved rounds, medians\n\n";
  std::map<std::string, std::vector<double>> ns, probes;
  std::map<std::string, std::vector<double>> harness_cost;  // per round, for action rows
  for (std::uint32_t round = 0; round < common.rounds; round++) {
    std::map<std::string, measurement> this_round;
    for (const auto& s : chosen) this_round[s.json_name] = run.measure(s);
    const double harness = this_round["harness_floor"].ns - this_round["floor"].ns;
    for (const auto& s : chosen) {
      double v = this_round[s.json_name].ns;
      if (s.section == "action") v -= harness;
      ns[s.json_name].push_back(v);
      probes[s.json_name].push_back(this_round[s.json_name].probes);
    }
    harness_cost["harness"].push_back(harness);
    std::cerr << "round " << round + 1 << "/" << common.rounds << " done\n";
  }
  const double floor = median(ns["floor"]);
  const double output = median(ns["output"]);
  std::vector<std::pair<std::string, double>> figures;
  for (const char* section : {"lookup", "action"}) {
    const bool actions = std::string(section) == "action";
    std::cout << (actions ? "\nactions (each followed by output to port 2; through the harness, its " + fixed(median(harness_cost["harness"]), 1) +
                                " ns taken out)\n"
                          : std::string("lookups (the shipped ovsxdp_datapath program)\n"));
    std::cout << std::left << std::setw(46) << "scenario" << std::right << std::setw(9) << "ns/pkt" << std::setw(9) << "x floor";
    if (actions) std::cout << std::setw(10) << "x output";
    else std::cout << std::setw(12) << "probes/pkt";
    std::cout << "\n";
    for (const auto& s : chosen) {
      if (s.section != section) continue;
      const double v = median(ns[s.json_name]);
      figures.push_back({s.json_name, v});
      std::cout << std::left << std::setw(46) << s.name << std::right << std::setw(9) << fixed(v, 0) << std::setw(9) << fixed(v / floor, 2);
      if (actions) std::cout << std::setw(10) << fixed(v / output, 2);
      else std::cout << std::setw(12) << (s.prog != program::datapath ? std::string("-") : fixed(median(probes[s.json_name]), 1));
      if (!s.note.empty()) std::cout << "   (" << s.note << ")";
      std::cout << "\n";
    }
  }
  if (common.json_path) {
    figures.push_back({"harness", median(harness_cost["harness"])});
    write_json(*common.json_path, "ns_per_packet", figures);
    std::cout << "\nwrote " << *common.json_path << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::bench
