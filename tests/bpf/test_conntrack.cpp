// Conntrack in the datapath: ct() commits and tracks connections in the
// BPF table (execute runs are live and change it; trace runs compute the
// same ct_state on a copy and leave it alone), recirculated lookups match
// ct_state, ct_zone and ct_mark, zones are separate tables, the TCP window
// check marks out-of-window segments invalid, and the host dumps, counts
// and flushes the table.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "datapath/conntrack_format.hpp"
#include "datapath/conntrack_match.hpp"
#include "odp/flow_parse.hpp"
#include "packet/packet_builder.hpp"
#include "support/requirements.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

constexpr std::uint16_t kSyn = 0x02, kAck = 0x10, kPsh = 0x08;

// A TCP segment 10.0.0.1:40000 -> 10.0.0.2:80 (or back, `reply`).
bytes segment(bool reply, std::uint16_t flags, std::uint32_t seq, std::uint32_t ack, std::size_t payload = 0) {
  packet_builder b;
  if (reply) b.eth("02:00:00:00:00:02", "02:00:00:00:00:01").ipv4("10.0.0.2", "10.0.0.1").tcp(80, 40000, flags);
  else b.eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, flags);
  if (payload) b.payload(payload, 0x61);
  bytes f = b.build();
  // The builder leaves sequence numbers zero (and the checksum, which conntrack does not check).
  const std::size_t tcp = 14 + 20;
  const std::uint32_t s = htonl(seq), a = htonl(ack);
  std::memcpy(&f[tcp + 4], &s, 4);
  std::memcpy(&f[tcp + 8], &a, 4);
  return f;
}

bytes udp(std::uint16_t sport, bool reply = false) {
  packet_builder b;
  if (reply) b.eth("02:00:00:00:00:02", "02:00:00:00:00:01").ipv4("10.0.0.2", "10.0.0.1").udp(53, sport);
  else b.eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.0.0.1", "10.0.0.2").udp(sport, 53);
  return b.payload(16).build();
}

bytes echo(bool reply) {
  packet_builder b;
  if (reply) b.eth("02:00:00:00:00:02", "02:00:00:00:00:01").ipv4("10.0.0.2", "10.0.0.1").icmp(0, 0, 0x12340001);
  else b.eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 0x12340001);
  return b.payload(32).build();
}

// Where a trace sent the packet: the output port, or 0 for none.
std::uint32_t output_of(const trace_result& r) {
  for (const auto& e : r.events)
    if (e.kind == OVSXDP_TRACE_OUTPUT) return e.port;
  return 0;
}

// The stateful firewall of OVS's documentation, in datapath flows: port 1
// opens connections (zone 5, mark 1), port 2 gets in only on them.
void install_firewall(datapath& dp) {
  const std::string ip = "eth(),eth_type(0x0800),ipv4(frag=no)";
  dp.add_flow(text_flow("recirc_id(0),in_port(1)," + ip, "ct(commit,zone=5,mark=0x1/0xff),recirc(1)"));
  dp.add_flow(text_flow("recirc_id(1),ct_state(+trk),in_port(1)," + ip, "2"));
  dp.add_flow(text_flow("recirc_id(0),in_port(2)," + ip, "ct(zone=5),recirc(2)"));
  dp.add_flow(text_flow("recirc_id(2),ct_state(+est+trk),ct_mark(0x1),in_port(2)," + ip, "1"));
  dp.add_flow(text_flow("recirc_id(2),ct_state(-est+trk),in_port(2)," + ip, "drop"));
}

std::uint64_t counter(const datapath& dp, ovsxdp_counter c) { return dp.counters()[c]; }

}  // namespace

