// The round trip ovsxdp-dpctl promises: every flow add-flow accepts is printed
// back by dump-flows (plain and -m) in a form add-flow accepts, denoting the
// same flow: same match, same mask, same actions, same UFID. Covers every key
// attribute (with and without masks) and every action.
#include <doctest/doctest.h>

#include <cstring>

#include "datapath/flow_text.hpp"
#include "odp/flow_parse.hpp"
#include "runtime/error.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

struct text_case {
  std::string key, actions;
};

const std::string kIp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";

// Every key attribute, exact and masked.
std::vector<text_case> key_cases() {
  return {
      {"recirc_id(0x5),dp_hash(0x1234/0xff),skb_priority(0x3),skb_mark(0x10/0xf0),in_port(1),"
       "eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:00/ff:ff:ff:00:00:00),eth_type(0x0800),"
       "ipv4(src=10.0.0.0/255.255.255.0,dst=10.0.0.2,proto=6,tos=0x10/0xfc,ttl=64,frag=no),tcp(src=80,dst=0x100/0xff00),tcp_flags(+syn-ack)",
       "2"},
      {"ct_state(+new-est+trk),ct_zone(5),ct_mark(0x1/0xf),ct_label(0x1/0xff),recirc_id(1),in_port(1),eth(),eth_type(0x0800),"
       "ipv4(proto=6,frag=no),tcp(dst=22),tcp_flags(0/0)",
       "2"},
      {"ct_state(+est+trk),recirc_id(2),in_port(1),ct_tuple4(src=10.0.0.1,dst=10.0.0.2,proto=6,tp_src=1000,tp_dst=80),eth(),"
       "eth_type(0x0800),ipv4(frag=no)",
       "2"},
      {"ct_state(+est+trk),recirc_id(3),in_port(1),ct_tuple6(src=2001:db8::1,dst=2001:db8::2,proto=17,tp_src=53,tp_dst=5353),eth(),"
       "eth_type(0x86dd),ipv6(frag=no)",
       "2"},
      {"tunnel(tun_id=0x5,src=172.31.1.1,dst=172.31.1.100,ttl=64,tp_dst=4789,flags(+key)),recirc_id(0),in_port(1),eth(),"
       "eth_type(0x0800),ipv4(frag=no)",
       "2"},
      {"recirc_id(0),in_port(1),packet_type(ns=1,id=0x800),eth_type(0x0800),ipv4(dst=192.168.0.0/255.255.0.0,frag=no)", "push_eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=53))", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=200/0xff0,pcp=5),encap(eth_type(0x0806),arp()))",
       "pop_vlan,2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x8847),mpls(label=1000,tc=0,ttl=64,bos=0,label=2000,tc=0,ttl=64,bos=1)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x8848),mpls(label=5/0xff,tc=1,ttl=32/0xf0,bos=1)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(mdtype=1,np=3,spi=0x1234,c1=0x11223344)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(flags=1,ttl=0x3f/0x30,np=1,spi=0x30/0xfffff0,si=254/0xfe,c4=0x1/0xff)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh()", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(src=2001:db8::/ffff:ffff::,dst=2001:db8::2,label=0x12345,proto=17,tclass=0x10/0xf0,"
       "hlimit=64,frag=no),udp(src=1000,dst=2000/0xff00)",
       "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),"
       "nd(target=2001:db8::2,sll=50:54:00:00:00:01,tll=00:00:00:00:00:00)",
       "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=first)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=132,frag=no),sctp(src=9,dst=10/0xfe)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=later)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.0/255.0.0.0,op=1,sha=50:54:00:00:00:01,tha=00:00:00:00:00:00)", "2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x8035),arp(op=2)", "2"},
      {"recirc_id(0),in_port(1),eth(src=50:54:00:00:00:01)", "2"},  // no eth_type: 802.2, as Linux reads it
  };
}

