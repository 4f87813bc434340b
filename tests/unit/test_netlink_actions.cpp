// The netlink action codec (host/odp/netlink_actions.cpp) against action
// streams built by hand from Open vSwitch 3.1's struct layouts: every action
// decodes and encodes back to the same bytes, text actions survive
// encode/decode, refusals name the attribute, and corrupted streams never
// crash the decoder.
#include <arpa/inet.h>
#include <linux/openvswitch.h>

#include <doctest/doctest.h>

#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "datapath/actions.hpp"
#include "odp/flow_parse.hpp"
#include "odp/netlink.hpp"

using namespace ovsxdp;

namespace {

using bytes = std::vector<std::uint8_t>;

// OVS 3.1's action numbers past ADD_MPLS (its include/linux/openvswitch.h).
constexpr int kTunnelPush = 23, kTunnelPop = 24, kDrop = 25, kLbOutput = 26;

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// struct nlattr in host order, the payload padded to 4 bytes.
bytes attr(int type, const bytes& payload = {}) {
  const std::uint16_t len = static_cast<std::uint16_t>(4 + payload.size()), t = static_cast<std::uint16_t>(type);
  bytes out(4);
  std::memcpy(out.data(), &len, 2);
  std::memcpy(out.data() + 2, &t, 2);
  out.insert(out.end(), payload.begin(), payload.end());
  out.resize((out.size() + 3) & ~std::size_t{3}, 0);
  return out;
}

bytes u16(std::uint16_t v) { return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)}; }
bytes u32(std::uint32_t v) { return cat({u16(static_cast<std::uint16_t>(v)), u16(static_cast<std::uint16_t>(v >> 16))}); }
bytes be16(std::uint16_t v) { return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}; }
bytes be32(std::uint32_t v) { return cat({be16(static_cast<std::uint16_t>(v >> 16)), be16(static_cast<std::uint16_t>(v))}); }
bytes fill(std::size_t n, std::uint8_t b) { return bytes(n, b); }
bytes seq(std::size_t n, std::uint8_t from) {
  bytes out(n);
  for (std::size_t i = 0; i < n; i++) out[i] = static_cast<std::uint8_t>(from + i);
  return out;
}

bytes output(std::uint32_t port) { return attr(OVS_ACTION_ATTR_OUTPUT, u32(port)); }
bytes set(int key, const bytes& value) { return attr(OVS_ACTION_ATTR_SET, attr(key, value)); }
// OVS's commit_masked_set_action: the value already masked, then the mask.
bytes set_masked(int key, const bytes& value, const bytes& mask) {
  bytes both = value;
  for (std::size_t i = 0; i < value.size(); i++) both[i] &= mask[i];
  both.insert(both.end(), mask.begin(), mask.end());
  return attr(OVS_ACTION_ATTR_SET_MASKED, attr(key, both));
}

// struct ovs_key_ipv4: src, dst, proto, tos, ttl, frag.
bytes key_ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, std::uint8_t tos, std::uint8_t ttl, std::uint8_t frag) {
  return cat({be32(src), be32(dst), {proto, tos, ttl, frag}});
}
// struct ovs_key_ipv6: src, dst, label, proto, tclass, hlimit, frag.
bytes key_ipv6(std::uint8_t src_from, std::uint8_t dst_from, std::uint32_t label, std::uint8_t proto, std::uint8_t tclass,
               std::uint8_t hlimit, std::uint8_t frag) {
  return cat({seq(16, src_from), seq(16, dst_from), be32(label), {proto, tclass, hlimit, frag}});
}
// struct ovs_key_arp: sip, tip, op, sha, tha, 2 bytes of padding.
bytes key_arp(std::uint32_t sip, std::uint32_t tip, std::uint16_t op, const bytes& sha = fill(6, 0), const bytes& tha = fill(6, 0)) {
  return cat({be32(sip), be32(tip), be16(op), sha, tha, {0, 0}});
}

struct round_trip_case {
  const char* name;
  bytes netlink;
};