TEST_CASE("a TCP connection through ct(commit): stored with its zone and mark, established by the handshake") {
  test_datapath t(3);
  install_firewall(t.dp);
  const auto committed = counter(t.dp, OVSXDP_C_CT_COMMITTED);

  // Nothing opened yet: the SYN-ACK from outside is not let in (a SYN-ACK opens nothing: invalid).
  CHECK(output_of(t.dp.trace(2, segment(true, kSyn | kAck, 5000, 1001))) == 0);
  CHECK(t.dp.dump_conntrack().empty());

  // The SYN, live: port 2 gets it and the connection is stored.
  t.dp.execute(segment(false, kSyn, 1000, 0), 1, odp::parse_actions("ct(commit,zone=5,mark=0x1/0xff)"));
  CHECK(counter(t.dp, OVSXDP_C_CT_COMMITTED) == committed + 1);
  auto conns = t.dp.dump_conntrack();
  REQUIRE(conns.size() == 1);
  CHECK(format_conntrack_entry(conns[0]) ==
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=80),reply=(src=10.0.0.2,dst=10.0.0.1,sport=80,dport=40000),zone=5,mark=1,"
        "protoinfo=(state=SYN_SENT)");
  CHECK(conns[0].state.packets[0] == 1);
  CHECK(conns[0].expires_in_ns > 25000000000ULL);  // SYN_SENT: 30 s
  CHECK(conns[0].expires_in_ns <= 30000000000ULL);
  CHECK(t.dp.dump_conntrack(5).size() == 1);
  CHECK(t.dp.dump_conntrack(6).empty());

  // The SYN-ACK is now let in; trace leaves the table as it was.
  CHECK(output_of(t.dp.trace(2, segment(true, kSyn | kAck, 5000, 1001))) == 1);
  CHECK(t.dp.dump_conntrack()[0].state.packets[1] == 0);
  // The same SYN-ACK in another zone finds nothing there.
  const auto other_zone = t.dp.trace_actions(2, segment(true, kSyn | kAck, 5000, 1001), odp::parse_actions("ct(zone=6),recirc(2)"));
  CHECK(output_of(other_zone) == 0);

  // Handshake, live: SYN-ACK and ACK establish it.
  t.dp.execute(segment(true, kSyn | kAck, 5000, 1001), 2, odp::parse_actions("ct(zone=5)"));
  t.dp.execute(segment(false, kAck, 1001, 5001), 1, odp::parse_actions("ct(commit,zone=5,mark=0x1/0xff)"));
  conns = t.dp.dump_conntrack(5);
  REQUIRE(conns.size() == 1);
  CHECK(format_conntrack_entry(conns[0]).find("protoinfo=(state=ESTABLISHED)") != std::string::npos);
  CHECK(conns[0].state.packets[0] == 2);
  CHECK(conns[0].state.packets[1] == 1);
  CHECK(conns[0].expires_in_ns > 86000ULL * 1000000000ULL);  // established: 24 h

  // In-window data from outside gets in; data far outside the window is invalid and dropped.
  const auto invalid = counter(t.dp, OVSXDP_C_CT_INVALID);
  CHECK(output_of(t.dp.trace(2, segment(true, kAck | kPsh, 5001, 1001, 100))) == 1);
  CHECK(output_of(t.dp.trace(2, segment(true, kAck | kPsh, 5001 + 50000000, 1001, 100))) == 0);
  CHECK(counter(t.dp, OVSXDP_C_CT_INVALID) > invalid);
  // A flag combination no TCP sends.
  CHECK(output_of(t.dp.trace(2, segment(true, kSyn | 0x01, 5001, 1001))) == 0);

  // ct-stats-show and flush.
  const auto all = t.dp.dump_conntrack();
  CHECK(format_conntrack_stats(all, true) == "Connections Stats:\n    Total: 1\n  TCP: 1\n    Conn per TCP states:\n\t  [ESTABLISHED]=1\n");
  CHECK(t.dp.flush_conntrack(6) == 0);
  CHECK(t.dp.flush_conntrack(5) == 1);
  CHECK(t.dp.dump_conntrack().empty());
  // Flushed: the reply is no longer let in.
  CHECK(output_of(t.dp.trace(2, segment(true, kAck | kPsh, 5001, 1001, 100))) == 0);
}

