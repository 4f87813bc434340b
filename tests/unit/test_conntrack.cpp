// Conntrack on the host side: the ct() action in text and netlink (OVS's
// syntax, both ways), install refusals, the TCP state machine and window
// checks the BPF tracker runs (include/ovsxdp/conntrack/), and the
// dump-conntrack / ct-stats-show formats.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "datapath/actions.hpp"
#include "datapath/conntrack_format.hpp"
#include "datapath/conntrack_match.hpp"
#include "datapath/validate.hpp"
#include "odp/flow_parse.hpp"
#include "odp/netlink.hpp"
#include "ovsxdp/conntrack/packet.h"
#include "ovsxdp/conntrack/tcp.h"
#include "ovsxdp/conntrack/timeouts.h"
#include "runtime/error.hpp"

using namespace ovsxdp;
namespace ct = ovsxdp::conntrack;

namespace {

std::string text_round_trip(const std::string& text) { return odp::format_actions(odp::parse_actions(text)); }

void validate(const std::string& actions) {
  const auto k = odp::parse_key("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp()");
  validate_actions(mask_key(k.key, k.mask), k.mask, odp::parse_actions(actions));
}

std::string refusal(const std::string& actions) {
  try {
    validate(actions);
  } catch (const invalid_flow& e) {
    return e.what();
  }
  return "";
}

ct::tcp_segment segment(std::uint32_t seq, std::uint32_t ack, std::uint16_t flags, std::uint32_t payload = 0, std::uint16_t window = 65535,
                        std::uint8_t wscale = 0) {
  return ct::tcp_segment{seq, ack, payload, window, flags, wscale};
}

using namespace ct::tcp_flag;

}  // namespace

TEST_CASE("ct() text: OVS's syntax parses and formats back as OVS prints it") {
  CHECK(text_round_trip("ct") == "ct");
  CHECK(text_round_trip("ct()") == "ct");
  CHECK(text_round_trip("ct(commit)") == "ct(commit)");
  CHECK(text_round_trip("ct(zone=5)") == "ct(zone=5)");
  CHECK(text_round_trip("ct(commit,zone=5,mark=0x1/0xff,label=0x1/0xff)") == "ct(commit,zone=5,mark=0x1/0xff,label=0x1/0xff)");
  // A missing mask is all ones; OVS prints a mark's mask always, a label's only when not all ones.
  CHECK(text_round_trip("ct(commit,mark=0x2a)") == "ct(commit,mark=0x2a/0xffffffff)");
  CHECK(text_round_trip("ct(commit,label=0x2a)") == "ct(commit,label=0x2a)");
  // A zero mask sets nothing (OVS leaves the attribute out).
  CHECK(text_round_trip("ct(commit,mark=0x1/0)") == "ct(commit)");
  CHECK(text_round_trip("ct(force_commit,label=0x1234567890abcdef1122334455667788)") ==
        "ct(force_commit,label=0x1234567890abcdef1122334455667788)");
  CHECK(text_round_trip("ct(nat)") == "ct(nat)");
  CHECK(text_round_trip("ct(commit,nat(src=10.0.0.1-10.0.0.5:1000-2000,random))") ==
        "ct(commit,nat(src=10.0.0.1-10.0.0.5:1000-2000,random))");
  CHECK(text_round_trip("ct(commit,nat(dst=[fd00::1]:80))") == "ct(commit,nat(dst=[fd00::1]:80))");
  CHECK(text_round_trip("ct(zone=1),recirc(0x2)") == "ct(zone=1),recirc(0x2)");

  CHECK_THROWS_AS(odp::parse_actions("ct(zone=70000)"), odp::syntax_error);
  CHECK_THROWS_AS(odp::parse_actions("ct(bogus)"), odp::syntax_error);
  CHECK_THROWS_AS(odp::parse_actions("ct(mark=0x1/)"), odp::syntax_error);
  CHECK_THROWS_AS(odp::parse_actions("ct(commit"), odp::syntax_error);
}