std::vector<round_trip_case> round_trip_cases() {
  const bytes nested_output = output(3);
  return {
      {"output", output(7)},
      {"userspace pid", attr(OVS_ACTION_ATTR_USERSPACE, attr(OVS_USERSPACE_ATTR_PID, u32(42)))},
      {"userspace all", attr(OVS_ACTION_ATTR_USERSPACE, cat({attr(OVS_USERSPACE_ATTR_PID, u32(42)), attr(OVS_USERSPACE_ATTR_USERDATA, seq(8, 1)),
                                                            attr(OVS_USERSPACE_ATTR_EGRESS_TUN_PORT, u32(9)), attr(OVS_USERSPACE_ATTR_ACTIONS)}))},
      {"userspace odd userdata", attr(OVS_ACTION_ATTR_USERSPACE, cat({attr(OVS_USERSPACE_ATTR_PID, u32(1)), attr(OVS_USERSPACE_ATTR_USERDATA, seq(13, 7))}))},
      {"set eth", set(OVS_KEY_ATTR_ETHERNET, seq(12, 0x10))},
      {"set_masked eth", set_masked(OVS_KEY_ATTR_ETHERNET, seq(12, 0x10), cat({fill(6, 0), fill(5, 0xff), {0xf0}}))},
      {"set ipv4", set(OVS_KEY_ATTR_IPV4, key_ipv4(0x0a000001, 0x0a000002, 6, 0x10, 64, 0))},
      {"set_masked ipv4 ttl", set_masked(OVS_KEY_ATTR_IPV4, key_ipv4(0, 0, 0, 0, 9, 0), key_ipv4(0, 0, 0, 0, 0xff, 0))},
      {"set_masked ipv4 src/24 tos", set_masked(OVS_KEY_ATTR_IPV4, key_ipv4(0xc0a80107, 0, 0, 0xfc, 0, 0), key_ipv4(0xffffff00, 0, 0, 0xfc, 0, 0))},
      {"set ipv6", set(OVS_KEY_ATTR_IPV6, key_ipv6(0x20, 0x40, 0x12345, 17, 0x28, 63, 0))},
      {"set_masked ipv6 label", set_masked(OVS_KEY_ATTR_IPV6, key_ipv6(0, 0, 0xabcde, 0, 0, 0, 0), key_ipv6(0, 0, 0xfffff, 0, 0, 0, 0))},
      {"set_masked ipv6 dst hlimit", set_masked(OVS_KEY_ATTR_IPV6, key_ipv6(0, 0x50, 0, 0, 0, 7, 0),
                                                cat({fill(16, 0), fill(16, 0xff), be32(0), {0, 0, 0xff, 0}}))},
      {"set tcp", set(OVS_KEY_ATTR_TCP, cat({be16(80), be16(8080)}))},
      {"set_masked udp dst", set_masked(OVS_KEY_ATTR_UDP, cat({be16(0), be16(53)}), cat({be16(0), be16(0xffff)}))},
      {"set sctp", set(OVS_KEY_ATTR_SCTP, cat({be16(1), be16(2)}))},
      {"set mpls", set(OVS_KEY_ATTR_MPLS, be32(0x00064140))},
      {"set_masked mpls ttl", set_masked(OVS_KEY_ATTR_MPLS, be32(0x20), be32(0xff))},
      {"set skb_mark", set(OVS_KEY_ATTR_SKB_MARK, u32(0xdeadbeef))},
      {"set_masked skb_mark", set_masked(OVS_KEY_ATTR_SKB_MARK, u32(0x50), u32(0xf0))},
      {"set priority", set(OVS_KEY_ATTR_PRIORITY, u32(3))},
      {"set arp", set(OVS_KEY_ATTR_ARP, key_arp(0x01020304, 0x05060708, 2, seq(6, 0x30), seq(6, 0x40)))},
      {"set_masked arp tip op", set_masked(OVS_KEY_ATTR_ARP, key_arp(0, 0x05060708, 1), key_arp(0, 0xffffffff, 0xffff))},
      {"set nd", set(OVS_KEY_ATTR_ND, cat({seq(16, 0x60), seq(6, 0x70), seq(6, 0x80)}))},
      {"set_masked nd tll", set_masked(OVS_KEY_ATTR_ND, cat({fill(22, 0), seq(6, 0x80)}), cat({fill(22, 0), fill(6, 0xff)}))},
      {"set icmp", set(OVS_KEY_ATTR_ICMP, {8, 0})},
      {"set_masked icmpv6 type", set_masked(OVS_KEY_ATTR_ICMPV6, {135, 0}, {0xff, 0})},
      {"push_vlan 802.1Q", attr(OVS_ACTION_ATTR_PUSH_VLAN, cat({be16(0x8100), be16(0x1000 | 0xa064)}))},
      {"push_vlan 802.1ad", attr(OVS_ACTION_ATTR_PUSH_VLAN, cat({be16(0x88a8), be16(0x1000 | 10)}))},
      {"pop_vlan", attr(OVS_ACTION_ATTR_POP_VLAN)},
      {"sample", attr(OVS_ACTION_ATTR_SAMPLE, cat({attr(OVS_SAMPLE_ATTR_PROBABILITY, u32(0x7fffffff)),
                                                  attr(OVS_SAMPLE_ATTR_ACTIONS, cat({nested_output, attr(OVS_ACTION_ATTR_POP_VLAN)}))}))},
      {"sample empty", attr(OVS_ACTION_ATTR_SAMPLE, cat({attr(OVS_SAMPLE_ATTR_PROBABILITY, u32(1)), attr(OVS_SAMPLE_ATTR_ACTIONS)}))},
      {"recirc", attr(OVS_ACTION_ATTR_RECIRC, u32(0x11))},
      {"hash l4", attr(OVS_ACTION_ATTR_HASH, cat({u32(OVS_HASH_ALG_L4), u32(0x1234)}))},
      {"hash sym_l4", attr(OVS_ACTION_ATTR_HASH, cat({u32(1), u32(7)}))},
      {"push_mpls", attr(OVS_ACTION_ATTR_PUSH_MPLS, cat({be32(0x0000a1ff), be16(0x8847), {0, 0}}))},
      {"pop_mpls", attr(OVS_ACTION_ATTR_POP_MPLS, be16(0x0800))},
      {"trunc", attr(OVS_ACTION_ATTR_TRUNC, u32(100))},
      {"push_eth", attr(OVS_ACTION_ATTR_PUSH_ETH, seq(12, 0xa0))},
      {"pop_eth", attr(OVS_ACTION_ATTR_POP_ETH)},
      {"ct_clear", attr(OVS_ACTION_ATTR_CT_CLEAR)},
      {"push_nsh md1", attr(OVS_ACTION_ATTR_PUSH_NSH, attr(OVS_KEY_ATTR_NSH, cat({attr(OVS_NSH_KEY_ATTR_BASE, cat({{0, 63, 1, 3}, be32(0xabcdef << 8 | 255)})),
                                                         attr(OVS_NSH_KEY_ATTR_MD1, seq(16, 1))})))},
      {"push_nsh md2", attr(OVS_ACTION_ATTR_PUSH_NSH, attr(OVS_KEY_ATTR_NSH, cat({attr(OVS_NSH_KEY_ATTR_BASE, cat({{0, 10, 2, 1}, be32(5 << 8 | 4)})),
                                                         attr(OVS_NSH_KEY_ATTR_MD2, seq(8, 0x90))})))},
      {"pop_nsh", attr(OVS_ACTION_ATTR_POP_NSH)},
      {"meter", attr(OVS_ACTION_ATTR_METER, u32(4))},
      {"clone", attr(OVS_ACTION_ATTR_CLONE, cat({attr(OVS_ACTION_ATTR_POP_VLAN), nested_output}))},
      {"clone empty", attr(OVS_ACTION_ATTR_CLONE)},
      {"check_pkt_len", attr(OVS_ACTION_ATTR_CHECK_PKT_LEN, cat({attr(OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, u16(1500)),
                                                                attr(OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER, output(1)),
                                                                attr(OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL, output(2))}))},
      {"check_pkt_len empty lists", attr(OVS_ACTION_ATTR_CHECK_PKT_LEN, cat({attr(OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, u16(64)),
                                                                            attr(OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER),
                                                                            attr(OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL)}))},
      {"add_mpls", attr(OVS_ACTION_ATTR_ADD_MPLS, cat({be32(0x00014140), be16(0x8848), u16(OVS_MPLS_L3_TUNNEL_FLAG_MASK)}))},
      {"drop", attr(kDrop, u32(0))},
      {"drop with reason", attr(kDrop, u32(12))},
      {"a list", cat({attr(OVS_ACTION_ATTR_POP_VLAN), set(OVS_KEY_ATTR_SKB_MARK, u32(1)), output(1), output(2),
                      attr(OVS_ACTION_ATTR_CLONE, attr(OVS_ACTION_ATTR_SAMPLE, cat({attr(OVS_SAMPLE_ATTR_PROBABILITY, u32(5)),
                                                                                     attr(OVS_SAMPLE_ATTR_ACTIONS, output(9))})))})},
  };
}