TEST_CASE("UDP and ICMP echo: new until the reply, then established in the reply direction") {
  test_datapath t(3);
  t.dp.execute(udp(3333), 1, odp::parse_actions("ct(commit)"));
  t.dp.execute(echo(false), 1, odp::parse_actions("ct(commit,label=0x8000/0xf000)"));
  auto conns = t.dp.dump_conntrack();
  REQUIRE(conns.size() == 2);
  std::vector<std::string> lines;
  for (const auto& c : conns) lines.push_back(format_conntrack_entry(c));
  std::sort(lines.begin(), lines.end());
  CHECK(lines[0] == "icmp,orig=(src=10.0.0.1,dst=10.0.0.2,id=4660,type=8,code=0),reply=(src=10.0.0.2,dst=10.0.0.1,id=4660,type=0,code=0),"
                    "labels=0x8000");
  CHECK(lines[1] == "udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=3333,dport=53),reply=(src=10.0.0.2,dst=10.0.0.1,sport=53,dport=3333)");

  const std::string ip = "eth(),eth_type(0x0800),ipv4(frag=no)";
  t.dp.add_flow(text_flow("recirc_id(0),in_port(2)," + ip, "ct,recirc(3)"));
  t.dp.add_flow(text_flow("recirc_id(3),ct_state(+est+rpl+trk),in_port(2)," + ip, "1"));
  t.dp.add_flow(text_flow("recirc_id(3),ct_state(+new+trk),in_port(2)," + ip, "3"));
  CHECK(output_of(t.dp.trace(2, udp(3333, true))) == 1);
  CHECK(output_of(t.dp.trace(2, echo(true))) == 1);
  // A datagram to a port nobody opened is new; an echo reply nobody asked for is invalid.
  CHECK(output_of(t.dp.trace(2, udp(4444, true))) == 3);
  t.dp.flush_conntrack();
  CHECK(output_of(t.dp.trace(2, echo(true))) == 0);
}

TEST_CASE("a full table evicts the least recently used connection, and a committed one is always stored") {
  const std::string name = sandbox::get().unique_name("ctf");
  datapath_options o = sandbox::get().options(name);
  o.max_conns = 64;
  datapath dp = datapath::create(o);
  CHECK(dp.max_conns() == 64);
  for (std::uint16_t port = 1000; port < 1300; port++) {
    dp.execute(udp(port), 1, odp::parse_actions("ct(commit)"));
    const auto conns = dp.dump_conntrack();
    REQUIRE(conns.size() <= 64);
    const bool newest_present = std::any_of(conns.begin(), conns.end(), [&](const conntrack_entry& c) { return ntohs(c.original.src_port) == port; });
    REQUIRE_MESSAGE(newest_present, "connection from port " << port << " was not stored");
  }
  CHECK(dp.counters()[OVSXDP_C_CT_COMMITTED] == 300);
  CHECK(dp.dump_conntrack().size() > 32);  // the LRU keeps most of its capacity in use
  datapath::destroy(name, sandbox::get().location());
}