TEST_CASE("ct() in netlink: text, netlink and the datapath record agree") {
  for (const char* text : {"ct", "ct(commit)", "ct(force_commit,zone=65535)", "ct(commit,zone=5,mark=0x1/0xff,label=0x1/0xff)",
                           "ct(commit,nat(src=10.0.0.1-10.0.0.5:1000-2000,random))", "ct(nat)"}) {
    INFO(text);
    const action_list parsed = odp::parse_actions(text);
    const auto netlink = odp::encode_actions(parsed);
    const action_list back = odp::decode_actions(netlink);
    CHECK(odp::format_actions(back) == text);
    CHECK(odp::encode_actions(back) == netlink);
  }
  // The datapath record carries commit, zone, mark and label.
  const action_list stored = odp::parse_actions("ct(commit,zone=7,mark=0x10/0xf0,label=0x8000/0xff00)");
  CHECK(odp::format_actions(decode_actions(encode_actions(stored))) == "ct(commit,zone=7,mark=0x10/0xf0,label=0x8000/0xff00)");
}

TEST_CASE("ct() install: what the tracker cannot do is refused with the reason") {
  CHECK_NOTHROW(validate("ct(commit,zone=5,mark=0x1/0xff),recirc(1)"));
  CHECK_NOTHROW(validate("ct(zone=5),recirc(1)"));
  CHECK_THROWS_AS(odp::parse_actions("ct(commit,force_commit)"), odp::syntax_error);
  auto refusal_of = [](const act::ct& c) {
    try {
      const auto k = odp::parse_key("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp()");
      validate_actions(mask_key(k.key, k.mask), k.mask, action_list{c});
    } catch (const invalid_flow& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  act::ct both;
  both.commit = both.force_commit = true;
  CHECK(refusal_of(both).find("exclude each other") != std::string::npos);
  act::ct zero_mask;
  zero_mask.commit = true;
  zero_mask.mark = std::pair{1u, 0u};
  CHECK(refusal_of(zero_mask).find("mask cannot be 0") != std::string::npos);
  CHECK(refusal("ct(commit,nat(src=10.0.0.1))").find("nat is not supported") != std::string::npos);
  CHECK(refusal("ct(commit,helper=ftp)").find("no ALG helpers") != std::string::npos);
  CHECK(refusal("ct(mark=0x1)").find("only with commit") != std::string::npos);
  CHECK(refusal("ct(label=0x1)").find("only with commit") != std::string::npos);
}

TEST_CASE("TCP tracking: a handshake establishes, data flows both ways, FIN and RST close") {
  ovsxdp_ct_entry e{};
  const auto first = segment(1000, 0, syn, 0, 64240, OVSXDP_CT_WSCALE_FLAG | 7);
  REQUIRE(ct::tcp_valid_new(first));
  ct::tcp_new(e, first);
  CHECK(e.tcp[0].state == OVSXDP_TCPS_SYN_SENT);
  CHECK(e.timeout == OVSXDP_CT_TM_TCP_SYN_SENT);
  // A retransmitted SYN is still new.
  CHECK(ct::tcp_update(e, first, false) == ct::update::valid_new);
  CHECK(ct::tcp_update(e, segment(5000, 1001, syn | ack, 0, 65160, OVSXDP_CT_WSCALE_FLAG | 7), true) == ct::update::valid);
  CHECK(ct::tcp_update(e, segment(1001, 5001, ack, 0, 502), false) == ct::update::valid);
  CHECK(e.tcp[0].state == OVSXDP_TCPS_ESTABLISHED);
  CHECK(e.tcp[1].state == OVSXDP_TCPS_ESTABLISHED);
  CHECK(e.timeout == OVSXDP_CT_TM_TCP_ESTABLISHED);
  CHECK(ct::tcp_update(e, segment(1001, 5001, ack | psh, 100, 502), false) == ct::update::valid);
  CHECK(ct::tcp_update(e, segment(5001, 1101, ack | psh, 1000, 509), true) == ct::update::valid);
  CHECK(ct::tcp_update(e, segment(1101, 6001, ack, 0, 502), false) == ct::update::valid);
  CHECK(ct::tcp_update(e, segment(1101, 6001, fin | ack, 0, 502), false) == ct::update::valid);
  CHECK(e.tcp[0].state == OVSXDP_TCPS_CLOSING);
  CHECK(ct::tcp_update(e, segment(6001, 1102, fin | ack, 0, 509), true) == ct::update::valid);
  CHECK(ct::tcp_update(e, segment(1102, 6002, ack, 0, 502), false) == ct::update::valid);
  CHECK(e.tcp[0].state == OVSXDP_TCPS_FIN_WAIT_2);
  CHECK(e.tcp[1].state == OVSXDP_TCPS_FIN_WAIT_2);
  CHECK(e.timeout == OVSXDP_CT_TM_TCP_CLOSE);
  // A new SYN on a connection closed both ways starts it over.
  CHECK(ct::tcp_update(e, segment(90000, 0, syn, 0, 64240), false) == ct::update::restart);
}

TEST_CASE("TCP tracking: out-of-window segments and impossible flags are invalid, and change nothing") {
  ovsxdp_ct_entry e{};
  ct::tcp_new(e, segment(1000, 0, syn, 0, 64240));
  REQUIRE(ct::tcp_update(e, segment(5000, 1001, syn | ack, 0, 65160), true) == ct::update::valid);
  REQUIRE(ct::tcp_update(e, segment(1001, 5001, ack, 0, 64240), false) == ct::update::valid);
  const ovsxdp_ct_entry before = e;
  // Data far beyond what the peer's window allows.
  CHECK(ct::tcp_update(e, segment(1001 + 10000000, 5001, ack | psh, 100, 64240), false) == ct::update::invalid);
  // An ack for data the peer never sent.
  CHECK(ct::tcp_update(e, segment(1001, 5001 + 10000000, ack, 0, 64240), false) == ct::update::invalid);
  // An RST whose sequence number is not the expected one.
  CHECK(ct::tcp_update(e, segment(1001 + 30000, 5001, rst, 0, 0), false) == ct::update::invalid);
  CHECK(std::memcmp(&before, &e, sizeof e) == 0);
  for (std::uint16_t f : {std::uint16_t(syn | fin), std::uint16_t(syn | rst), std::uint16_t(0), std::uint16_t(fin), std::uint16_t(psh),
                          std::uint16_t(fin | psh | urg)}) {
    INFO("flags " << f);
    CHECK(ct::tcp_flags_invalid(f));
    CHECK(ct::tcp_update(e, segment(1001, 5001, f, 0, 64240), false) == ct::update::invalid);
  }
  // Only a SYN, or a mid-stream segment (picked up loosely), opens a connection; never a SYN-ACK.
  CHECK(ct::tcp_valid_new(segment(1, 0, syn)));
  CHECK(ct::tcp_valid_new(segment(1, 1, ack)));
  CHECK_FALSE(ct::tcp_valid_new(segment(1, 1, syn | ack)));
  CHECK_FALSE(ct::tcp_valid_new(segment(1, 1, syn | fin)));
}

TEST_CASE("TCP tracking: the window scale option is found among other options") {
  std::uint8_t o[ct::kTcpOptionsMax] = {};
  // MSS (4), SACK permitted (2), timestamps (10), NOP, window scale 7: Linux's SYN.
  const std::uint8_t linux_syn[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  std::memcpy(o, linux_syn, sizeof linux_syn);
  CHECK(ct::tcp_wscale(o, sizeof linux_syn) == (OVSXDP_CT_WSCALE_FLAG | 7));
  // A shift over 14 is clamped (RFC 7323).
  o[19] = 20;
  CHECK(ct::tcp_wscale(o, sizeof linux_syn) == (OVSXDP_CT_WSCALE_FLAG | 14));
  // No option, an end-of-list before it, and a truncated option: none.
  CHECK(ct::tcp_wscale(o, 16) == 0);
  o[0] = 0;
  CHECK(ct::tcp_wscale(o, sizeof linux_syn) == 0);
  const std::uint8_t truncated[] = {1, 1, 3, 3};
  std::memcpy(o, truncated, sizeof truncated);
  CHECK(ct::tcp_wscale(o, 3) == 0);
  CHECK(ct::tcp_wscale(o, 4) == 0);  // the shift byte is past the length
  // A zero-length option cannot stall the scan.
  std::memset(o, 0, sizeof o);
  o[0] = 5;
  o[1] = 0;
  CHECK(ct::tcp_wscale(o, ct::kTcpOptionsMax) == 0);
}

TEST_CASE("UDP and ICMP tracking: new until the reply, then established, with OVS's timeouts") {
  ovsxdp_ct_entry u{};
  ct::other_new(u);
  CHECK(u.timeout == OVSXDP_CT_TM_UDP_FIRST);
  CHECK(ct::other_update(u, false) == ct::update::valid_new);
  CHECK(u.timeout == OVSXDP_CT_TM_UDP_SINGLE);
  CHECK(ct::other_update(u, true) == ct::update::valid);
  CHECK(ct::other_update(u, false) == ct::update::valid);
  CHECK(u.timeout == OVSXDP_CT_TM_UDP_MULTIPLE);
  CHECK(ct::timeout_seconds(u.timeout) == 30);

  ovsxdp_ct_entry i{};
  ct::icmp_new(i);
  CHECK(ct::icmp_update(i, false) == ct::update::valid_new);
  CHECK(ct::icmp_update(i, true) == ct::update::valid);
  CHECK(i.timeout == OVSXDP_CT_TM_ICMP_REPLY);
  CHECK(ct::timeout_seconds(OVSXDP_CT_TM_TCP_ESTABLISHED) == 86400);
}

TEST_CASE("dump-conntrack and ct-stats-show print as ovs-dpctl does") {
  conntrack_entry tcp;
  tcp.original.family = OVSXDP_CT_IPV4;
  tcp.original.proto = IPPROTO_TCP;
  inet_pton(AF_INET, "10.1.1.1", tcp.original.src);
  inet_pton(AF_INET, "10.1.1.2", tcp.original.dst);
  tcp.original.src_port = htons(40000);
  tcp.original.dst_port = htons(80);
  tcp.original.zone = 5;
  ct::reverse_tuple(tcp.original, tcp.reply);
  tcp.state.mark = 1;
  tcp.state.labels[0] = 0x02;
  tcp.state.labels[15] = 0x80;
  tcp.state.tcp[0].state = OVSXDP_TCPS_ESTABLISHED;
  tcp.state.tcp[1].state = OVSXDP_TCPS_SYN_RECV;
  CHECK(format_conntrack_entry(tcp) ==
        "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=40000,dport=80),reply=(src=10.1.1.2,dst=10.1.1.1,sport=80,dport=40000),zone=5,mark=1,"
        "labels=0x80000000000000000000000000000002,protoinfo=(state=ESTABLISHED)");
  tcp.state.tcp[0].state = OVSXDP_TCPS_FIN_WAIT_2;
  CHECK(format_conntrack_entry(tcp).find("protoinfo=(state=TIME_WAIT)") != std::string::npos);

  conntrack_entry ping;
  ping.original.family = OVSXDP_CT_IPV6;
  ping.original.proto = IPPROTO_ICMPV6;
  inet_pton(AF_INET6, "fd00::1", ping.original.src);
  inet_pton(AF_INET6, "fd00::2", ping.original.dst);
  ping.original.src_port = htons(7);
  ping.original.dst_port = htons(128);
  ct::reverse_tuple(ping.original, ping.reply);
  ping.state.packets[0] = 3;
  ping.state.bytes[0] = 312;
  ping.expires_in_ns = 29500000000ULL;
  CHECK(format_conntrack_entry(ping) ==
        "icmpv6,orig=(src=fd00::1,dst=fd00::2,id=7,type=128,code=0),reply=(src=fd00::2,dst=fd00::1,id=7,type=129,code=0)");
  const std::string with_stats = format_conntrack_entry(ping, true);
  CHECK(with_stats.find("type=128,code=0,packets=3,bytes=312)") != std::string::npos);
  CHECK(with_stats.find(",start=") != std::string::npos);
  CHECK(with_stats.find(",timeout=29") != std::string::npos);

  const conntrack_entry both[] = {tcp, ping};
  CHECK(format_conntrack_stats(both) == "Connections Stats:\n    Total: 2\n  TCP: 1\n  ICMPv6: 1\n");
  CHECK(format_conntrack_stats(both, true).find("\t  [TIME_WAIT]=1\n") != std::string::npos);
}

TEST_CASE("flush-conntrack tuples: OVS's syntax, its refusals, and partial matches") {
  conntrack_entry tcp;
  tcp.original.family = OVSXDP_CT_IPV4;
  tcp.original.proto = IPPROTO_TCP;
  inet_pton(AF_INET, "10.1.1.1", tcp.original.src);
  inet_pton(AF_INET, "10.1.1.2", tcp.original.dst);
  tcp.original.src_port = htons(40000);
  tcp.original.dst_port = htons(80);
  ct::reverse_tuple(tcp.original, tcp.reply);
  conntrack_entry ping;
  ping.original.family = OVSXDP_CT_IPV6;
  ping.original.proto = IPPROTO_ICMPV6;
  inet_pton(AF_INET6, "fd00::1", ping.original.src);
  inet_pton(AF_INET6, "fd00::2", ping.original.dst);
  ping.original.src_port = htons(7);
  ping.original.dst_port = htons(128);
  ct::reverse_tuple(ping.original, ping.reply);

  auto parse = [](const std::string& orig, const std::string& reply = {}) {
    conntrack_match m;
    parse_conntrack_tuple(orig, false, m);
    if (!reply.empty()) parse_conntrack_tuple(reply, true, m);
    return m;
  };
  CHECK(parse("").empty());
  CHECK(parse("ct_nw_proto=6").matches(tcp));
  CHECK_FALSE(parse("ct_nw_proto=6").matches(ping));
  CHECK(parse("ct_nw_dst=10.1.1.2,ct_nw_proto=6,ct_tp_dst=80").matches(tcp));
  CHECK_FALSE(parse("ct_nw_dst=10.1.1.2,ct_nw_proto=6,ct_tp_dst=81").matches(tcp));
  CHECK(parse("", "ct_nw_src=10.1.1.2,ct_nw_proto=6,ct_tp_src=80").matches(tcp));
  CHECK_FALSE(parse("", "ct_nw_src=10.1.1.1").matches(tcp));
  CHECK_FALSE(parse("ct_ipv6_src=fd00::1").matches(tcp));  // the family is part of the match
  CHECK(parse("ct_ipv6_src=fd00::1").matches(ping));
  // ICMP's identifier, type and code are compared even when not given, as OVS does.
  CHECK(parse("ct_nw_proto=58,icmp_id=7,icmp_type=128", "ct_nw_proto=58,icmp_id=7,icmp_type=129").matches(ping));
  CHECK_FALSE(parse("ct_nw_proto=58,icmp_id=7").matches(ping));

  CHECK(parse("ct_nw_src=10.1.1.1,ct_nw_dst=10.1.1.2,ct_nw_proto=6,ct_tp_src=1,ct_tp_dst=2").names_one_connection());
  CHECK_FALSE(parse("ct_nw_src=10.1.1.1,ct_nw_dst=10.1.1.2,ct_nw_proto=6,ct_tp_src=1").names_one_connection());
  CHECK(parse("ct_ipv6_src=fd00::1,ct_ipv6_dst=fd00::2,ct_nw_proto=58,icmp_id=7,icmp_type=128").names_one_connection());

  auto refusal = [&](const std::string& text) {
    try {
      parse(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(refusal("ct_nw_src=10.1.1") == "failed to parse field ct_nw_src: '10.1.1' is not an IPv4 address");
  CHECK(refusal("ct_nw_src=10.1.1.1,ct_ipv6_dst=fd00::1") == "the L3 protocol does not match fd00::1");
  CHECK(refusal("ct_nw_src=10.1.1.1,ct_nw_src=10.1.1.2") == "ct_nw_src is set multiple times");
  CHECK(refusal("ct_tp_src=80") == "port is set without protocol (give ct_nw_proto=N)");
  CHECK(refusal("ct_nw_proto=6,icmp_id=1").find("invalid L4 fields") == 0);
  CHECK(refusal("ct_nw_proto=256") == "failed to parse field ct_nw_proto: '256' is not a number 0..255");
  CHECK(refusal("ct_nw_src=") == "field ct_nw_src missing value");
  CHECK(refusal("nw_src=10.1.1.1").find("invalid conntrack tuple field: nw_src") == 0);
}