// Every action.
std::vector<text_case> action_cases() {
  const std::string tcp = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(0/0)";
  const std::string udp = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp()";
  const std::string sctp = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=132,frag=no),sctp()";
  const std::string ip6 = "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)";
  const std::string mpls = "recirc_id(0),in_port(1),eth(),eth_type(0x8847),mpls(label=100,tc=0,ttl=64,bos=1)";
  const std::string vlan = "recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no))";
  const std::string arp = "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()";
  const std::string ns = "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd()";
  const std::string icmp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp()";
  const std::string icmp6 = "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6()";
  const std::string nsh = "recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(np=1)";
  const std::string push_eth = "push_eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb)";
  return {
      {arp, "set(arp(sip=10.0.0.9,tip=10.0.0.8,op=2,sha=02:00:00:00:00:01,tha=02:00:00:00:00:02)),2"},
      {arp, "set(arp(tip=10.0.0.0/255.0.0.0,op=256)),2"},
      {ns, "set(nd(target=2001:db8::9,sll=02:00:00:00:00:01,tll=00:00:00:00:00:00)),2"},
      {ns, "set(nd(sll=00:00:00:00:00:01/00:00:00:00:00:ff)),2"},
      {icmp4, "set(icmp(type=0,code=0)),2"},
      {icmp4, "set(icmp(code=3/0xf)),2"},
      {icmp6, "set(icmpv6(type=129,code=0)),2"},
      {kIp4, "push_nsh(flags=1,ttl=9,mdtype=1,np=3,spi=0x1234,si=255,c1=0x11223344,c2=0x0,c3=0x0,c4=0x1)," + push_eth + ",2"},
      {kIp4, "pop_eth,push_nsh(flags=0,ttl=63,mdtype=2,np=1,spi=0x5,si=4,md2=0x10000a04)," + push_eth + ",2"},
      {nsh, "pop_eth,pop_nsh()," + push_eth + ",2"},
      {kIp4, "2"},
      {kIp4, "drop"},
      {kIp4, "push_vlan(vid=10,pcp=3),2"},
      {kIp4, "push_vlan(tpid=0x88a8,vid=100,pcp=0),push_vlan(vid=200,pcp=7),2"},
      {vlan, "pop_vlan,2"},
      {kIp4, "set(eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)),2"},
      {kIp4, "set(eth(dst=02:00:00:00:00:00/ff:ff:ff:00:00:00)),2"},
      {kIp4, "set(ipv4(src=10.9.0.1,dst=10.9.0.2,tos=0x10,ttl=9)),2"},
      {kIp4, "set(ipv4(src=10.9.0.0/255.255.0.0,ttl=9/0xff)),2"},
      {ip6, "set(ipv6(src=2001:db8::99,dst=2001:db8::98,label=0x1,tclass=0x20,hlimit=7)),2"},
      {ip6, "set(ipv6(label=0x5/0xf,hlimit=9)),2"},
      {tcp, "set(tcp(src=81,dst=8080)),2"},
      {tcp, "set(tcp(dst=0x1f00/0xff00)),2"},
      {udp, "set(udp(src=1001,dst=53)),2"},
      {sctp, "set(sctp(src=9,dst=10)),2"},
      {mpls, "set(mpls(label=200,tc=1,ttl=9,bos=1)),2"},
      {mpls, "set(mpls(label=7/0xff)),2"},
      {kIp4, "set(skb_mark(0x7)),2"},
      {kIp4, "set(skb_mark(0x70/0xf0)),2"},
      {kIp4, "set(skb_priority(0x3)),2"},
      {kIp4, "dec_ttl(le_1(drop)),2"},
      {kIp4, "dec_ttl(le_1(userspace(pid=3,userdata(0a0b)))),2"},
      {kIp4, "trunc(100),2"},
      {kIp4, "hash(l4(0)),recirc(0x2)"},
      {kIp4, "hash(sym_l4(7)),recirc(0x3)"},
      {kIp4, "push_mpls(label=100,tc=1,ttl=64,bos=1,eth_type=0x8847),2"},
      {mpls, "pop_mpls(eth_type=0x800),2"},
      {kIp4, "add_mpls(label=7,tc=0,ttl=9,bos=1,eth_type=0x8847,tunnel),2"},
      {kIp4, "pop_eth,push_eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb),2"},
      {kIp4, "recirc(0x1)"},
      {kIp4, "userspace(pid=42),2"},
      {kIp4, "userspace(pid=42,userdata(cafe0102030405060708)),2"},
      {kIp4, "ct_clear,2"},
  };
}

