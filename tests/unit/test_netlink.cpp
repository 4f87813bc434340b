// The netlink key codec: text flows parsed by ovsxdp, encoded as Linux
// writes them, decoded back to the same match; Linux's refusals with the
// attribute they name; corrupted streams never crash.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>

#include "datapath/validate.hpp"
#include "odp/flow_parse.hpp"
#include "odp/key_format.hpp"
#include "odp/netlink.hpp"
#include "odp/netlink_attributes.hpp"
#include "ovsxdp/base/types.h"

using namespace ovsxdp;

namespace {

const char* const kFlows[] = {
    "recirc_id(0),in_port(1),eth(src=00:01:02:03:04:05,dst=0a:0b:0c:0d:0e:0f),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2/255.255.255.0,proto=6,tos=0/0,ttl=64,frag=no),tcp(src=80,dst=0/0),tcp_flags(syn)",
    "recirc_id(0x5),in_port(2),eth(),eth_type(0x86dd),ipv6(src=fe80::1,dst=::/0,label=0x12345,proto=17,tclass=0,hlimit=64,frag=no),udp(src=53,dst=53)",
    "in_port(1),eth(src=00:00:00:00:00:01,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=00:00:00:00:00:01,tha=00:00:00:00:00:00)",
    "in_port(1),eth(),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=1.2.3.4,proto=1,frag=no),icmp(type=8,code=0))",
    "in_port(1),eth(),eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(proto=132,frag=no),sctp(src=1,dst=2)))",
    "in_port(1),eth(),eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap()",
    "in_port(1),eth(),eth_type(0x8847),mpls(label=100,tc=1,ttl=64,bos=1)",
    "in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd(target=fe80::2,sll=00:00:00:00:00:02,tll=00:00:00:00:00:00)",
    "skb_priority(0x3),skb_mark(0x10/0xff),dp_hash(0x5/0xf),in_port(3),eth(),eth_type(0x0800),ipv4(frag=later)",
    "in_port(4),eth(src=00:00:00:00:00:01),eth_type(0x1234)",
    "in_port(4),eth()",
    "in_port(4),packet_type(ns=1,id=0x800),eth_type(0x0800),ipv4(src=1.1.1.1,frag=no)",
};

odp::netlink_match round_trip(const odp::parsed_key& p) {
  const auto key = odp::encode_key(mask_key(p.key, p.mask), p.attributes);
  const auto mask = odp::encode_mask(p.key, p.mask, p.attributes);
  return odp::decode_match(key, mask);
}

std::vector<std::uint8_t> attr(std::uint16_t type, std::vector<std::uint8_t> payload) {
  odp::nl::writer w;
  w.put(type, payload.data(), payload.size());
  return w.take();
}

}  // namespace

TEST_CASE("netlink keys and masks round-trip through Linux's encoding") {
  for (const char* text : kFlows) {
    CAPTURE(std::string(text));
    const odp::parsed_key p = odp::parse_key(text);
    const odp::netlink_match m = round_trip(p);
    CHECK(odp::format_key(m.key, &m.mask) == odp::format_key(mask_key(p.key, p.mask), &p.mask));
    CHECK(std::memcmp(&m.mask, &p.mask, sizeof m.mask) == 0);
  }
}

TEST_CASE("an exact key decodes with the exact mask of what it names") {
  const odp::parsed_key p = odp::parse_key(kFlows[0]);
  const ovsxdp_flow_key k = mask_key(p.key, p.mask);
  const odp::netlink_match m = odp::decode_key(odp::encode_key(k, odp::packet_attributes(k)));
  CHECK(m.mask.in_port == ~0u);
  CHECK(m.mask.nw.ipv4.src == ~0u);
  CHECK(m.mask.eth_type == 0xffff);
  CHECK(m.key.nw.ipv4.src == k.nw.ipv4.src);
}

