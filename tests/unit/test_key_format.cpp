// The key printer against OVS's rules for masks, wildcards and verbosity
// (lib/odp-util.c odp_flow_format and friends).
#include <doctest/doctest.h>

#include <cstring>

#include "odp/key_format.hpp"
#include "ovsxdp/base/types.h"

using namespace ovsxdp;

namespace {
struct key_and_mask {
  ovsxdp_flow_key key{}, mask{};
  key_and_mask() {
    key.in_port = 2;
    mask.in_port = ~0u;
    mask.recirc_id = ~0u;
  }
  std::string text(bool verbose = false) const { return odp::format_key(key, &mask, {.verbose = verbose}); }
};

void set_ipv4(key_and_mask& f) {
  f.key.eth_type = hton16(0x0800);
  f.mask.eth_type = 0xffff;
}
}  // namespace

TEST_CASE("wildcarded attributes are left out, eth() stays") {
  key_and_mask f;
  set_ipv4(f);
  f.mask.ip_frag = 0xff;
  CHECK(f.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)");
}

TEST_CASE("partial masks print as value/mask in each field's notation") {
  key_and_mask f;
  set_ipv4(f);
  f.key.nw.ipv4.dst = hton32(0x0a000000);
  f.mask.nw.ipv4.dst = hton32(0xffffff00);
  f.key.ip_tos = 0x80;
  f.mask.ip_tos = 0xf0;
  f.key.ip_proto = 6;
  f.mask.ip_proto = 0xff;
  f.mask.ip_frag = 0xff;
  f.key.tp_dst = hton16(0x5000);
  f.mask.tp_dst = hton16(0xff00);
  f.key.eth_src[5] = 1;
  f.mask.eth_src[5] = 0xff;
  CHECK(f.text() ==
        "recirc_id(0),in_port(2),eth(src=00:00:00:00:00:01/00:00:00:00:00:ff),eth_type(0x0800),"
        "ipv4(dst=10.0.0.0/255.255.255.0,proto=6,tos=0x80/0xf0,frag=no),tcp(dst=20480/0xff00),tcp_flags(0/0)");
}

