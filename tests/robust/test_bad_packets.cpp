// Bad packets through the real datapath programs, with flows installed:
// random frames of every length from 14 to 1514 bytes, every truncation and
// random bit flips of well-formed packets, and valid Ethernet headers in
// front of random bytes. For every frame:
//   - neither program returns XDP_ABORTED;
//   - the live program (ovsxdp_datapath) and the trace program agree on the
//     verdict, and what the live program would transmit is exactly the packet
//     the trace recorded;
//   - the port it goes to is the one the flow that an independent host-side
//     model picks (host parser + masked match over the dumped flows) names,
//     and a frame the model finds no flow for is not sent anywhere;
//   - exactly one terminal counter moves per frame: every drop is counted,
//     by reason, and a packet on a port is never passed to the stack when the
//     miss policy says drop.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <random>

#include "datapath/flow_text.hpp"
#include "ovsxdp/flow/extract.h"
#include "packet/packet_builder.hpp"
#include "runtime/test_run.hpp"
#include "support/frame_check.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

// Every way a packet's trip can end; each frame must move exactly one.
constexpr ovsxdp_counter kTerminal[] = {
    OVSXDP_C_OUTPUT,         OVSXDP_C_MISS_DROPPED,    OVSXDP_C_MISS_PASSED,   OVSXDP_C_DROP_MALFORMED,       OVSXDP_C_DROP_RECURSION,
    OVSXDP_C_DROP_ACTION,    OVSXDP_C_DROP_EXPLICIT,   OVSXDP_C_DROP_NO_OUTPUT, OVSXDP_C_DROP_NO_PORT,        OVSXDP_C_DROP_L3_ON_ETHERNET,
    OVSXDP_C_DROP_TTL,       OVSXDP_C_DROP_INTERNAL,   OVSXDP_C_UNKNOWN_INGRESS};

std::uint64_t terminal_sum(const datapath_counters& c) {
  std::uint64_t n = 0;
  for (auto t : kTerminal) n += c[t];
  return n;
}

const char* kA = "50:54:00:00:00:01";
const char* kB = "50:54:00:00:00:02";
packet_builder eth() { return packet_builder().eth(kA, kB); }

std::vector<bytes> templates() {
  return {
      eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, 2000).payload(40).build(),
      eth().ipv4("10.0.0.1", "10.0.0.3").tcp(1000, 80, 0x018).payload(30).build(),
      eth().ipv4("10.0.0.1", "10.0.0.4", {.ttl = 1}).tcp(1000, 80).payload(10).build(),
      eth().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).payload(20).build(),
      eth().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(0, bytes(6, 0)).ipv6_fragment(0, true).udp(1, 2).payload(20).build(),
      eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1000, 2000).payload(10).build(),
      eth().vlan(100, 0, 0x88a8).vlan(20).ipv6("2001:db8::1", "2001:db8::9").tcp(5, 6).build(),
      eth().mpls(100).mpls(200).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(8).build(),
      eth().arp(1, kA, "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2").build(),
      eth().ipv6("fe80::1", "ff02::1:ff00:2").nd(135, "2001:db8::2", std::string_view(kA)).build(),
      eth().ipv4("10.0.0.1", "10.0.0.9").sctp(7, 8).payload(12).build(),
      eth().ipv4("10.0.0.1", "10.0.0.2", {.more_fragments = true}).udp(1, 2).payload(16).build(),
  };
}

