// Every action through the real datapath program's trace variant
// (BPF_PROG_TEST_RUN): a table of input frame, installed flows, expected
// verdict and expected emitted frames (built by the packet builder, so every
// checksum in them is computed from scratch), plus an independent checksum
// check of everything emitted.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include "ovsxdp/flow/extract.h"
#include "ovsxdp/flow/l4_hash.h"
#include "odp/flow_parse.hpp"
#include "support/frame_check.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

const char* kA = "50:54:00:00:00:01";
const char* kB = "50:54:00:00:00:02";

struct event {
  ovsxdp_trace_kind kind;
  std::uint32_t port;  // output port or upcall reason
  bytes frame;
};
event out(std::uint32_t port, bytes frame) { return {OVSXDP_TRACE_OUTPUT, port, std::move(frame)}; }
event upcall_event(ovsxdp_upcall_reason reason, bytes frame) { return {OVSXDP_TRACE_UPCALL, reason, std::move(frame)}; }

struct action_case {
  std::string name;
  std::vector<std::pair<std::string, std::string>> flows;
  bytes input;
  std::uint32_t verdict;
  std::vector<event> events;
  int counter = -1;             // a counter this packet must increment
  bool checksums = true;        // check emitted frames' checksums from scratch
  std::uint32_t in_port = 1;
};