TEST_CASE("flush by tuple: one connection goes, by its original or its reply tuple, in its zone only; partial tuples flush what they match") {
  test_datapath t(3);
  t.dp.execute(udp(3333), 1, odp::parse_actions("ct(commit,zone=7)"));
  t.dp.execute(udp(4444), 1, odp::parse_actions("ct(commit,zone=7)"));
  t.dp.execute(udp(5555), 1, odp::parse_actions("ct(commit)"));
  t.dp.execute(echo(false), 1, odp::parse_actions("ct(commit,zone=7)"));
  REQUIRE(t.dp.dump_conntrack().size() == 4);

  auto udp_tuple = [](std::uint16_t sport, bool reply) {
    conntrack_tuple u;
    u.family = OVSXDP_CT_IPV4;
    u.proto = IPPROTO_UDP;
    const std::uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    std::memcpy(u.src, reply ? b : a, 4);
    std::memcpy(u.dst, reply ? a : b, 4);
    u.src_port = reply ? 53 : sport;
    u.dst_port = reply ? sport : 53;
    return u;
  };
  // Zone 0 holds only port 5555's: 3333's tuple is not there.
  CHECK_FALSE(t.dp.flush_conntrack(0, udp_tuple(3333, false)));
  CHECK(t.dp.flush_conntrack(7, udp_tuple(3333, false)));
  CHECK(t.dp.flush_conntrack(7, udp_tuple(4444, true)));  // by its reply direction
  CHECK_FALSE(t.dp.flush_conntrack(7, udp_tuple(4444, true)));
  auto conns = t.dp.dump_conntrack();
  REQUIRE(conns.size() == 2);

  // The echo by its reply tuple (type 0 names the echo request's connection).
  conntrack_tuple reply = reply_tuple(*std::find_if(conns.begin(), conns.end(), [](const conntrack_entry& c) { return c.original.proto == IPPROTO_ICMP; }));
  CHECK(reply.icmp_type == 0);
  CHECK(reply.icmp_id == 0x1234);
  conntrack_tuple bad = reply;
  bad.icmp_type = 3;  // destination unreachable: no connection is keyed by it
  CHECK_THROWS_AS(t.dp.flush_conntrack(7, bad), std::invalid_argument);
  CHECK(t.dp.flush_conntrack(7, reply));
  REQUIRE(t.dp.dump_conntrack().size() == 1);
  CHECK(t.dp.dump_conntrack()[0].original.zone == 0);

  // Partial tuples, as ovs-dpctl flush-conntrack takes them.
  t.dp.execute(udp(3333), 1, odp::parse_actions("ct(commit,zone=7)"));
  t.dp.execute(udp(4444), 1, odp::parse_actions("ct(commit,zone=7)"));
  conntrack_match m;
  parse_conntrack_tuple("ct_nw_src=10.0.0.1,ct_nw_proto=17,ct_tp_src=4444", false, m);
  CHECK_FALSE(m.names_one_connection());
  CHECK(flush_conntrack_matching(t.dp, std::nullopt, m) == 1);
  conntrack_match by_reply;
  parse_conntrack_tuple("", false, by_reply);
  parse_conntrack_tuple("ct_nw_src=10.0.0.2,ct_nw_proto=17", true, by_reply);
  CHECK(flush_conntrack_matching(t.dp, std::uint16_t{7}, by_reply) == 1);  // 3333's; 5555's is in zone 0
  conns = t.dp.dump_conntrack();
  REQUIRE(conns.size() == 1);
  CHECK(ntohs(conns[0].original.src_port) == 5555);
  conntrack_match exact;
  parse_conntrack_tuple("ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.2,ct_nw_proto=17,ct_tp_src=5555,ct_tp_dst=53", false, exact);
  CHECK(exact.names_one_connection());
  CHECK(flush_conntrack_matching(t.dp, std::uint16_t{7}, exact) == 0);  // an exact tuple flushes in one zone only
  CHECK(flush_conntrack_matching(t.dp, std::nullopt, exact) == 1);      // zone 0 when none is given
  CHECK(t.dp.dump_conntrack().empty());
}

namespace {

// The IP header and first 8 transport bytes of `packet`, as an ICMP error quotes them.
bytes quoted(const bytes& packet, std::size_t ip_header = 20) {
  return bytes(packet.begin() + 14, packet.begin() + 14 + ip_header + 8);
}

bytes icmp_error(std::string_view from, std::string_view to, std::uint8_t type, std::uint8_t code, const bytes& quote) {
  return packet_builder().eth("02:00:00:00:00:09", "02:00:00:00:00:01").ipv4(from, to).icmp(type, code).payload(quote).build();
}

bytes udp6(bool reply) {
  packet_builder b;
  if (reply) b.eth("02:00:00:00:00:02", "02:00:00:00:00:01").ipv6("fd00::2", "fd00::1").udp(53, 3333);
  else b.eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv6("fd00::1", "fd00::2").udp(3333, 53);
  return b.payload(16).build();
}

}  // namespace