void check_round_trip(const std::vector<text_case>& cases) {
  test_datapath first(3);
  for (const auto& c : cases) {
    CAPTURE(c.key);
    CAPTURE(c.actions);
    first.dp.add_flow(flow_from_text(c.key, c.actions));
  }
  const auto installed = first.dp.dump_flows();
  REQUIRE(installed.size() == cases.size());
  test_datapath second(3);
  for (bool verbose : {false, true}) {
    for (const auto& e : installed) {
      const std::string line = format_flow(e, {.verbose = verbose});
      CAPTURE(line);
      const auto text = split_flow_line(line);
      REQUIRE(text);
      const flow_spec back = flow_from_text(text->key, text->actions);
      CHECK(std::memcmp(&back.mask, &e.mask, sizeof e.mask) == 0);
      const ovsxdp_flow_key masked = [&] {
        ovsxdp_flow_key k = back.key;
        auto* kb = reinterpret_cast<std::uint8_t*>(&k);
        const auto* mb = reinterpret_cast<const std::uint8_t*>(&back.mask);
        for (std::size_t i = 0; i < sizeof k; i++) kb[i] &= mb[i];
        return k;
      }();
      CHECK(std::memcmp(&masked, &e.key, sizeof masked) == 0);
      CHECK(back.actions == e.actions);
      if (verbose) {
        REQUIRE(back.ufid);
        CHECK(std::memcmp(&*back.ufid, &e.ufid, sizeof e.ufid) == 0);
        // What was printed installs as the same flow elsewhere.
        second.dp.add_flow(back);
        const auto again = second.dp.get_flow(*back.ufid);
        REQUIRE(again);
        CHECK(format_flow(*again, {.verbose = true}) == line);
      }
    }
  }
}

}  // namespace

TEST_CASE("every key attribute, exact and masked, round-trips through dump-flows") { check_round_trip(key_cases()); }

TEST_CASE("every action round-trips through dump-flows") {
  // One flow per action list: give each its own recirc_id.
  auto cases = action_cases();
  for (std::size_t i = 0; i < cases.size(); i++) cases[i].key.replace(cases[i].key.find("recirc_id(0)"), 12, "recirc_id(" + std::to_string(i + 100) + ")");
  check_round_trip(cases);
}

TEST_CASE("dump-flows lines and add-flow argument pairs both read as flow lines") {
  auto t = split_flow_line("  recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)   push_vlan(vid=1,pcp=0),2  ");
  REQUIRE(t);
  CHECK(t->key == "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)");
  CHECK(t->actions == "push_vlan(vid=1,pcp=0),2");
  t = split_flow_line("ufid:01234567-89ab-cdef-0123-456789abcdef, in_port(1),eth(),eth_type(0x0806), packets:3, bytes:126, used:0.5s, flags:S., actions:drop");
  REQUIRE(t);
  CHECK(t->key == "ufid:01234567-89ab-cdef-0123-456789abcdef,in_port(1),eth(),eth_type(0x0806)");
  CHECK(t->actions == "drop");
  // A line from Open vSwitch's own dpctl/dump-flows -m (userspace datapath).
  t = split_flow_line("ufid:6c22d824-aa5d-4132-bf0e-e8412c74855b, recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),"
                      "ipv4(dst=10.0.0.2,frag=no), packets:1, bytes:54, used:0.007s, flags:S, dp:ovs, actions:push_vlan(vid=10,pcp=0),2, "
                      "dp-extra-info:miniflow_bits(4,2)");
  REQUIRE(t);
  CHECK(t->actions == "push_vlan(vid=10,pcp=0),2");
  CHECK_FALSE(split_flow_line("   # a comment"));
  CHECK_FALSE(split_flow_line(""));
  CHECK_THROWS_AS(split_flow_line("in_port(1),eth()"), odp::syntax_error);
}

TEST_CASE("statistics print the way ovs-dpctl prints them") {
  flow_stats s;
  CHECK(format_flow_stats(s, 5'000'000'000) == "packets:0, bytes:0, used:never");
  s = {12, 1176, 4'588'000'000, 0x012};
  CHECK(format_flow_stats(s, 5'000'000'000) == "packets:12, bytes:1176, used:0.412s, flags:S.");
  s.tcp_flags = 0x01a;
  CHECK(format_flow_stats(s, 5'000'000'000) == "packets:12, bytes:1176, used:0.412s, flags:SP.");
  CHECK(format_tcp_flags_compact(0xfff) == "SFPRU.ECN[200][400][800]");
}