packet_builder eth() { return packet_builder().eth(kA, kB); }
bytes tcp4(std::string_view src = "10.0.0.1", std::string_view dst = "10.0.0.2", ipv4_options o = {}, std::uint16_t sp = 1234,
           std::uint16_t dp = 80) {
  return eth().ipv4(src, dst, o).tcp(sp, dp, 0x018).payload(12).build();
}
bytes udp4(std::string_view src = "10.0.0.1", std::string_view dst = "10.0.0.2", std::uint16_t sp = 5000, std::uint16_t dp = 53) {
  return eth().ipv4(src, dst).udp(sp, dp).payload(20).build();
}
bytes zero_udp_checksum(bytes b, std::size_t l4 = 34) {
  b[l4 + 6] = b[l4 + 7] = 0;
  return b;
}
bytes truncated(bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

const std::string kIp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";
const std::string kTcp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(0/0)";
const std::string kUdp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp()";
const std::string kIp6 = "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)";
const std::string kVlan = "in_port(1),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no))";
const std::string kArp = "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()";
const std::string kIcmp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp()";
const std::string kIcmp6 = "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6()";
const std::string kNs = "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd()";
const std::string kNa = "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=136,code=0),nd()";
const std::string kPushEth = "push_eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)";

packet_builder outer() { return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02"); }
bytes be32s(std::initializer_list<std::uint32_t> words) {
  bytes b;
  for (std::uint32_t w : words)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(w >> shift));
  return b;
}
// An ND message's body (after type, code, checksum): flags, target, then options as given.
bytes nd_body(std::string_view target, std::initializer_list<std::pair<std::uint8_t, std::string_view>> options, std::uint8_t flags = 0) {
  bytes b{flags, 0, 0, 0};
  const auto t = parse_ipv6(target);
  b.insert(b.end(), t.begin(), t.end());
  for (const auto& [type, address] : options) {
    b.push_back(type);
    b.push_back(1);
    const auto m = parse_mac(address);
    b.insert(b.end(), m.begin(), m.end());
  }
  return b;
}
packet_builder nd_ip6() { return eth().ipv6("fe80::1", "ff02::1:ff00:2", {.hop_limit = 255}); }

std::vector<action_case> cases() {
  std::vector<action_case> c;
  // ---- output, drop ----
  c.push_back({"output forwards the frame unchanged", {{kIp4, "2"}}, tcp4(), XDP_REDIRECT, {out(2, tcp4())}, OVSXDP_C_OUTPUT});
  c.push_back({"output to the ingress port", {{kIp4, "1"}}, tcp4(), XDP_REDIRECT, {out(1, tcp4())}});
  c.push_back({"drop action", {{kIp4, "drop"}}, tcp4(), XDP_DROP, {}, OVSXDP_C_DROP_EXPLICIT});
  c.push_back({"an action list without output drops, counted as such", {{kIp4, "set(skb_mark(0x1))"}}, tcp4(), XDP_DROP, {},
               OVSXDP_C_DROP_NO_OUTPUT});
  // ---- VLAN ----
  c.push_back({"push_vlan 0x8100", {{kIp4, "push_vlan(vid=10,pcp=3),2"}}, tcp4(), XDP_REDIRECT,
               {out(2, eth().vlan(10, 3).ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, 0x018).payload(12).build())}});
  c.push_back({"push_vlan 0x88a8 over a tag makes QinQ", {{kVlan, "push_vlan(tpid=0x88a8,vid=100,pcp=5),2"}},
               eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
               {out(2, eth().vlan(100, 5, 0x88a8).vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
  c.push_back({"pop_vlan", {{kVlan, "pop_vlan,2"}}, eth().vlan(10, 2).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
               {out(2, eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
  c.push_back({"pop_vlan of QinQ leaves the inner tag",
               {{"in_port(1),eth(),eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no)))", "pop_vlan,2"}},
               eth().vlan(100, 0, 0x88a8).vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
               {out(2, eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
  // ---- Ethernet ----
  c.push_back({"set eth src and dst", {{kIp4, "set(eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb)),2"}}, tcp4(), XDP_REDIRECT,
               {out(2, packet_builder().eth("02:00:00:00:00:aa", "02:00:00:00:00:bb").ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, 0x018).payload(12).build())}});
  c.push_back({"set_masked eth dst keeps unmasked bits", {{kIp4, "set(eth(dst=00:00:00:00:00:0f/00:00:00:00:00:0f)),2"}}, tcp4(), XDP_REDIRECT,
               {out(2, packet_builder().eth(kA, "50:54:00:00:00:0f").ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, 0x018).payload(12).build())}});
  // ---- IPv4 ----
  c.push_back({"set ipv4 src updates IP and TCP checksums", {{kTcp4, "set(ipv4(src=192.168.7.7)),2"}}, tcp4(), XDP_REDIRECT, {out(2, tcp4("192.168.7.7"))}});
  c.push_back({"set ipv4 dst updates the UDP checksum", {{kUdp4, "set(ipv4(dst=172.16.9.1)),2"}}, udp4(), XDP_REDIRECT, {out(2, udp4("10.0.0.1", "172.16.9.1"))}});
  c.push_back({"a zero UDP checksum stays zero", {{kUdp4, "set(ipv4(src=10.9.9.9,dst=10.8.8.8)),2"}}, zero_udp_checksum(udp4()), XDP_REDIRECT,
               {out(2, zero_udp_checksum(udp4("10.9.9.9", "10.8.8.8")))}});
  c.push_back({"set ipv4 src of ICMP leaves the ICMP checksum",
               {{"in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp()", "set(ipv4(src=10.1.1.1)),2"}},
               eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 0x10001).payload(8).build(), XDP_REDIRECT,
               {out(2, eth().ipv4("10.1.1.1", "10.0.0.2").icmp(8, 0, 0x10001).payload(8).build())}});
  c.push_back({"set_masked ipv4 tos", {{kTcp4, "set(ipv4(tos=0x80/0xfc)),2"}}, tcp4("10.0.0.1", "10.0.0.2", {.tos = 0x03}), XDP_REDIRECT,
               {out(2, tcp4("10.0.0.1", "10.0.0.2", {.tos = 0x83}))}});
  c.push_back({"set ipv4 ttl", {{kTcp4, "set(ipv4(ttl=7)),2"}}, tcp4(), XDP_REDIRECT, {out(2, tcp4("10.0.0.1", "10.0.0.2", {.ttl = 7}))}});
  c.push_back({"set_masked ipv4 dst prefix", {{kTcp4, "set(ipv4(dst=192.168.0.0/255.255.0.0)),2"}}, tcp4("10.0.0.1", "10.0.3.4"), XDP_REDIRECT,
               {out(2, tcp4("10.0.0.1", "192.168.3.4"))}});
  // ---- IPv6 ----
  auto tcp6 = [](std::string_view src, std::string_view dst, ipv6_options o = {}) {
    return eth().ipv6(src, dst, o).tcp(1234, 80, 0x018).payload(12).build();
  };
  c.push_back({"set ipv6 src updates the TCP checksum", {{"in_port(1),eth(),eth_type(0x86dd),ipv6(proto=6,frag=no),tcp(),tcp_flags(0/0)", "set(ipv6(src=2001:db8::99)),2"}},
               tcp6("2001:db8::1", "2001:db8::2"), XDP_REDIRECT, {out(2, tcp6("2001:db8::99", "2001:db8::2"))}});
  c.push_back({"set ipv6 dst updates the UDP checksum", {{"in_port(1),eth(),eth_type(0x86dd),ipv6(proto=17,frag=no),udp()", "set(ipv6(dst=fd00::5)),2"}},
               eth().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).payload(9).build(), XDP_REDIRECT,
               {out(2, eth().ipv6("2001:db8::1", "fd00::5").udp(1, 2).payload(9).build())}});
  c.push_back({"set ipv6 src updates the ICMPv6 checksum", {{"in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6()", "set(ipv6(src=fe80::7)),2"}},
               eth().ipv6("fe80::1", "fe80::2").icmpv6(128, 0, bytes{0, 1, 0, 2}).build(), XDP_REDIRECT,
               {out(2, eth().ipv6("fe80::7", "fe80::2").icmpv6(128, 0, bytes{0, 1, 0, 2}).build())}});
  {
    // Behind a routing header with segments left, the pseudo-header carries the
    // final destination: Linux leaves the L4 checksum alone, so do we.
    bytes routing{0, 1, 0, 0};  // type 0, segments left 1
    bytes in = eth().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(43, routing).tcp(1, 2).build();
    bytes expected = eth().ipv6("2001:db8::1", "2001:db8::77").ipv6_extension(43, routing).tcp(1, 2).build();
    const std::size_t tcp_check = 14 + 40 + 8 + 16;
    expected[tcp_check] = in[tcp_check];
    expected[tcp_check + 1] = in[tcp_check + 1];
    c.push_back({"set ipv6 dst behind a routing header keeps the L4 checksum", {{"in_port(1),eth(),eth_type(0x86dd),ipv6(proto=6,frag=no),tcp(),tcp_flags(0/0)", "set(ipv6(dst=2001:db8::77)),2"}},
                 in, XDP_REDIRECT, {out(2, expected)}, -1, false});
  }
  c.push_back({"set ipv6 label, tclass and hlimit", {{kIp6, "set(ipv6(label=0x12345,tclass=0x20,hlimit=7)),2"}}, tcp6("2001:db8::1", "2001:db8::2"), XDP_REDIRECT,
               {out(2, tcp6("2001:db8::1", "2001:db8::2", {.traffic_class = 0x20, .flow_label = 0x12345, .hop_limit = 7}))}});
  // ---- transport ----
  c.push_back({"set tcp ports", {{kTcp4, "set(tcp(src=1111,dst=2222)),2"}}, tcp4(), XDP_REDIRECT, {out(2, tcp4("10.0.0.1", "10.0.0.2", {}, 1111, 2222))}});
  c.push_back({"set udp dst", {{kUdp4, "set(udp(dst=5353)),2"}}, udp4(), XDP_REDIRECT, {out(2, udp4("10.0.0.1", "10.0.0.2", 5000, 5353))}});
  c.push_back({"set udp ports with a zero checksum keeps zero", {{kUdp4, "set(udp(src=1,dst=2)),2"}}, zero_udp_checksum(udp4()), XDP_REDIRECT,
               {out(2, zero_udp_checksum(udp4("10.0.0.1", "10.0.0.2", 1, 2)))}});
  c.push_back({"set sctp ports recomputes the CRC32c", {{"in_port(1),eth(),eth_type(0x0800),ipv4(proto=132,frag=no),sctp()", "set(sctp(src=5000,dst=6000)),2"}},
               eth().ipv4("10.0.0.1", "10.0.0.2").sctp(3868, 3869).payload(40).build(), XDP_REDIRECT,
               {out(2, eth().ipv4("10.0.0.1", "10.0.0.2").sctp(5000, 6000).payload(40).build())}});
  // ---- MPLS ----
  auto mpls_frame = [](std::uint32_t label) { return eth().mpls(label, 1, 64).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(); };
  c.push_back({"set_masked mpls label", {{"in_port(1),eth(),eth_type(0x8847),mpls(label=100)", "set(mpls(label=200/0xfffff)),2"}}, mpls_frame(100),
               XDP_REDIRECT, {out(2, mpls_frame(200))}});
  c.push_back({"push_mpls", {{kIp4, "push_mpls(label=100,tc=1,ttl=64,bos=1,eth_type=0x8847),2"}}, udp4(), XDP_REDIRECT,
               {out(2, eth().mpls(100, 1, 64).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  c.push_back({"pop_mpls", {{"in_port(1),eth(),eth_type(0x8847),mpls(label=100)", "pop_mpls(eth_type=0x800),2"}}, mpls_frame(100), XDP_REDIRECT,
               {out(2, eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
  c.push_back({"add_mpls with the L3 tunnel flag acts like push_mpls", {{kIp4, "add_mpls(label=7,tc=0,ttl=9,bos=1,eth_type=0x8847,tunnel),2"}}, udp4(),
               XDP_REDIRECT, {out(2, eth().mpls(7, 0, 9).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  {
    bytes lse{0x00, 0x00, 0x51, 0x20};  // label 5, bos, ttl 32
    bytes expected = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02", 0x8847).build();
    expected.insert(expected.end(), lse.begin(), lse.end());
    bytes original = udp4();
    expected.insert(expected.end(), original.begin(), original.end());
    c.push_back({"add_mpls before the Ethernet header, then push_eth",
                 {{kIp4, "add_mpls(label=5,tc=0,ttl=32,bos=1,eth_type=0x8847),push_eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),2"}}, udp4(),
                 XDP_REDIRECT, {out(2, expected)}, -1, false});
  }
  c.push_back({"a packet without Ethernet header is not output", {{kIp4, "add_mpls(label=5,tc=0,ttl=32,bos=1,eth_type=0x8847),2"}}, udp4(), XDP_DROP, {},
               OVSXDP_C_DROP_L3_ON_ETHERNET});
  // ---- push_eth / pop_eth ----
  c.push_back({"pop_eth then push_eth", {{kIp4, "pop_eth,push_eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb),2"}}, udp4(), XDP_REDIRECT,
               {out(2, packet_builder().eth("02:00:00:00:00:aa", "02:00:00:00:00:bb").ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  c.push_back({"pop_eth then output drops", {{kIp4, "pop_eth,2"}}, udp4(), XDP_DROP, {}, OVSXDP_C_DROP_L3_ON_ETHERNET});
  // ---- dec_ttl ----
  c.push_back({"dec_ttl decrements the TTL", {{kIp4, "dec_ttl(le_1(drop)),2"}}, tcp4(), XDP_REDIRECT, {out(2, tcp4("10.0.0.1", "10.0.0.2", {.ttl = 63}))}});
  c.push_back({"dec_ttl at TTL 1 runs le_1 and ends the list", {{kIp4, "dec_ttl(le_1(3)),2"}}, tcp4("10.0.0.1", "10.0.0.2", {.ttl = 1}), XDP_REDIRECT,
               {out(3, tcp4("10.0.0.1", "10.0.0.2", {.ttl = 1}))}});
  c.push_back({"dec_ttl at TTL 1 with an empty le_1 drops", {{kIp4, "dec_ttl(le_1(drop)),2"}}, tcp4("10.0.0.1", "10.0.0.2", {.ttl = 1}), XDP_DROP, {},
               OVSXDP_C_DROP_TTL});
  c.push_back({"dec_ttl at TTL 1 sends le_1's upcall and drops",
               {{kIp4, "dec_ttl(le_1(userspace(pid=3,userdata(0a0b)))),2"}}, tcp4("10.0.0.1", "10.0.0.2", {.ttl = 0}), XDP_DROP,
               {upcall_event(OVSXDP_UPCALL_ACTION, tcp4("10.0.0.1", "10.0.0.2", {.ttl = 0}))}, OVSXDP_C_DROP_TTL});
  c.push_back({"dec_ttl on the IPv6 hop limit", {{kIp6, "dec_ttl(le_1(drop)),2"}}, tcp6("2001:db8::1", "2001:db8::2"), XDP_REDIRECT,
               {out(2, tcp6("2001:db8::1", "2001:db8::2", {.hop_limit = 63}))}});
  // ---- trunc ----
  c.push_back({"trunc cuts the output", {{kIp4, "trunc(60),2"}}, eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(100).build(), XDP_REDIRECT,
               {out(2, truncated(eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(100).build(), 60))}, -1, false});
  // Linux keeps the outermost VLAN tag out of the packet data, so max_len
  // counts without it: a tagged packet leaves with max_len + 4 bytes.
  c.push_back({"trunc counts without the outer VLAN tag", {{kVlan, "trunc(14),2"}}, eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(),
               XDP_REDIRECT, {out(2, truncated(eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), 18))}, -1, false});
  c.push_back({"trunc of a tagged frame keeps max_len + 4", {{kVlan, "trunc(60),2"}},
               eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(100).build(), XDP_REDIRECT,
               {out(2, truncated(eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(100).build(), 64))}, -1, false});
  c.push_back({"trunc of a double-tagged frame: only the outer tag is left out",
               {{"recirc_id(0),in_port(1),eth(),eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no)))",
                 "trunc(14),2"}},
               eth().vlan(100, 0, 0x88a8).vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
               {out(2, truncated(eth().vlan(100, 0, 0x88a8).vlan(10).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), 18))}, -1, false});
  c.push_back({"trunc after push_vlan counts without the pushed tag", {{kIp4, "push_vlan(vid=5,pcp=0),trunc(14),2"}}, tcp4(), XDP_REDIRECT,
               {out(2, truncated(eth().vlan(5).ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, 0x018).payload(12).build(), 18))}, -1, false});
  c.push_back({"trunc before push_vlan: the cut is counted at trunc", {{kIp4, "trunc(14),push_vlan(vid=5,pcp=0),2"}}, tcp4(), XDP_REDIRECT,
               {out(2, truncated(eth().vlan(5).ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, 0x018).payload(12).build(), 18))}, -1, false});
  c.push_back({"trunc longer than the frame leaves it", {{kIp4, "trunc(1000),2"}}, tcp4(), XDP_REDIRECT, {out(2, tcp4())}});
  // ---- userspace ----
  c.push_back({"userspace sends an upcall and the list goes on", {{kIp4, "userspace(pid=7,userdata(0102030405060708)),2"}}, tcp4(), XDP_REDIRECT,
               {upcall_event(OVSXDP_UPCALL_ACTION, tcp4()), out(2, tcp4())}, OVSXDP_C_UPCALL_ACTION});
  c.push_back({"trunc applies to the next userspace only", {{kIp4, "trunc(40),userspace(pid=1),2"}}, tcp4(), XDP_REDIRECT,
               {upcall_event(OVSXDP_UPCALL_ACTION, truncated(tcp4(), 40)), out(2, tcp4())}});
  // ---- recirculation, metadata, hash ----
  c.push_back({"recirc looks up again with the new recirc_id",
               {{kIp4, "recirc(7)"}, {"recirc_id(7),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "3"}}, tcp4(), XDP_REDIRECT, {out(3, tcp4())},
               OVSXDP_C_RECIRCULATED});
  c.push_back({"skb_mark set before recirc is matched",
               {{kIp4, "set(skb_mark(0x42)),recirc(1)"}, {"recirc_id(1),skb_mark(0x42),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"}}, tcp4(),
               XDP_REDIRECT, {out(2, tcp4())}});
  c.push_back({"skb_priority set_masked before recirc is matched",
               {{kIp4, "set(skb_priority(0x300/0xf00)),recirc(1)"}, {"recirc_id(1),skb_priority(0x300/0xf00),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"}},
               tcp4(), XDP_REDIRECT, {out(2, tcp4())}});
  {
    ovsxdp_flow_key key{};
    bytes frame = tcp4();
    flow::extract({frame.data(), frame.data() + frame.size()}, key);
    const std::uint32_t h = flow::dp_hash(key, false, 0);
    c.push_back({"hash(l4) sets dp_hash for the next pass",
                 {{kTcp4, "hash(l4(0)),recirc(2)"},
                  {"recirc_id(2),dp_hash(" + std::to_string(h) + "),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"}},
                 frame, XDP_REDIRECT, {out(2, frame)}});
    c.push_back({"a different dp_hash misses",
                 {{kTcp4, "hash(l4(0)),recirc(2)"},
                  {"recirc_id(2),dp_hash(" + std::to_string(h ^ 1) + "),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"}},
                 frame, XDP_DROP, {upcall_event(OVSXDP_UPCALL_MISS, frame)}, OVSXDP_C_MISSED});
  }
  {
    std::vector<std::pair<std::string, std::string>> chain;
    for (int i = 0; i < 4; i++)
      chain.push_back({"recirc_id(" + std::to_string(i) + "),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "recirc(" + std::to_string(i + 1) + ")"});
    auto five = chain;
    five.push_back({"recirc_id(4),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"});
    c.push_back({"five passes (four recirculations) are allowed", five, tcp4(), XDP_REDIRECT, {out(2, tcp4())}});
    auto six = chain;
    six.push_back({"recirc_id(4),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "recirc(5)"});
    six.push_back({"recirc_id(5),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"});
    c.push_back({"a sixth pass is dropped and counted", six, tcp4(), XDP_DROP, {}, OVSXDP_C_DROP_RECURSION});
  }
  // ---- set(arp), set(nd), set(icmp), set(icmpv6): beyond Linux, as OVS userspace ----
  auto arp = [](std::uint16_t op, std::string_view sha, std::string_view sip, std::string_view tha, std::string_view tip) {
    return eth().arp(op, sha, sip, tha, tip).build();
  };
  const bytes arp_request = arp(1, kA, "10.0.0.1", "00:00:00:00:00:00", "192.168.5.7");
  c.push_back({"set arp writes all five fields", {{kArp, "set(arp(sip=10.1.1.1,tip=10.2.2.2,op=2,sha=02:00:00:00:00:aa,tha=02:00:00:00:00:bb)),2"}},
               arp_request, XDP_REDIRECT, {out(2, arp(2, "02:00:00:00:00:aa", "10.1.1.1", "02:00:00:00:00:bb", "10.2.2.2"))}, OVSXDP_C_OUTPUT});
  c.push_back({"set_masked arp keeps unmasked bits", {{kArp, "set(arp(tip=10.0.0.0/255.255.255.0,sha=00:00:00:00:00:0f/00:00:00:00:00:ff)),2"}},
               arp_request, XDP_REDIRECT, {out(2, arp(1, "50:54:00:00:00:0f", "10.0.0.1", "00:00:00:00:00:00", "10.0.0.7"))}});
  c.push_back({"set arp op writes 16 bits (the key keeps 8)", {{kArp, "set(arp(op=256)),2"}}, arp_request, XDP_REDIRECT,
               {out(2, arp(256, kA, "10.0.0.1", "00:00:00:00:00:00", "192.168.5.7"))}});
  c.push_back({"set arp on RARP", {{"recirc_id(0),in_port(1),eth(),eth_type(0x8035),arp()", "set(arp(op=4)),2"}},
               eth().arp(3, kA, "0.0.0.0", kA, "0.0.0.0").build(),
               XDP_REDIRECT, {out(2, eth().arp(4, kA, "0.0.0.0", kA, "0.0.0.0").build())}});
  {
    // eth().arp() writes 0x0806; RARP frames carry 0x8035.
    bytes in = eth().arp(3, kA, "0.0.0.0", kA, "0.0.0.0").build(), expected = eth().arp(4, kA, "0.0.0.0", kA, "0.0.0.0").build();
    in[12] = expected[12] = 0x80;
    in[13] = expected[13] = 0x35;
    c.back().input = in;
    c.back().events = {out(2, expected)};
  }
  c.push_back({"set arp then recirc matches the rewritten fields",
               {{kArp, "set(arp(tip=10.9.9.9)),recirc(4)"}, {"recirc_id(4),in_port(1),eth(),eth_type(0x0806),arp(tip=10.9.9.9)", "3"}}, arp_request,
               XDP_REDIRECT, {out(3, arp(1, kA, "10.0.0.1", "00:00:00:00:00:00", "10.9.9.9"))}});
  // ND: the target, and the first link-layer option's address, with the ICMPv6 checksum.
  c.push_back({"set nd target and sll of a solicitation", {{kNs, "set(nd(target=2001:db8::99,sll=02:00:00:00:00:aa,tll=00:00:00:00:00:00)),2"}},
               nd_ip6().nd(135, "2001:db8::2", kA).build(), XDP_REDIRECT, {out(2, nd_ip6().nd(135, "2001:db8::99", "02:00:00:00:00:aa").build())}});
  c.push_back({"set nd without a link-layer option adds none", {{kNs, "set(nd(target=2001:db8::99,sll=02:00:00:00:00:aa,tll=00:00:00:00:00:00)),2"}},
               nd_ip6().nd(135, "2001:db8::2").build(), XDP_REDIRECT, {out(2, nd_ip6().nd(135, "2001:db8::99").build())}});
  c.push_back({"set_masked nd tll of an advertisement leaves the target", {{kNa, "set(nd(tll=02:00:00:00:00:cc)),2"}},
               nd_ip6().nd(136, "2001:db8::2", {}, {}, kB).build(), XDP_REDIRECT,
               {out(2, nd_ip6().nd(136, "2001:db8::2", {}, {}, "02:00:00:00:00:cc").build())}});
  c.push_back({"set_masked nd sll, low byte only", {{kNs, "set(nd(sll=00:00:00:00:00:ee/00:00:00:00:00:ff)),2"}},
               nd_ip6().nd(135, "2001:db8::2", kA).build(), XDP_REDIRECT, {out(2, nd_ip6().nd(135, "2001:db8::2", "50:54:00:00:00:ee").build())}});
  c.push_back({"set nd: the walk passes other options to the link-layer one", {{kNs, "set(nd(sll=02:00:00:00:00:aa)),2"}},
               nd_ip6().icmpv6(135, 0, nd_body("2001:db8::2", {{14, "01:02:03:04:05:06"}, {1, kA}})).build(), XDP_REDIRECT,
               {out(2, nd_ip6().icmpv6(135, 0, nd_body("2001:db8::2", {{14, "01:02:03:04:05:06"}, {1, "02:00:00:00:00:aa"}})).build())}});
  c.push_back({"set nd stops at the first link-layer option (OVS: one per packet)", {{kNa, "set(nd(target=2001:db8::2,sll=02:00:00:00:00:aa,tll=02:00:00:00:00:bb)),2"}},
               nd_ip6().icmpv6(136, 0, nd_body("2001:db8::2", {{2, kB}, {1, kA}}, 0x60)).build(), XDP_REDIRECT,
               {out(2, nd_ip6().icmpv6(136, 0, nd_body("2001:db8::2", {{2, "02:00:00:00:00:bb"}, {1, kA}}, 0x60)).build())}});
  // ICMP and ICMPv6 type and code, the checksum updated; masks work (OVS 3.1 aborts on them).
  c.push_back({"set icmp type and code", {{kIcmp4, "set(icmp(type=0,code=0)),2"}}, eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 0x10001).payload(8).build(),
               XDP_REDIRECT, {out(2, eth().ipv4("10.0.0.1", "10.0.0.2").icmp(0, 0, 0x10001).payload(8).build())}});
  c.push_back({"set_masked icmp code only", {{kIcmp4, "set(icmp(code=4)),2"}}, eth().ipv4("10.0.0.1", "10.0.0.2").icmp(3, 1).payload(28).build(), XDP_REDIRECT,
               {out(2, eth().ipv4("10.0.0.1", "10.0.0.2").icmp(3, 4).payload(28).build())}});
  c.push_back({"set_masked icmp type bits", {{kIcmp4, "set(icmp(type=0/0x8)),2"}}, eth().ipv4("10.0.0.1", "10.0.0.2").icmp(13, 0).build(), XDP_REDIRECT,
               {out(2, eth().ipv4("10.0.0.1", "10.0.0.2").icmp(5, 0).build())}});
  c.push_back({"set icmp to the values it has changes nothing", {{kIcmp4, "set(icmp(type=8,code=0)),2"}},
               eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 7).build(), XDP_REDIRECT, {out(2, eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 7).build())}});
  c.push_back({"set icmpv6 type", {{kIcmp6, "set(icmpv6(type=129,code=0)),2"}}, eth().ipv6("fe80::1", "fe80::2").icmpv6(128, 0, bytes{0, 1, 0, 2}).build(),
               XDP_REDIRECT, {out(2, eth().ipv6("fe80::1", "fe80::2").icmpv6(129, 0, bytes{0, 1, 0, 2}).build())}});
  c.push_back({"set_masked icmpv6 code", {{kIcmp6, "set(icmpv6(code=3/0x3)),2"}}, eth().ipv6("fe80::1", "fe80::2").icmpv6(1, 4, bytes(12, 0)).build(),
               XDP_REDIRECT, {out(2, eth().ipv6("fe80::1", "fe80::2").icmpv6(1, 7, bytes(12, 0)).build())}});
  c.push_back({"set icmp of a later fragment changes nothing (no ICMP header)",
               {{"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=later)", "set(icmp(type=0)),2"}},
               eth().ipv4("10.0.0.1", "10.0.0.2", {.fragment_offset = 4, .protocol = 1}).payload(16).build(), XDP_REDIRECT,
               {out(2, eth().ipv4("10.0.0.1", "10.0.0.2", {.fragment_offset = 4, .protocol = 1}).payload(16).build())}});
  // ---- push_nsh / pop_nsh (Linux) ----
  const bytes context = be32s({0x11223344, 0, 0, 0xabcdef01});
  c.push_back({"push_nsh on Ethernet: np becomes 3, the frame is the payload",
               {{kIp4, "push_nsh(flags=1,ttl=10,mdtype=1,np=1,spi=0x123456,si=7,c1=0x11223344,c2=0x0,c3=0x0,c4=0xabcdef01)," + kPushEth + ",2"}}, udp4(),
               XDP_REDIRECT, {out(2, outer().nsh(1, 0x123456, 7, context, {.flags = 1, .ttl = 10}).eth(kA, kB).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  c.push_back({"push_nsh on an L3 packet: np from its eth_type, MD type 2 padded",
               {{kIp4, "pop_eth,push_nsh(mdtype=2,np=3,spi=0x10,si=3,md2=0x0102030405)," + kPushEth + ",2"}}, udp4(), XDP_REDIRECT,
               {out(2, outer().nsh(2, 0x10, 3, bytes{1, 2, 3, 4, 5, 0, 0, 0}).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  c.push_back({"push_nsh on an IPv6 L3 packet: np 2",
               {{kIp6, "pop_eth,push_nsh(spi=0x1)," + kPushEth + ",2"}}, eth().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).build(), XDP_REDIRECT,
               {out(2, outer().nsh(1, 1, 255).ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).build())}});
  c.push_back({"push_nsh twice: the outer one's np is 4 (NSH)", {{kIp4, "push_nsh(spi=0x1,si=1),push_nsh(spi=0x2,si=2)," + kPushEth + ",2"}}, udp4(), XDP_REDIRECT,
               {out(2, outer().nsh(1, 2, 2).nsh(1, 1, 1).eth(kA, kB).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  // XDP leaves 256 bytes of headroom, of which about 216 can take headers.
  c.push_back({"push_nsh larger than XDP's headroom drops, counted", {{kIp4, "push_nsh(mdtype=2,md2=0x" + std::string(2 * 240, 'a') + ")," + kPushEth + ",2"}},
               udp4(), XDP_DROP, {}, OVSXDP_C_DROP_ACTION});
  {
    // A push_nsh record near the end of a long list is copied word by word.
    std::string sets;
    for (int i = 0; i < 22; i++) sets += "set(ipv6(hlimit=" + std::to_string(i + 1) + ")),";  // 84 bytes each
    c.push_back({"push_nsh at the end of a 1,900-byte action list", {{kIp6, sets + "push_nsh(spi=0x22,c3=0xc3c3c3c3)," + kPushEth + ",2"}},
                 eth().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).build(), XDP_REDIRECT,
                 {out(2, outer().nsh(1, 0x22, 255, be32s({0, 0, 0xc3c3c3c3, 0})).eth(kA, kB).ipv6("2001:db8::1", "2001:db8::2", {.hop_limit = 22}).udp(1, 2).build())}});
  }
  c.push_back({"push_nsh leaves an L3 packet: output without push_eth drops", {{kIp4, "push_nsh(),2"}}, udp4(), XDP_DROP, {}, OVSXDP_C_DROP_L3_ON_ETHERNET});
  c.push_back({"push_nsh, then recirc matches the pushed header",
               {{kIp4, "push_nsh(spi=0x42,si=9,c2=0x7),recirc(5)"},
                {"recirc_id(5),in_port(1),packet_type(ns=1,id=0x894f),eth_type(0x894f),nsh(mdtype=1,np=3,spi=0x42,si=9,c2=0x7)", kPushEth + ",3"}},
               udp4(), XDP_REDIRECT, {out(3, outer().nsh(1, 0x42, 9, be32s({0, 7, 0, 0})).eth(kA, kB).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  c.push_back({"push_nsh for one copy, not the other", {{kIp4, "2,push_nsh(spi=0x3)," + kPushEth + ",3"}}, udp4(), XDP_REDIRECT,
               {out(2, udp4()), out(3, outer().nsh(1, 3, 255).eth(kA, kB).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).payload(20).build())}});
  {
    const std::string nsh_eth = "recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(np=3)";
    const std::string nsh_ip4 = "recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(np=1)";
    const bytes over_eth = eth().nsh(1, 0x100, 254, context).eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
    const bytes inner_eth = packet_builder().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
    c.push_back({"pop_nsh to Ethernet", {{nsh_eth, "pop_eth,pop_nsh(),2"}}, over_eth, XDP_REDIRECT, {out(2, inner_eth)}});
    c.push_back({"pop_nsh to IPv4, then push_eth", {{nsh_ip4, "pop_eth,pop_nsh()," + kPushEth + ",2"}},
                 eth().nsh(1, 0x100, 254, context).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
                 {out(2, outer().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
    c.push_back({"pop_nsh of MD type 2", {{nsh_ip4, "pop_eth,pop_nsh()," + kPushEth + ",2"}},
                 eth().nsh(2, 7, 1, bytes{0, 1, 2, 4, 0xaa, 0xbb, 0xcc, 0xdd}).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
                 {out(2, outer().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
    c.push_back({"pop_nsh then recirc matches the inner frame",
                 {{nsh_eth, "pop_eth,pop_nsh(),recirc(3)"}, {"recirc_id(3),in_port(1),eth(src=02:00:00:00:00:0a),eth_type(0x0800),ipv4(frag=no)", "4"}},
                 over_eth, XDP_REDIRECT, {out(4, inner_eth)}});
    // Linux's nsh_pop refuses a header shorter than its 8-byte base (MD type 2 lets extraction pass).
    c.push_back({"pop_nsh of a header whose length is below 8 drops",
                 {{"recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(np=1)", "pop_eth,pop_nsh()," + kPushEth + ",2"}},
                 eth().nsh(2, 7, 1, bytes{}, {.length_words = 1}).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_DROP, {}, OVSXDP_C_DROP_ACTION});
    // What Linux accepts because its checks read the flow's match: a pop of a
    // header pushed in the same list when the flow itself is NSH, and a
    // second pop when the first one's np says NSH follows.
    c.push_back({"push_nsh then pop_nsh on an NSH flow pops the pushed header",
                 {{nsh_ip4, "pop_eth,push_nsh(spi=0x77),pop_nsh()," + kPushEth + ",2"}},
                 eth().nsh(1, 0x100, 254, context).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
                 {out(2, outer().nsh(1, 0x100, 254, context).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
    c.push_back({"pop_nsh twice when NSH carries NSH",
                 {{"recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(np=4)", "pop_eth,pop_nsh(),pop_nsh()," + kPushEth + ",2"}},
                 eth().nsh(1, 1, 1).nsh(2, 2, 2, bytes{9, 9, 9, 9}).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), XDP_REDIRECT,
                 {out(2, outer().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
    c.push_back({"push_nsh back on what pop_nsh left", {{nsh_eth, "pop_eth,pop_nsh(),push_nsh(spi=0x9,si=8)," + kPushEth + ",2"}}, over_eth, XDP_REDIRECT,
                 {out(2, outer().nsh(1, 9, 8).eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build())}});
  }
  // ---- miss ----
  c.push_back({"a miss upcalls the packet and drops it (miss policy drop)", {}, tcp4(), XDP_DROP, {upcall_event(OVSXDP_UPCALL_MISS, tcp4())}, OVSXDP_C_MISS_DROPPED});
  return c;
}

void run(const action_case& c, test_datapath& t) {
  CAPTURE(c.name);
  for (const auto& [key, actions] : c.flows) t.dp.add_flow(text_flow(key, actions));
  const datapath_counters before = t.dp.counters();
  const trace_result r = t.dp.trace(c.in_port, c.input);
  CHECK(r.verdict == c.verdict);
  REQUIRE(r.events.size() == c.events.size());
  for (std::size_t i = 0; i < c.events.size(); i++) {
    CAPTURE(i);
    CHECK(r.events[i].kind == c.events[i].kind);
    CHECK(r.events[i].port == c.events[i].port);
    if (r.events[i].packet != c.events[i].frame) FAIL_CHECK("emitted frame differs:\n" << hex_diff(c.events[i].frame, r.events[i].packet));
    if (c.checksums) CHECK_MESSAGE(checksum_errors(r.events[i].packet) == "", to_hex(r.events[i].packet));
  }
  if (c.counter >= 0) {
    const datapath_counters after = t.dp.counters();
    CHECK(after.values[c.counter] > before.values[c.counter]);
  }
  t.dp.flush();
}

}  // namespace

TEST_CASE("every action, through the trace program") {
  test_datapath t(4);
  for (const auto& c : cases()) run(c, t);
}

TEST_CASE("a miss under the pass policy goes to the kernel stack, counted") {
  test_datapath t(2, OVSXDP_MISS_PASS);
  run({"miss, policy pass", {}, tcp4(), XDP_PASS, {upcall_event(OVSXDP_UPCALL_MISS, tcp4())}, OVSXDP_C_MISS_PASSED}, t);
}

TEST_CASE("output to a port removed after the flow was installed drops, counted") {
  test_datapath t(3);
  t.dp.add_flow(text_flow(kIp4, "3"));
  t.dp.remove_port(3);
  const auto before = t.dp.counters();
  const auto r = t.dp.trace(1, tcp4());
  CHECK(r.verdict == XDP_DROP);
  CHECK(r.events.empty());
  CHECK(t.dp.counters()[OVSXDP_C_DROP_NO_PORT] == before[OVSXDP_C_DROP_NO_PORT] + 1);
}

TEST_CASE("ct_clear resets conntrack metadata before a recirculated lookup") {
  test_datapath t(2);
  t.dp.add_flow(text_flow("recirc_id(7),ct_state(0/0xff),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"));
  ovsxdp_flow_key metadata{};
  metadata.ct_state = OVSXDP_CS_TRACKED | OVSXDP_CS_ESTABLISHED;
  metadata.ct_mark = 9;
  auto cleared = t.dp.trace_actions(1, tcp4(), odp::parse_actions("ct_clear,recirc(7)"), &metadata);
  CHECK(cleared.verdict == XDP_REDIRECT);
  REQUIRE(cleared.events.size() == 1);
  CHECK(cleared.events[0].port == 2);
  auto kept = t.dp.trace_actions(1, tcp4(), odp::parse_actions("recirc(7)"), &metadata);
  CHECK(kept.verdict == XDP_DROP);  // ct_state still set: no flow
  REQUIRE(kept.events.size() == 1);
  CHECK(kept.events[0].kind == OVSXDP_TRACE_UPCALL);
}

TEST_CASE("sym_l4 hashes both directions alike, l4 does not") {
  bytes ab = tcp4("10.0.0.1", "10.0.0.2", {}, 1000, 2000), ba = tcp4("10.0.0.2", "10.0.0.1", {}, 2000, 1000);
  ovsxdp_flow_key ka{}, kb{};
  flow::extract({ab.data(), ab.data() + ab.size()}, ka);
  flow::extract({ba.data(), ba.data() + ba.size()}, kb);
  CHECK(flow::dp_hash(ka, true, 5) == flow::dp_hash(kb, true, 5));
  CHECK(flow::dp_hash(ka, false, 5) != flow::dp_hash(kb, false, 5));
  CHECK(flow::dp_hash(ka, true, 5) != flow::dp_hash(ka, true, 6));
}