TEST_CASE("refusals name the attribute") {
  auto refused_with = [](std::vector<std::uint8_t> key) {
    try {
      odp::decode_key(key);
    } catch (const odp::netlink_error& e) {
      return e.attribute();
    }
    return -100;
  };
  std::vector<std::uint8_t> eth = attr(OVS_KEY_ATTR_ETHERNET, std::vector<std::uint8_t>(12, 0));
  auto with = [&](std::vector<std::uint8_t> extra) {
    auto k = eth;
    k.insert(k.end(), extra.begin(), extra.end());
    return k;
  };
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_TUNNEL, {}))) == OVS_KEY_ATTR_TUNNEL);
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_ND_EXTENSIONS, std::vector<std::uint8_t>(8, 0)))) == OVS_KEY_ATTR_ND_EXTENSIONS);
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_CT_STATE, {0x20 | 0x40, 0, 0, 0}))) == OVS_KEY_ATTR_CT_STATE);  // +trk+snat: no NAT yet
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_CT_STATE, {0x20 | 0x80, 0, 0, 0}))) == OVS_KEY_ATTR_CT_STATE);  // +trk+dnat
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_CT_STATE, {0x20 | 0x01, 0, 0, 0}))) == -100);                  // +trk+new is a match
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_CT_ZONE, {5, 0}))) == -100);
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_IN_PORT, {1, 0}))) == OVS_KEY_ATTR_IN_PORT);  // wrong length
  auto dup = with(attr(OVS_KEY_ATTR_SKB_MARK, {0, 0, 0, 0}));
  auto again = attr(OVS_KEY_ATTR_SKB_MARK, {0, 0, 0, 0});
  dup.insert(dup.end(), again.begin(), again.end());
  CHECK(refused_with(dup) == OVS_KEY_ATTR_SKB_MARK);
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_ETHERTYPE, {0x81, 0x00}))) == OVS_KEY_ATTR_VLAN);  // VLAN type without vlan()/encap()
  CHECK(refused_with(with(attr(OVS_KEY_ATTR_ETHERTYPE, {0x08, 0x00}))) == OVS_KEY_ATTR_IPV4);  // IPv4 without ipv4()
  CHECK(refused_with(with(attr(40, {}))) == 40);
}

// OVS's execute key (odp_key_from_dp_packet) holds metadata and, for a
// packet with no Ethernet header, its EtherType alone: the packet is L3.
TEST_CASE("an execute key tells an L3 packet by an EtherType without eth()") {
  auto cat = [](std::initializer_list<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  const auto in_port = attr(OVS_KEY_ATTR_IN_PORT, {6, 0, 0, 0});
  const auto mark = attr(OVS_KEY_ATTR_SKB_MARK, {0, 0, 0, 0});
  const ovsxdp_flow_key l3 = odp::decode_metadata(cat({mark, in_port, attr(OVS_KEY_ATTR_ETHERTYPE, {0x08, 0x00})}));
  CHECK(l3.mac_proto == OVSXDP_MAC_NONE);
  CHECK(ntoh16(l3.eth_type) == 0x0800);
  CHECK(l3.in_port == 6);
  const ovsxdp_flow_key by_type = odp::decode_metadata(cat({in_port, attr(OVS_KEY_ATTR_PACKET_TYPE, {0, 1, 0x86, 0xdd})}));
  CHECK(by_type.mac_proto == OVSXDP_MAC_NONE);
  CHECK(ntoh16(by_type.eth_type) == 0x86dd);
  const ovsxdp_flow_key ethernet = odp::decode_metadata(cat({mark, in_port}));
  CHECK(ethernet.mac_proto == OVSXDP_MAC_ETHERNET);
  const ovsxdp_flow_key full = odp::decode_metadata(
      cat({in_port, attr(OVS_KEY_ATTR_ETHERNET, std::vector<std::uint8_t>(12, 0)), attr(OVS_KEY_ATTR_ETHERTYPE, {0x08, 0x06})}));
  CHECK(full.mac_proto == OVSXDP_MAC_ETHERNET);
}

TEST_CASE("truncated and malformed streams give clear errors") {
  const std::vector<std::uint8_t> short_header{8, 0};
  CHECK_THROWS_WITH_AS(odp::decode_key(short_header), doctest::Contains("too short for an attribute header"), odp::netlink_error);
  const std::vector<std::uint8_t> past_end{16, 0, OVS_KEY_ATTR_IN_PORT, 0, 1, 0, 0, 0};
  CHECK_THROWS_WITH_AS(odp::decode_key(past_end), doctest::Contains("only 8 remain"), odp::netlink_error);
  const std::vector<std::uint8_t> zero_length{0, 0, 3, 0};
  CHECK_THROWS_WITH_AS(odp::decode_key(zero_length), doctest::Contains("less than its own 4-byte header"), odp::netlink_error);
}

TEST_CASE("random corruptions of valid encodings never crash") {
  std::mt19937 rng(12345);
  int refused = 0, accepted = 0;
  for (const char* text : kFlows) {
    const odp::parsed_key p = odp::parse_key(text);
    const auto key = odp::encode_key(mask_key(p.key, p.mask), p.attributes);
    const auto mask = odp::encode_mask(p.key, p.mask, p.attributes);
    for (int i = 0; i < 2000; i++) {
      auto k = key, m = mask;
      auto& target = (i & 1) ? m : k;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !target.empty(); e++) {
        switch (rng() % 4) {
          case 0: target[rng() % target.size()] = static_cast<std::uint8_t>(rng()); break;
          case 1: target.resize(rng() % target.size()); break;
          case 2: target[(rng() % target.size()) & ~std::size_t{3}] = static_cast<std::uint8_t>(rng() % 80); break;
          default: target.insert(target.begin() + static_cast<long>(rng() % target.size()), static_cast<std::uint8_t>(rng())); break;
        }
      }
      try {
        odp::decode_match(k, m);
        accepted++;
      } catch (const odp::netlink_error& e) {
        CHECK(std::string(e.what()).size() > 0);
        refused++;
      }
    }
  }
  CHECK(refused > 1000);
  MESSAGE("accepted " << accepted << ", refused " << refused);
}