int refused_attribute(const bytes& netlink) {
  try {
    odp::decode_actions(netlink);
  } catch (const odp::netlink_error& e) {
    INFO("refusal: " << e.what());
    CHECK(std::string(e.what()).size() > 10);
    return e.attribute();
  }
  FAIL("decoded; expected a refusal");
  return -2;
}

// `levels` clones around an output.
bytes nested_clones(int levels) {
  bytes b = output(1);
  for (int i = 0; i < levels; i++) b = attr(OVS_ACTION_ATTR_CLONE, b);
  return b;
}

}  // namespace

TEST_CASE("netlink actions: every action decodes and encodes back to OVS's bytes") {
  for (const auto& c : round_trip_cases()) {
    INFO("case: " << c.name);
    const action_list decoded = odp::decode_actions(c.netlink);
    CHECK(!decoded.empty());
    CHECK(odp::encode_actions(decoded) == c.netlink);
  }
}

TEST_CASE("netlink actions: decoded values follow the text parser's conventions") {
  const auto one = [](const bytes& b) { return odp::decode_actions(b).at(0); };
  CHECK(one(output(7)) == action{act::output{7}});
  CHECK(one(attr(OVS_ACTION_ATTR_PUSH_VLAN, cat({be16(0x8100), be16(0x1000 | 0xa064)}))) == odp::parse_actions("push_vlan(vid=100,pcp=5)").at(0));
  CHECK(one(set(OVS_KEY_ATTR_SKB_MARK, u32(0xdeadbeef))) == odp::parse_actions("set(skb_mark(0xdeadbeef))").at(0));
  CHECK(one(set_masked(OVS_KEY_ATTR_UDP, cat({be16(0), be16(53)}), cat({be16(0), be16(0xffff)}))) ==
        odp::parse_actions("set(udp(dst=53))").at(0));
  CHECK(one(set_masked(OVS_KEY_ATTR_IPV4, key_ipv4(0, 0, 0, 0, 9, 0), key_ipv4(0, 0, 0, 0, 0xff, 0))) ==
        odp::parse_actions("set(ipv4(ttl=9))").at(0));
  CHECK(one(set(OVS_KEY_ATTR_IPV4, key_ipv4(0x0a000001, 0x0a000002, 6, 0x10, 64, 0))) ==
        odp::parse_actions("set(ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0x10,ttl=64,frag=no))").at(0));
  // A plain set(ipv6) writes the 20-bit label whole, as Linux converts it.
  const auto ipv6 = std::get<act::set_ipv6>(one(set(OVS_KEY_ATTR_IPV6, key_ipv6(0x20, 0x40, 0x12345, 17, 0x28, 63, 0))).base());
  CHECK(ipv6.value.label == htonl(0x12345));
  CHECK(ipv6.mask.label == htonl(0xfffff));
  CHECK(ipv6.mask.hlimit == 0xff);
  CHECK(one(set(OVS_KEY_ATTR_ICMP, {8, 0})) == odp::parse_actions("set(icmp(type=8,code=0))").at(0));
  {
    const auto decoded = std::get<act::set_arp>(one(set_masked(OVS_KEY_ATTR_ARP, key_arp(0, 0, 2), key_arp(0, 0, 0xffff))).base());
    const auto parsed = std::get<act::set_arp>(odp::parse_actions("set(arp(op=2))").at(0).base());
    CHECK(decoded.value.op == parsed.value.op);
    CHECK(decoded.mask.op == parsed.mask.op);
    CHECK(decoded.mask.sip == parsed.mask.sip);
    CHECK(std::memcmp(decoded.mask.sha, parsed.mask.sha, 6) == 0);
    CHECK(decoded == action{parsed});
  }
  CHECK(one(attr(OVS_ACTION_ATTR_PUSH_MPLS, cat({be32(0x0000a1ff), be16(0x8847), {0, 0}}))) ==
        odp::parse_actions("push_mpls(label=10,tc=0,ttl=255,bos=1,eth_type=0x8847)").at(0));
  CHECK(one(attr(OVS_ACTION_ATTR_PUSH_NSH, attr(OVS_KEY_ATTR_NSH, cat({attr(OVS_NSH_KEY_ATTR_BASE, cat({{0, 63, 1, 3}, be32(0xabcdef << 8 | 255)})),
                                                attr(OVS_NSH_KEY_ATTR_MD1, cat({be32(1), be32(2), be32(3), be32(4)}))})))) ==
        odp::parse_actions("push_nsh(spi=0xabcdef,si=255,c1=0x1,c2=0x2,c3=0x3,c4=0x4)").at(0));
  CHECK(odp::decode_actions({}).empty());
}