TEST_CASE("attributes Linux requires print even when wildcarded, so a dump line installs again") {
  key_and_mask f;
  set_ipv4(f);  // eth_type(0x0800), nothing of IPv4 matched
  CHECK(f.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4()");
  f.key.ip_proto = 17;
  f.mask.ip_proto = 0xff;
  CHECK(f.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(proto=17),udp()");
  f.key.ip_frag = OVSXDP_FRAG_LATER;
  f.mask.ip_frag = 0xff;
  CHECK(f.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(proto=17,frag=later)");  // a later fragment has no L4
}

TEST_CASE("verbose prints every attribute with /0 masks, frag excepted") {
  key_and_mask f;
  set_ipv4(f);
  f.key.ip_proto = 17;
  f.key.ip_ttl = 64;
  const std::string text = f.text(true);
  CHECK(text.rfind("recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),"
                   "eth(src=00:00:00:00:00:00/00:00:00:00:00:00,dst=00:00:00:00:00:00/00:00:00:00:00:00),eth_type(0x0800),", 0) == 0);
  CHECK(text.find("ipv4(src=0.0.0.0/0.0.0.0,dst=0.0.0.0/0.0.0.0,proto=17/0,tos=0/0,ttl=64/0)") != std::string::npos);
}

TEST_CASE("flags: exact names, masked +/- form") {
  key_and_mask f;
  set_ipv4(f);
  f.key.ip_proto = 6;
  f.mask.ip_proto = 0xff;
  f.key.tcp_flags = hton16(0x012);
  f.mask.tcp_flags = hton16(0x0fff);
  CHECK(f.text().find("tcp_flags(syn|ack)") != std::string::npos);
  f.mask.tcp_flags = hton16(0x0012);
  f.key.tcp_flags = hton16(0x002);
  CHECK(f.text().find("tcp_flags(+syn-ack)") != std::string::npos);
  f.key.ct_state = OVSXDP_CS_TRACKED | OVSXDP_CS_NEW;
  f.mask.ct_state = OVSXDP_CS_TRACKED | OVSXDP_CS_NEW | OVSXDP_CS_ESTABLISHED;
  CHECK(f.text().find("ct_state(+new-est+trk)") != std::string::npos);
  CHECK(odp::format_tcp_flags(0x1ff) == "fin|syn|rst|psh|ack|urg|ece|cwr|ns");
  CHECK(odp::format_tcp_flags(0) == "0");
}

TEST_CASE("vlan and mpls masks") {
  key_and_mask f;
  f.key.vlan_tpid = hton16(0x8100);
  f.mask.vlan_tpid = 0xffff;
  f.key.vlan_tci = hton16(0x1000 | 10);
  f.mask.vlan_tci = hton16(0x1fff);
  f.key.eth_type = hton16(0x0800);
  f.mask.eth_type = 0xffff;
  f.mask.ip_frag = 0xff;
  CHECK(f.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no))");

  key_and_mask m;
  m.key.eth_type = hton16(0x8847);
  m.mask.eth_type = 0xffff;
  m.key.mpls_labels = 1;
  m.mask.mpls_labels = 1;
  m.key.nw.mpls.lse[0] = hton32(100u << 12 | 0x100 | 64);
  m.mask.nw.mpls.lse[0] = hton32(0xfffff000u);
  CHECK(m.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x8847),mpls(label=100/0xfffff,tc=0/0,ttl=64/0x0,bos=1/0)");
  m.mask.nw.mpls.lse[0] = ~0u;
  CHECK(m.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x8847),mpls(label=100,tc=0,ttl=64,bos=1)");
}

TEST_CASE("arp op prints the kernel's 16-bit form of an 8-bit mask") {
  key_and_mask f;
  f.key.eth_type = hton16(0x0806);
  f.mask.eth_type = 0xffff;
  f.key.ip_proto = 1;
  f.mask.ip_proto = 0xff;
  CHECK(f.text() == "recirc_id(0),in_port(2),eth(),eth_type(0x0806),arp(op=1/0xff)");
}

TEST_CASE("exact keys for parse-pcap leave out zero metadata") {
  ovsxdp_flow_key k{};
  k.in_port = 4;
  k.eth_type = hton16(0x88b5);
  CHECK(odp::format_key(k, nullptr, {.omit_zero_metadata = true}) == "in_port(4),eth(src=00:00:00:00:00:00,dst=00:00:00:00:00:00),eth_type(0x88b5)");
  k.skb_mark = 0x10;
  k.ct_labels[0] = 1;
  CHECK(odp::format_key(k, nullptr, {.omit_zero_metadata = true}) == "in_port(4),skb_mark(0x10),ct_label(0x1),eth(src=00:00:00:00:00:00,dst=00:00:00:00:00:00),eth_type(0x88b5)");
}

TEST_CASE("a conntrack tuple prints when only its mask names it, so the dump shows what the flow matches") {
  key_and_mask f;
  set_ipv4(f);
  f.mask.ip_frag = 0xff;
  f.key.ip_proto = 17;
  f.mask.ip_proto = 0xff;
  f.key.nw_ext.ct_orig_ipv4.src = hton32(0x0a000001);
  f.mask.nw_ext.ct_orig_ipv4.src = hton32(0xffffffff);
  const std::string text = f.text();
  CHECK(text.find("ct_tuple4(src=10.0.0.1") != std::string::npos);
  SUBCASE("not on ND, whose fields share that space") {
    key_and_mask nd;
    nd.key.eth_type = hton16(0x86dd);
    nd.mask.eth_type = 0xffff;
    nd.key.ip_proto = 58;
    nd.mask.ip_proto = 0xff;
    nd.key.tp_src = hton16(135);
    nd.mask.tp_src = 0xffff;
    nd.mask.nw_ext.nd.target[15] = 0xff;
    const std::string nd_text = nd.text();
    CHECK(nd_text.find("ct_tuple6") == std::string::npos);
    CHECK(nd_text.find("nd(target=") != std::string::npos);
  }
}