// Disjoint flows covering many actions, so every frame has one answer.
const char* kFlows[][2] = {
    {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.2,proto=17,frag=no),udp()", "push_vlan(vid=7,pcp=1),2"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.3,proto=6,frag=no),tcp(),tcp_flags(0/0)", "set(tcp(dst=8080)),dec_ttl(le_1(drop)),3"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.4,proto=6,frag=no),tcp(),tcp_flags(0/0)", "dec_ttl(le_1(userspace(pid=1))),2"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.9,proto=132,frag=no),sctp()", "set(sctp(src=99)),2"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=first)", "drop"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(dst=2001:db8::2,frag=no)", "set(ipv6(src=2001:db8::99)),3"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(dst=2001:db8::2,frag=first)", "trunc(60),2"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4())", "pop_vlan,2"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=20),encap(eth_type(0x86dd),ipv6()))",
     "pop_vlan,pop_vlan,3"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x8847),mpls(label=100,tc=0,ttl=64,bos=0)", "pop_mpls(eth_type=0x8847),recirc(5)"},
    {"recirc_id(5),in_port(1),eth(),eth_type(0x8847),mpls(label=200,tc=0,ttl=64,bos=1)", "pop_mpls(eth_type=0x800),2"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()", "userspace(pid=2),3"},
    {"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd()", "hash(sym_l4(0)),recirc(9)"},
    {"recirc_id(9),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)", "2"},
};

struct prediction {
  bool malformed = false;
  std::optional<std::uint32_t> first_output;  // of the flow the model finds, if it outputs at once
  bool found = false;
};

bool matches(const ovsxdp_flow_key& key, const flow_entry& f) {
  const auto* k = reinterpret_cast<const std::uint8_t*>(&key);
  const auto* m = reinterpret_cast<const std::uint8_t*>(&f.mask);
  const auto* v = reinterpret_cast<const std::uint8_t*>(&f.key);
  for (std::size_t i = 0; i < sizeof key; i++)
    if ((k[i] & m[i]) != v[i]) return false;
  return true;
}

// The host build of the parser and a linear masked match: independent of the
// BPF lookup, its cache and its hash table.
prediction predict(const bytes& frame, const std::vector<flow_entry>& flows) {
  prediction p;
  ovsxdp_flow_key key{};
  key.in_port = 1;
  bytes copy = frame;
  if (flow::extract(frame_bytes{copy.data(), copy.data() + copy.size()}, key) != flow::extract_status::ok) {
    p.malformed = true;
    return p;
  }
  for (const auto& f : flows) {
    if (!matches(key, f)) continue;
    p.found = true;
    if (const auto* o = std::get_if<act::output>(&f.actions.back().base())) p.first_output = o->port;
    return p;
  }
  return p;
}

}  // namespace