TEST_CASE("netlink actions: text actions survive encode and decode") {
  const char* texts[] = {
      "1,2,3",
      "drop",
      "push_vlan(vid=100,pcp=5),2",
      "push_vlan(tpid=0x88a8,vid=10,pcp=0),pop_vlan,1",
      "set(eth(src=00:01:02:03:04:05,dst=10:20:30:40:50:60)),1",
      "set(eth(dst=10:20:30:40:50:60)),1",
      "set(ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0x10,ttl=64,frag=no)),1",
      "set(ipv4(ttl=9)),1",
      "set(ipv4(src=192.168.1.0/255.255.255.0)),1",
      "set(ipv6(src=2001:db8::1,dst=2001:db8::2,label=0x12345,proto=17,tclass=0x28,hlimit=63,frag=no)),1",
      "set(ipv6(label=0x5)),set(ipv6(hlimit=7)),1",
      "set(tcp(src=80,dst=8080)),set(udp(dst=53)),set(sctp(src=9)),1",
      "set(mpls(label=100,tc=3,ttl=64,bos=1)),1",
      "set(skb_mark(0x5)),set(skb_priority(0x7)),1",
      "set(arp(sip=1.2.3.4,tip=5.6.7.8,op=2,sha=00:01:02:03:04:05,tha=10:20:30:40:50:60)),1",
      "set(arp(op=1)),1",
      "set(nd(target=2001:db8::9,sll=00:01:02:03:04:05,tll=10:20:30:40:50:60)),1",
      "set(icmp(type=8,code=0)),set(icmpv6(type=135)),1",
      "trunc(100),hash(l4(0x12)),recirc(0x3)",
      "push_mpls(label=10,tc=1,ttl=64,bos=1,eth_type=0x8847),pop_mpls(eth_type=0x800),2",
      "add_mpls(label=10,tc=1,ttl=64,bos=1,eth_type=0x8848,tunnel),2",
      "push_eth(src=00:01:02:03:04:05,dst=10:20:30:40:50:60),pop_eth,1",
      "userspace(pid=42,userdata(0102030405060708),tunnel_out_port=3,actions)",
      "userspace(pid=7)",
      "ct_clear,meter(2),1",
      "clone(pop_vlan,1),2",
      "sample(sample=50.0%,actions(1,clone(2))),3",
      "check_pkt_len(size=1500,gt(1),le(drop)),2",
      "check_pkt_len(size=64,gt(clone(1)),le(2,3))",
      "push_nsh(flags=0,ttl=63,mdtype=1,np=3,spi=0x1,si=255,c1=0x1,c2=0x2,c3=0x3,c4=0x4),pop_nsh,1",
      "push_nsh(mdtype=2,np=1,spi=0x5,si=4,md2=0x0102030405060708),1",
  };
  for (const char* text : texts) {
    INFO("actions: " << text);
    action_list parsed;
    REQUIRE_NOTHROW(parsed = odp::parse_actions(text));
    const bytes netlink = odp::encode_actions(parsed);
    const action_list decoded = odp::decode_actions(netlink);
    CHECK(decoded == parsed);
    CHECK(odp::encode_actions(decoded) == netlink);
  }
}

