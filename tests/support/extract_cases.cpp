#include "support/extract_cases.hpp"

namespace ovsxdp::testing {
namespace {

const std::string kEth = "in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),";

packet_builder base() { return packet_builder().eth(kMacA, kMacB); }

bytes truncate(bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

}  // namespace

std::vector<extract_case> extract_cases() {
  std::vector<extract_case> c;
  auto add = [&](std::string name, bytes frame, std::string expected) {
    c.push_back({std::move(name), std::move(frame), std::move(expected)});
  };
  const std::string v4 = "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,";
  const std::string v6 = "eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,";

  add("ipv4 tcp syn", base().ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, 0x002).build(),
      kEth + v4 + "proto=6,tos=0,ttl=64,frag=no),tcp(src=1234,dst=80),tcp_flags(syn)");
  add("ipv4 udp tos ttl", base().ipv4("10.0.0.1", "10.0.0.2", {.tos = 0xb8, .ttl = 17}).udp(5000, 53).build(),
      kEth + v4 + "proto=17,tos=0xb8,ttl=17,frag=no),udp(src=5000,dst=53)");
  add("ipv4 icmp echo", base().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 0x00070001).build(),
      kEth + v4 + "proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)");
  add("ipv4 sctp", base().ipv4("10.0.0.1", "10.0.0.2").sctp(3868, 3869).payload(16).build(),
      kEth + v4 + "proto=132,tos=0,ttl=64,frag=no),sctp(src=3868,dst=3869)");
  add("ipv4 gre has no l4 fields", base().ipv4("10.0.0.1", "10.0.0.2").raw_l4(47, bytes(8, 0)).build(),
      kEth + v4 + "proto=47,tos=0,ttl=64,frag=no)");
  add("icmpv6 inside ipv4 is not parsed", base().ipv4("10.0.0.1", "10.0.0.2").raw_l4(58, bytes(8, 0x80)).build(),
      kEth + v4 + "proto=58,tos=0,ttl=64,frag=no)");
  add("every tcp flag", base().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0xfff).build(),
      kEth + v4 + "proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2),tcp_flags(fin|syn|rst|psh|ack|urg|ece|cwr|ns|[200]|[400]|[800])");
  add("tcp no flags", base().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0).build(),
      kEth + v4 + "proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2),tcp_flags(0)");
  add("tcp with options", base().ipv4("10.0.0.1", "10.0.0.2").tcp(443, 5555, 0x012, bytes{2, 4, 5, 0xb4}).build(),
      kEth + v4 + "proto=6,tos=0,ttl=64,frag=no),tcp(src=443,dst=5555),tcp_flags(syn|ack)");
  add("ipv4 options skipped", base().ipv4("10.0.0.1", "10.0.0.2", {.options = {0x94, 4, 0, 0}}).tcp(1234, 80).build(),
      kEth + v4 + "proto=6,tos=0,ttl=64,frag=no),tcp(src=1234,dst=80),tcp_flags(syn)");
  add("ipv4 first fragment", base().ipv4("10.0.0.1", "10.0.0.2", {.more_fragments = true}).udp(5000, 53).payload(16).build(),
      kEth + v4 + "proto=17,tos=0,ttl=64,frag=first),udp(src=5000,dst=53)");
  add("ipv4 later fragment keeps proto, no l4",
      base().ipv4("10.0.0.1", "10.0.0.2", {.fragment_offset = 3, .protocol = 17}).payload(16).build(),
      kEth + v4 + "proto=17,tos=0,ttl=64,frag=later)");
  add("ipv4 df is not a fragment", base().ipv4("10.0.0.1", "10.0.0.2", {.dont_fragment = true}).udp(1, 2).build(),
      kEth + v4 + "proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)");
  add("ipv4 ihl below 5 zeroes ipv4", base().ipv4("10.0.0.1", "10.0.0.2", {.header_length = 4}).tcp(1, 2).build(),
      kEth + "eth_type(0x0800),ipv4(src=0.0.0.0,dst=0.0.0.0,proto=0,tos=0,ttl=0,frag=no)");
  add("ipv4 header longer than frame", truncate(base().ipv4("10.0.0.1", "10.0.0.2", {.options = bytes(8, 1)}).build(), 14 + 24),
      kEth + "eth_type(0x0800),ipv4(src=0.0.0.0,dst=0.0.0.0,proto=0,tos=0,ttl=0,frag=no)");
  add("ethernet header only with ipv4 type", truncate(base().ipv4("10.0.0.1", "10.0.0.2").build(), 14),
      kEth + "eth_type(0x0800),ipv4(src=0.0.0.0,dst=0.0.0.0,proto=0,tos=0,ttl=0,frag=no)");
  add("truncated tcp header zeroes ports and flags", truncate(base().ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80).build(), 14 + 20 + 10),
      kEth + v4 + "proto=6,tos=0,ttl=64,frag=no),tcp(src=0,dst=0),tcp_flags(0)");
  add("truncated udp header", truncate(base().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), 14 + 20 + 7),
      kEth + v4 + "proto=17,tos=0,ttl=64,frag=no),udp(src=0,dst=0)");
  add("icmp needs 8 bytes", truncate(base().ipv4("10.0.0.1", "10.0.0.2").icmp(3, 1).build(), 14 + 20 + 4),
      kEth + v4 + "proto=1,tos=0,ttl=64,frag=no),icmp(type=0,code=0)");
  add("trailing ethernet padding is payload", [] {
        bytes b = base().ipv4("10.0.0.1", "10.0.0.2").udp(7, 9).build();
        b.resize(64, 0);
        return b;
      }(),
      kEth + v4 + "proto=17,tos=0,ttl=64,frag=no),udp(src=7,dst=9)");

  add("arp request", base().arp(1, kMacA, "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2").build(),
      kEth + "eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=50:54:00:00:00:01,tha=00:00:00:00:00:00)");
  add("rarp", packet_builder().eth(kMacA, kMacB, 0x8035).arp(3, kMacA, "0.0.0.0", kMacA, "0.0.0.0").build(),
      kEth + "eth_type(0x8035),arp(sip=0.0.0.0,tip=0.0.0.0,op=3,sha=50:54:00:00:00:01,tha=50:54:00:00:00:01)");
  add("arp opcode above 255 keeps addresses, op 0", base().arp(0x0101, kMacA, "10.0.0.1", kMacB, "10.0.0.2").build(),
      kEth + "eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=0,sha=50:54:00:00:00:01,tha=50:54:00:00:00:02)");
  add("arp with bad hardware length is all zero", [] {
        bytes b = base().arp(1, kMacA, "10.0.0.1", kMacB, "10.0.0.2").build();
        b[14 + 4] = 8;
        return b;
      }(),
      kEth + "eth_type(0x0806),arp(sip=0.0.0.0,tip=0.0.0.0,op=0,sha=00:00:00:00:00:00,tha=00:00:00:00:00:00)");
  add("truncated arp", truncate(base().arp(1, kMacA, "10.0.0.1", kMacB, "10.0.0.2").build(), 14 + 27),
      kEth + "eth_type(0x0806),arp(sip=0.0.0.0,tip=0.0.0.0,op=0,sha=00:00:00:00:00:00,tha=00:00:00:00:00:00)");

  const std::string udp_in_vlan = "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=5000,dst=53)";
  add("single vlan", base().vlan(10, 3).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).build(),
      kEth + "eth_type(0x8100),vlan(vid=10,pcp=3),encap(" + udp_in_vlan + ")");
  add("dei bit is not part of the key", base().vlan(10, 3, 0x8100, true).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).build(),
      kEth + "eth_type(0x8100),vlan(vid=10,pcp=3),encap(" + udp_in_vlan + ")");
  add("priority tag vid 0", base().vlan(0, 5).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).build(),
      kEth + "eth_type(0x8100),vlan(vid=0,pcp=5),encap(" + udp_in_vlan + ")");
  add("qinq 88a8 over 8100", base().vlan(100, 5, 0x88a8).vlan(200, 1).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).build(),
      kEth + "eth_type(0x88a8),vlan(vid=100,pcp=5),encap(eth_type(0x8100),vlan(vid=200,pcp=1),encap(" + udp_in_vlan + "))");
  add("double 8100", base().vlan(7, 0).vlan(8, 0).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).build(),
      kEth + "eth_type(0x8100),vlan(vid=7,pcp=0),encap(eth_type(0x8100),vlan(vid=8,pcp=0),encap(" + udp_in_vlan + "))");
  add("third tag stops parsing", base().vlan(1).vlan(2).vlan(3).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).build(),
      kEth + "eth_type(0x8100),vlan(vid=1,pcp=0),encap(eth_type(0x8100),vlan(vid=2,pcp=0),encap(eth_type(0x8100)))");
  add("truncated vlan tag", truncate(base().vlan(10).ipv4("10.0.0.1", "10.0.0.2").build(), 14 + 3),
      kEth + "eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap()");
  add("vlan with arp", base().vlan(20, 0).arp(2, kMacA, "10.0.0.1", kMacB, "10.0.0.2").build(),
      kEth + "eth_type(0x8100),vlan(vid=20,pcp=0),encap(eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=2,sha=50:54:00:00:00:01,tha=50:54:00:00:00:02))");

  add("mpls two labels", base().mpls(100, 1, 64).mpls(200, 2, 63).ipv4("10.0.0.1", "10.0.0.2").udp(5000, 53).build(),
      kEth + "eth_type(0x8847),mpls(label=100,tc=1,ttl=64,bos=0,label=200,tc=2,ttl=63,bos=1)");
  add("mpls four labels keeps three",
      base().mpls(1, 0, 1).mpls(2, 0, 2).mpls(3, 0, 3).mpls(4, 0, 4).ipv4("10.0.0.1", "10.0.0.2").build(),
      kEth + "eth_type(0x8847),mpls(label=1,tc=0,ttl=1,bos=0,label=2,tc=0,ttl=2,bos=0,label=3,tc=0,ttl=3,bos=0)");
  add("mpls without bottom of stack has no labels", truncate(base().mpls(100).mpls(200).build(), 14 + 4), kEth + "eth_type(0x8847)");

  add("ipv6 tcp", base().ipv6("2001:db8::1", "2001:db8::2", {.traffic_class = 0x28, .flow_label = 0x12345}).tcp(1234, 80, 0x012).build(),
      kEth + v6 + "label=0x12345,proto=6,tclass=0x28,hlimit=64,frag=no),tcp(src=1234,dst=80),tcp_flags(syn|ack)");
  add("ipv6 udp", base().ipv6("2001:db8::1", "2001:db8::2").udp(546, 547).build(),
      kEth + v6 + "label=0,proto=17,tclass=0,hlimit=64,frag=no),udp(src=546,dst=547)");
  add("ipv6 hop-by-hop destination fragment first",
      base().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(0).ipv6_extension(60).ipv6_fragment(0, true).udp(5000, 53).payload(16).build(),
      kEth + v6 + "label=0,proto=17,tclass=0,hlimit=64,frag=first),udp(src=5000,dst=53)");
  add("ipv6 later fragment has proto 44",
      base().ipv6("2001:db8::1", "2001:db8::2").ipv6_fragment(185, false).raw_l4(17, bytes(16, 0x79)).build(),
      kEth + v6 + "label=0,proto=44,tclass=0,hlimit=64,frag=later)");
  add("ipv6 atomic fragment is a first fragment in Linux",
      base().ipv6("2001:db8::1", "2001:db8::2").ipv6_fragment(0, false).udp(5000, 53).build(),
      kEth + v6 + "label=0,proto=17,tclass=0,hlimit=64,frag=first),udp(src=5000,dst=53)");
  add("ipv6 routing header", base().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(43, bytes{0, 0}).tcp(1, 2).build(),
      kEth + v6 + "label=0,proto=6,tclass=0,hlimit=64,frag=no),tcp(src=1,dst=2),tcp_flags(syn)");
  add("ipv6 authentication header", base().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(51, bytes(10, 0)).udp(1, 2).build(),
      kEth + v6 + "label=0,proto=17,tclass=0,hlimit=64,frag=no),udp(src=1,dst=2)");
  add("ipv6 no next header", base().ipv6("2001:db8::1", "2001:db8::2", {.next_header = 59}).payload(8).build(),
      kEth + v6 + "label=0,proto=59,tclass=0,hlimit=64,frag=no)");
  add("ipv6 truncated extension chain gives proto 59",
      truncate(base().ipv6("2001:db8::1", "2001:db8::2", {.flow_label = 5}).ipv6_extension(0).tcp(1, 2).build(), 14 + 40 + 1),
      kEth + v6 + "label=0x5,proto=59,tclass=0,hlimit=64,frag=no)");
  add("ipv6 header truncated zeroes ipv6", truncate(base().ipv6("2001:db8::1", "2001:db8::2").build(), 14 + 39),
      kEth + "eth_type(0x86dd),ipv6(src=::,dst=::,label=0,proto=0,tclass=0,hlimit=0,frag=no)");
  add("neighbor solicitation with sll", base().ipv6("2001:db8::1", "2001:db8::2", {.hop_limit = 255}).nd(135, "2001:db8::2", kMacA).build(),
      kEth + v6 + "label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=2001:db8::2,sll=50:54:00:00:00:01,tll=00:00:00:00:00:00)");
  add("neighbor advertisement with tll",
      base().ipv6("2001:db8::1", "2001:db8::2", {.hop_limit = 255}).nd(136, "2001:db8::1", {}, {}, kMacB).build(),
      kEth + v6 + "label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=136,code=0),nd(target=2001:db8::1,sll=00:00:00:00:00:00,tll=50:54:00:00:00:02)");
  add("neighbor solicitation with two sll options is invalid", [] {
        bytes body(4, 0);
        auto t = parse_ipv6("2001:db8::2");
        body.insert(body.end(), t.begin(), t.end());
        for (int i = 0; i < 2; i++) {
          bytes opt{1, 1, 0x50, 0x54, 0, 0, 0, static_cast<std::uint8_t>(i + 1)};
          body.insert(body.end(), opt.begin(), opt.end());
        }
        return base().ipv6("2001:db8::1", "2001:db8::2", {.hop_limit = 255}).icmpv6(135, 0, body).build();
      }(),
      kEth + v6 + "label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=::,sll=00:00:00:00:00:00,tll=00:00:00:00:00:00)");
  add("neighbor solicitation with code 1 keeps nd zero",
      base().ipv6("2001:db8::1", "2001:db8::2", {.hop_limit = 255}).nd(135, "2001:db8::2", kMacA, 1).build(),
      kEth + v6 + "label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=1),nd(target=::,sll=00:00:00:00:00:00,tll=00:00:00:00:00:00)");
  add("icmpv6 echo", base().ipv6("2001:db8::1", "2001:db8::2").icmpv6(128, 0, bytes{0, 1, 0, 1}).build(),
      kEth + v6 + "label=0,proto=58,tclass=0,hlimit=64,frag=no),icmpv6(type=128,code=0)");

  add("802.3 llc frame has no eth_type", base().llc(0x42, 0x42, 0x03).payload(35).build(), kEth + "eth_type(0/0xffff)");
  add("snap with zero oui carries an ethertype", base().snap(0, 0x0800).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(),
      kEth + v4 + "proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)");
  add("snap with cisco oui is 802.2", base().snap(0x00000c, 0x2000).payload(30).build(), kEth + "eth_type(0/0xffff)");
  add("unknown ethertype", packet_builder().eth(kMacA, kMacB, 0x88b5).payload(46).build(), kEth + "eth_type(0x88b5)");
  // NSH (Linux parse_nsh): MD type 1 context in the key, MD type 2 without;
  // a bad version, an MD type 1 length other than 24, an unknown MD type or a
  // cut header fail the extraction, and Linux drops the packet.
  const bytes nsh_md1 = {0x0f, 0xc6, 1, 3, 0x00, 0x01, 0x23, 0xff, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
                         0x33, 0x33, 0x33, 0x33, 0x44, 0x44, 0x44, 0x44};
  const bytes inner = packet_builder().eth(kMacB, kMacA).ipv4("10.9.0.1", "10.9.0.2").udp(1, 2).build();
  add("nsh md type 1", packet_builder().eth(kMacA, kMacB, 0x894f).payload([&] {
        bytes h = nsh_md1;
        h.insert(h.end(), inner.begin(), inner.end());
        return h;
      }()).build(),
      kEth + "eth_type(0x894f),nsh(flags=0,ttl=63,mdtype=1,np=3,spi=0x123,si=255,c1=0x11111111,c2=0x22222222,c3=0x33333333,c4=0x44444444)");
  add("nsh md type 2, context not in the key",
      packet_builder().eth(kMacA, kMacB, 0x894f).payload(bytes{0x21, 0x44, 2, 1, 0x00, 0xab, 0xcd, 0x01, 0x00, 0x01, 0x02, 0x01, 0xde, 0xad, 0xbe, 0xef}).build(),
      kEth + "eth_type(0x894f),nsh(flags=2,ttl=5,mdtype=2,np=1,spi=0xabcd,si=1,c1=0x0,c2=0x0,c3=0x0,c4=0x0)");
  add("nsh version 1 is dropped", packet_builder().eth(kMacA, kMacB, 0x894f).payload([&] {
        bytes h = nsh_md1;
        h[0] |= 0x40;
        return h;
      }()).build(),
      "bad_nsh");
  add("nsh md type 1 with a length other than 24 is dropped", packet_builder().eth(kMacA, kMacB, 0x894f).payload([&] {
        bytes h = nsh_md1;
        h[1] = static_cast<std::uint8_t>((h[1] & 0xc0) | 5);
        return h;
      }()).build(),
      "bad_nsh");
  add("nsh md type 3 is dropped", packet_builder().eth(kMacA, kMacB, 0x894f).payload([&] {
        bytes h = nsh_md1;
        h[2] = 3;
        return h;
      }()).build(),
      "bad_nsh");
  add("nsh cut short is dropped", packet_builder().eth(kMacA, kMacB, 0x894f).payload(bytes(nsh_md1.begin(), nsh_md1.begin() + 6)).build(), "bad_nsh");
  add("runt frame", bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "runt");
  add("empty frame", bytes{}, "runt");
  return c;
}

}  // namespace ovsxdp::testing