TEST_CASE("netlink action lists round-trip") {
  const char* const lists[] = {
      "1,2,drop",
      "push_vlan(vid=10,pcp=2),3,pop_vlan,4",
      "set(eth(src=00:01:02:03:04:05,dst=0a:0b:0c:0d:0e:0f)),set(ipv4(src=10.0.0.0/255.255.255.0,ttl=63)),1",
      "set(ipv6(src=fe80::1,label=0x12345/0xfffff)),set(tcp(src=20480/0xff00)),set(udp(dst=53)),1",
      "set(skb_mark(0x5/0xff)),set(skb_priority(0x3)),set(mpls(label=7,tc=1,ttl=9,bos=1)),1",
      "trunc(100),hash(l4(0x10)),recirc(0x5)",
      "push_mpls(label=10,tc=0,ttl=64,bos=1,eth_type=0x8847),pop_mpls(eth_type=0x800),1",
      "userspace(pid=7,userdata(01020304)),userspace(pid=8)",
      "clone(push_vlan(vid=5,pcp=0),1),sample(sample=50.0%,actions(2)),meter(3),ct_clear",
      "check_pkt_len(size=200,gt(1),le(2,3))",
      "pop_eth,push_eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),1",
  };
  for (const char* text : lists) {
    CAPTURE(std::string(text));
    action_list parsed;
    try {
      parsed = odp::parse_actions(text);
    } catch (const std::exception& e) {
      FAIL_CHECK(e.what());
      continue;
    }
    const action_list back = odp::decode_actions(odp::encode_actions(parsed));
    CHECK(odp::format_actions(back) == odp::format_actions(parsed));
  }
}

TEST_CASE("netlink actions ovsxdp cannot execute are refused by number") {
  auto refused_with = [](std::vector<std::uint8_t> bytes) {
    try {
      odp::decode_actions(bytes);
    } catch (const odp::netlink_error& e) {
      return e.attribute();
    }
    return -100;
  };
  // A bare ct decodes (test_conntrack.cpp covers its attributes).
  CHECK(refused_with(attr(OVS_ACTION_ATTR_CT, {})) == -100);
  CHECK(refused_with(attr(odp::nl::ovs31::kActionTunnelPop, {1, 0, 0, 0})) == odp::nl::ovs31::kActionTunnelPop);
  CHECK(refused_with(attr(odp::nl::ovs31::kActionLbOutput, {1, 0, 0, 0})) == odp::nl::ovs31::kActionLbOutput);
  CHECK(refused_with(attr(odp::nl::ovs31::kActionTunnelPush, std::vector<std::uint8_t>(8, 0))) == odp::nl::ovs31::kActionTunnelPush);
  CHECK(refused_with(attr(OVS_ACTION_ATTR_OUTPUT, {1, 0})) == OVS_ACTION_ATTR_OUTPUT);
  CHECK(refused_with(attr(60, {})) == 60);
  CHECK(odp::decode_actions(attr(odp::nl::ovs31::kActionDrop, {0, 0, 0, 0})).size() == 1);
  CHECK_THROWS_AS(odp::encode_actions(odp::parse_actions("dec_ttl(le_1(1)),2")), odp::netlink_error);
}

TEST_CASE("random corruptions of valid action encodings never crash") {
  std::mt19937 rng(777);
  const auto valid = odp::encode_actions(odp::parse_actions(
      "clone(push_vlan(vid=5,pcp=0),1),sample(sample=50.0%,actions(2,userspace(pid=3,userdata(0102)))),check_pkt_len(size=200,gt(1),le(set(ipv4(ttl=3)),2))"));
  int refused = 0;
  for (int i = 0; i < 10000; i++) {
    auto b = valid;
    for (int e = 0; e < 1 + static_cast<int>(rng() % 3); e++) {
      if (rng() % 3 == 0) b.resize(rng() % b.size());
      else if (!b.empty()) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
      if (b.empty()) break;
    }
    try {
      odp::decode_actions(b);
    } catch (const odp::netlink_error&) {
      refused++;
    }
  }
  CHECK(refused > 1000);
}