TEST_CASE("netlink actions: a fully masked set is written as plain set, as OVS sends it and Linux dumps it") {
  const bytes full = set_masked(OVS_KEY_ATTR_TCP, cat({be16(1), be16(2)}), fill(4, 0xff));
  CHECK(odp::encode_actions(odp::decode_actions(full)) == set(OVS_KEY_ATTR_TCP, cat({be16(1), be16(2)})));
  // IPv6: the label's 12 unused bits do not count.
  const bytes ipv6 = set_masked(OVS_KEY_ATTR_IPV6, key_ipv6(1, 2, 3, 0, 4, 5, 0), key_ipv6(0, 0, 0, 0, 0, 0, 0));
  const auto decoded = odp::decode_actions(ipv6);
  auto s = std::get<act::set_ipv6>(decoded.at(0).base());
  std::memset(&s.mask, 0xff, sizeof s.mask);
  s.mask.label = htonl(0xfffff);
  std::memcpy(s.value.src, seq(16, 1).data(), 16);
  CHECK(odp::encode_actions({s}).at(2) == OVS_ACTION_ATTR_SET);
  s.mask.hlimit = 0xfe;
  s.value.hlimit = 4;
  CHECK(odp::encode_actions({s}).at(2) == OVS_ACTION_ATTR_SET_MASKED);
}