TEST_CASE("random, truncated and mutated frames: no abort, trace and live agree, every drop counted") {
  test_datapath t(3);
  for (const auto& f : kFlows) t.dp.add_flow(flow_from_text(f[0], f[1]));
  const auto flows = t.dp.dump_flows();
  const int live_fd = t.dp.program_fd(OVSXDP_PROGRAM_DATAPATH);
  const std::uint32_t ingress = t.dp.port(1)->ifindex;

  // OVSXDP_LONG=N runs N times as many frames, with a fresh seed each time.
  const char* long_run = std::getenv("OVSXDP_LONG");
  const int scale = long_run ? std::max(1, std::atoi(long_run)) : 1;
  const unsigned seed = long_run ? std::random_device{}() : 20261124u;
  std::mt19937 rng(seed);
  MESSAGE("seed " << seed << " (a failing frame is printed in hex with its check)");
  std::vector<bytes> frames;
  for (int round = 0; round < 3 * scale; round++) {
    for (std::size_t len = 14; len <= 1514; len++) {  // every length, random bytes
      bytes f(len);
      for (auto& b : f) b = static_cast<std::uint8_t>(rng());
      frames.push_back(std::move(f));
    }
  }
  const std::uint16_t types[] = {0x0800, 0x86dd, 0x8100, 0x88a8, 0x8847, 0x8848, 0x0806, 0x8035};
  for (int i = 0; i < 5000 * scale; i++) {  // a valid Ethernet header, then anything
    bytes f = eth().build();
    f.resize(12);
    const std::uint16_t type = types[rng() % std::size(types)];
    f.push_back(static_cast<std::uint8_t>(type >> 8));
    f.push_back(static_cast<std::uint8_t>(type));
    const std::size_t extra = rng() % 200;
    for (std::size_t j = 0; j < extra; j++) f.push_back(static_cast<std::uint8_t>(rng()));
    frames.push_back(std::move(f));
  }
  for (const auto& tpl : templates()) {
    frames.push_back(tpl);
    for (std::size_t len = 14; len < tpl.size(); len++) frames.emplace_back(tpl.begin(), tpl.begin() + static_cast<long>(len));
    for (int i = 0; i < 500 * scale; i++) {  // one to three bit flips past the MAC addresses
      bytes f = tpl;
      for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; flips--) f[12 + rng() % (f.size() - 12)] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      frames.push_back(std::move(f));
    }
  }

  std::size_t outputs = 0, drops = 0, malformed = 0, upcalls = 0;
  std::map<std::string, std::uint64_t> by_reason;
  const datapath_counters start = t.dp.counters();
  for (const auto& frame : frames) {
    const datapath_counters before = t.dp.counters();
    const trace_result traced = t.dp.trace(1, frame);
    const datapath_counters after_trace = t.dp.counters();
    xdp_test_options live;
    live.ingress_ifindex = ingress;
    const xdp_test_result ran = run_xdp(live_fd, frame, live);
    const datapath_counters after_live = t.dp.counters();

    INFO("frame " << to_hex(frame));
    REQUIRE(traced.verdict != XDP_ABORTED);
    REQUIRE(ran.verdict != XDP_ABORTED);
    CHECK(ran.verdict == traced.verdict);
    CHECK(ran.verdict != XDP_PASS);  // miss policy drop; every packet arrives on a port
    CHECK(terminal_sum(after_trace) - terminal_sum(before) == 1);
    CHECK(terminal_sum(after_live) - terminal_sum(after_trace) == 1);

    std::vector<const trace_event*> sent;
    for (const auto& e : traced.events) {
      if (e.kind == OVSXDP_TRACE_OUTPUT) sent.push_back(&e);
      else upcalls++;
    }
    const prediction p = predict(frame, flows);
    if (ran.verdict == XDP_REDIRECT) {
      outputs++;
      REQUIRE(sent.size() == 1);
      if (sent[0]->packet != ran.frame) FAIL_CHECK(hex_diff(sent[0]->packet, ran.frame));
      CHECK(p.found);
      if (p.first_output) CHECK(sent[0]->port == *p.first_output);
      // Actions never break a good checksum (an MPLS frame's inner checksums
      // are only checked once pop_mpls exposes them, so they are left out).
      const bool mpls = frame[12] == 0x88 && (frame[13] == 0x47 || frame[13] == 0x48);
      if (!mpls && checksum_errors(frame).empty()) CHECK(checksum_errors(sent[0]->packet) == "");
    } else {
      drops++;
      CHECK(sent.empty());
    }
    if (p.malformed) {
      malformed++;
      CHECK(ran.verdict == XDP_DROP);
      CHECK(after_live[OVSXDP_C_DROP_MALFORMED] - after_trace[OVSXDP_C_DROP_MALFORMED] == 1);
    }
    if (!p.found && !p.malformed) CHECK(after_live[OVSXDP_C_MISS_DROPPED] - after_trace[OVSXDP_C_MISS_DROPPED] == 1);
  }
  const datapath_counters end = t.dp.counters();
  for (auto c : kTerminal)
    if (end[c] != start[c]) by_reason[counter_name(c)] = (end[c] - start[c]) / 2;
  std::string summary;
  for (const auto& [name, n] : by_reason) summary += " " + name + ":" + std::to_string(n);
  MESSAGE(frames.size() << " frames: " << outputs << " sent, " << drops << " dropped (" << malformed << " unparsable), " << upcalls
                        << " upcalls; per program:" << summary);
  CHECK(outputs > 100);
  CHECK(drops > 100);
}