TEST_CASE("ICMP errors: related to the connection of the packet they quote, in its direction; never opening one") {
  test_datapath t(4);
  t.dp.execute(udp(3333), 1, odp::parse_actions("ct(commit)"));
  t.dp.execute(echo(false), 1, odp::parse_actions("ct(commit)"));
  t.dp.execute(udp6(false), 1, odp::parse_actions("ct(commit)"));
  REQUIRE(t.dp.dump_conntrack().size() == 3);

  const std::string ip = "eth(),eth_type(0x0800),ipv4(frag=no)", ip6 = "eth(),eth_type(0x86dd),ipv6(frag=no)";
  t.dp.add_flow(text_flow("recirc_id(0),in_port(2)," + ip, "ct,recirc(3)"));
  t.dp.add_flow(text_flow("recirc_id(3),ct_state(+rel+rpl+trk),ct_tuple4(src=10.0.0.1,dst=10.0.0.2,proto=17,tp_src=3333,tp_dst=53),in_port(2)," + ip, "1"));
  t.dp.add_flow(text_flow("recirc_id(3),ct_state(+rel+rpl+trk),ct_tuple4(src=10.0.0.1,dst=10.0.0.2,proto=1,tp_src=8,tp_dst=0),in_port(2)," + ip, "4"));
  t.dp.add_flow(text_flow("recirc_id(3),ct_state(+rel-rpl+trk),in_port(2)," + ip, "3"));
  t.dp.add_flow(text_flow("recirc_id(3),ct_state(+inv+trk),in_port(2)," + ip, "drop"));
  t.dp.add_flow(text_flow("recirc_id(0),in_port(2)," + ip6, "ct,recirc(5)"));
  t.dp.add_flow(text_flow("recirc_id(5),ct_state(+rel+rpl+trk),in_port(2)," + ip6, "1"));
  t.dp.add_flow(text_flow("recirc_id(5),ct_state(+inv+trk),in_port(2)," + ip6, "drop"));

  // Port unreachable from the server, and time exceeded from a router on the way: both quote the client's datagram.
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.2", "10.0.0.1", 3, 3, quoted(udp(3333))))) == 1);
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.9", "10.0.0.1", 11, 0, quoted(udp(3333))))) == 1);
  // Quoting the server's answer, the error travels in the original direction.
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.9", "10.0.0.2", 3, 1, quoted(udp(3333, true))))) == 3);
  // An error about the echo request.
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.9", "10.0.0.1", 11, 0, quoted(echo(false))))) == 4);

  // Invalid: a connection nobody opened; a quote that the error's destination did not send; an
  // error about an echo reply nobody asked for; a quote cut short of its 8 transport bytes; a quoted fragment.
  const auto invalid = counter(t.dp, OVSXDP_C_CT_INVALID);
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.2", "10.0.0.1", 3, 3, quoted(udp(4444))))) == 0);
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.2", "10.0.0.7", 3, 3, quoted(udp(3333))))) == 0);
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.9", "10.0.0.1", 11, 0, quoted(echo(true))))) == 0);
  bytes short_quote = quoted(udp(3333));
  short_quote.resize(20 + 4);
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.2", "10.0.0.1", 3, 3, short_quote))) == 0);
  bytes fragment = quoted(udp(3333));
  fragment[6] = 0x20;  // more fragments
  CHECK(output_of(t.dp.trace(2, icmp_error("10.0.0.2", "10.0.0.1", 3, 3, fragment))) == 0);
  CHECK(counter(t.dp, OVSXDP_C_CT_INVALID) >= invalid + 5);

  // IPv6: packet too big, quoting the client's datagram (40-byte header and 8 bytes).
  const bytes too_big6 = packet_builder()
                             .eth("02:00:00:00:00:09", "02:00:00:00:00:01")
                             .ipv6("fd00::9", "fd00::1")
                             .icmpv6(2, 0, [] {
                               bytes body = {0, 0, 0x05, 0xdc};  // MTU 1500
                               const bytes datagram = udp6(false);
                               const bytes q(datagram.begin() + 14, datagram.begin() + 14 + 48);
                               body.insert(body.end(), q.begin(), q.end());
                               return body;
                             }())
                             .build();
  CHECK(output_of(t.dp.trace(2, too_big6)) == 1);

  // Live, with commit: the connection gets the mark, but neither a new entry nor a packet count.
  const auto related = counter(t.dp, OVSXDP_C_CT_RELATED);
  auto before = t.dp.dump_conntrack();
  t.dp.execute(icmp_error("10.0.0.2", "10.0.0.1", 3, 3, quoted(udp(3333))), 2, odp::parse_actions("ct(commit,mark=0x7/0xff)"));
  t.dp.execute(icmp_error("10.0.0.2", "10.0.0.1", 3, 3, quoted(udp(4444))), 2, odp::parse_actions("ct(commit)"));
  CHECK(counter(t.dp, OVSXDP_C_CT_RELATED) == related + 1);
  const auto after = t.dp.dump_conntrack();
  REQUIRE(after.size() == 3);
  const auto udp_conn = std::find_if(after.begin(), after.end(), [](const conntrack_entry& c) { return ntohs(c.original.src_port) == 3333 && c.original.family == OVSXDP_CT_IPV4; });
  REQUIRE(udp_conn != after.end());
  CHECK(udp_conn->state.mark == 7);
  CHECK(udp_conn->state.packets[0] == 1);
  CHECK(udp_conn->state.packets[1] == 0);
}