TEST_CASE("netlink actions: refusals name the attribute") {
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_CT, cat({attr(OVS_CT_ATTR_COMMIT), attr(OVS_CT_ATTR_FORCE_COMMIT)}))) == OVS_ACTION_ATTR_CT);
  CHECK(refused_attribute(attr(kTunnelPush, seq(8, 0))) == kTunnelPush);
  CHECK(refused_attribute(attr(kTunnelPop, u32(1))) == kTunnelPop);
  CHECK(refused_attribute(attr(kLbOutput, u32(1))) == kLbOutput);
  CHECK(refused_attribute(attr(27, u32(1))) == 27);
  CHECK(refused_attribute(attr(0, u32(1))) == 0);
  CHECK(refused_attribute(cat({output(1), attr(kLbOutput, u32(1))})) == kLbOutput);
  // set() of what ovsxdp does not execute, and of what Linux never sets.
  CHECK(refused_attribute(set(OVS_KEY_ATTR_TUNNEL, attr(OVS_TUNNEL_KEY_ATTR_ID, seq(8, 0)))) == OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(set(OVS_KEY_ATTR_CT_MARK, u32(1))) == OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(set_masked(OVS_KEY_ATTR_CT_LABELS, seq(16, 0), fill(16, 0xff))) == OVS_ACTION_ATTR_SET_MASKED);
  CHECK(refused_attribute(set(OVS_KEY_ATTR_NSH, attr(OVS_NSH_KEY_ATTR_BASE, seq(8, 0)))) == OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(set(OVS_KEY_ATTR_IN_PORT, u32(1))) == OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(set(OVS_KEY_ATTR_RECIRC_ID, u32(1))) == OVS_ACTION_ATTR_SET);
  // Linux's field rules.
  CHECK(refused_attribute(set_masked(OVS_KEY_ATTR_IPV4, key_ipv4(0, 0, 6, 0, 0, 0), key_ipv4(0, 0, 0xff, 0, 0, 0))) == OVS_ACTION_ATTR_SET_MASKED);
  CHECK(refused_attribute(set_masked(OVS_KEY_ATTR_IPV6, key_ipv6(0, 0, 0, 0, 0, 0, 1), key_ipv6(0, 0, 0, 0, 0, 0, 0xff))) == OVS_ACTION_ATTR_SET_MASKED);
  CHECK(refused_attribute(set(OVS_KEY_ATTR_IPV6, key_ipv6(0, 0, 0x100000, 0, 0, 0, 0))) == OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_SET_MASKED, attr(OVS_KEY_ATTR_SKB_MARK, cat({u32(0x3), u32(0x1)})))) == OVS_ACTION_ATTR_SET_MASKED);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_SET, cat({attr(OVS_KEY_ATTR_SKB_MARK, u32(1)), attr(OVS_KEY_ATTR_PRIORITY, u32(1))}))) ==
        OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_SET)) == OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(set(OVS_KEY_ATTR_TCP, u16(1))) == OVS_ACTION_ATTR_SET);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_SET_MASKED, attr(OVS_KEY_ATTR_TCP, cat({be16(1), be16(2)})))) == OVS_ACTION_ATTR_SET_MASKED);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_PUSH_VLAN, cat({be16(0x8100), be16(100)}))) == OVS_ACTION_ATTR_PUSH_VLAN);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_PUSH_VLAN, cat({be16(0x9100), be16(0x1000)}))) == OVS_ACTION_ATTR_PUSH_VLAN);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_HASH, cat({u32(7), u32(0)}))) == OVS_ACTION_ATTR_HASH);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_TRUNC, u32(13))) == OVS_ACTION_ATTR_TRUNC);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_PUSH_MPLS, cat({be32(1), be16(0x0800), {0, 0}}))) == OVS_ACTION_ATTR_PUSH_MPLS);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_ADD_MPLS, cat({be32(1), be16(0x8847), u16(2)}))) == OVS_ACTION_ATTR_ADD_MPLS);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_USERSPACE, attr(OVS_USERSPACE_ATTR_USERDATA, seq(8, 0)))) == OVS_ACTION_ATTR_USERSPACE);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_USERSPACE, attr(OVS_USERSPACE_ATTR_PID, u32(0)))) == OVS_ACTION_ATTR_USERSPACE);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_SAMPLE, attr(OVS_SAMPLE_ATTR_ACTIONS, output(1)))) == OVS_ACTION_ATTR_SAMPLE);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_SAMPLE, attr(OVS_SAMPLE_ATTR_PROBABILITY, u32(1)))) == OVS_ACTION_ATTR_SAMPLE);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_CHECK_PKT_LEN, attr(OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, u16(1)))) == OVS_ACTION_ATTR_CHECK_PKT_LEN);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_PUSH_NSH, attr(OVS_KEY_ATTR_NSH, attr(OVS_NSH_KEY_ATTR_BASE, cat({{0, 63, 3, 3}, be32(0)}))))) == OVS_ACTION_ATTR_PUSH_NSH);
  CHECK(refused_attribute(attr(kDrop, u32(0x10000))) == kDrop);
  // Exact payload lengths.
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_OUTPUT, u16(1))) == OVS_ACTION_ATTR_OUTPUT);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_POP_VLAN, u32(0))) == OVS_ACTION_ATTR_POP_VLAN);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_PUSH_ETH, seq(10, 0))) == OVS_ACTION_ATTR_PUSH_ETH);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_RECIRC, cat({u32(1), u32(2)}))) == OVS_ACTION_ATTR_RECIRC);
  // Malformed streams: the enclosing attribute, -1 at top level.
  CHECK(refused_attribute({4, 0}) == -1);
  CHECK(refused_attribute({8, 0, 1, 0, 1, 0}) == -1);
  CHECK(refused_attribute({2, 0, 1, 0}) == -1);
  CHECK(refused_attribute(attr(OVS_ACTION_ATTR_CLONE, {8, 0, 1, 0})) == OVS_ACTION_ATTR_CLONE);
}

TEST_CASE("netlink actions: nesting is bounded as in Linux") {
  CHECK(odp::encode_actions(odp::decode_actions(nested_clones(kMaxActionNesting))) == nested_clones(kMaxActionNesting));
  CHECK(refused_attribute(nested_clones(kMaxActionNesting + 1)) == OVS_ACTION_ATTR_CLONE);
  // The text parser draws the line at the same depth.
  std::string text = "1";
  for (int i = 0; i < kMaxActionNesting; i++) text = "clone(" + text + ")";
  CHECK(odp::encode_actions(odp::parse_actions(text)) == nested_clones(kMaxActionNesting));
}

TEST_CASE("netlink actions: dec_ttl has no OVS 3.1 number and is not encoded") {
  CHECK_THROWS_AS(odp::encode_actions(odp::parse_actions("dec_ttl(le_1(drop)),1")), odp::netlink_error);
}

TEST_CASE("netlink actions: corrupted and truncated streams never crash the decoder") {
  std::vector<bytes> valid;
  for (const auto& c : round_trip_cases()) valid.push_back(c.netlink);
  bytes all;
  for (const bytes& b : valid) all.insert(all.end(), b.begin(), b.end());
  valid.push_back(all);
  valid.push_back(nested_clones(kMaxActionNesting));

  std::mt19937 rng(12);  // fixed: a failure repeats
  int decoded = 0, refused = 0;
  for (int i = 0; i < 20000; i++) {
    bytes b = valid[rng() % valid.size()];
    switch (rng() % 4) {
      case 0: b.resize(rng() % (b.size() + 1)); break;  // truncation
      case 1: b[rng() % b.size()] = static_cast<std::uint8_t>(rng()); break;
      case 2:  // a length or type byte of some attribute header, where it hurts most
        b[(rng() % b.size()) & ~std::size_t{3}] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      default:
        for (int k = 0; k < 4; k++) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    }
    try {
      const action_list l = odp::decode_actions(b);
      decoded++;
      // What decodes encodes, and that encoding is stable.
      const bytes again = odp::encode_actions(l);
      CHECK(odp::encode_actions(odp::decode_actions(again)) == again);
    } catch (const odp::netlink_error&) {
      refused++;
    }
  }
  MESSAGE("mutations decoded: " << decoded << ", refused: " << refused);
  CHECK(decoded > 100);
  CHECK(refused > 100);
  CHECK(decoded + refused == 20000);
}
