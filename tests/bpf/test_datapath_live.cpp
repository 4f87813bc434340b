// The datapath on real interfaces: native XDP on veths in a private network
// namespace, frames sent and captured with AF_PACKET sockets. Covers
// forwarding, the miss -> upcall -> install -> re-inject cycle (what an OVS
// slow path does), execute with live frames, and userspace-action upcalls.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include "odp/flow_parse.hpp"
#include "ovsxdp/base/types.h"
#include "runtime/error.hpp"
#include "support/frame_check.hpp"
#include "support/raw_socket.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

// Ports 1 and 2 on veths with the datapath attached natively; the far ends
// are where tests send (a) and capture (b, with xdp_pass attached).
struct live_fixture {
  std::string name = sandbox::get().unique_name("live");
  std::string a = name + "a", a_peer = name + "A", b = name + "b", b_peer = name + "B";
  datapath dp = [&] {
    sandbox& s = sandbox::get();
    s.veth(a, a_peer);
    s.veth(b, b_peer);
    return datapath::create(s.options(name));
  }();
  live_fixture() {
    CHECK(dp.add_port(a, 1, xdp_attach::native).mode == OVSXDP_XDP_NATIVE);
    CHECK(dp.add_port(b, 2, xdp_attach::native).mode == OVSXDP_XDP_NATIVE);
    attach_xdp_pass(b_peer);
    attach_xdp_pass(a_peer);
  }
  ~live_fixture() {
    try {
      datapath::destroy(name, sandbox::get().location());
    } catch (...) {
    }
  }
};

bytes frame(std::uint16_t sport = 1000) {
  return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.1.0.1", "10.1.0.2").udp(sport, 7777).payload(32, 0x5a).build();
}

const std::string kKey = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";

}  // namespace

TEST_CASE("native XDP forwards between veths, with per-port rewrites") {
  live_fixture f;
  f.dp.add_flow(text_flow(kKey, "push_vlan(vid=9,pcp=0),2"));
  raw_socket tx(f.a_peer), rx(f.b_peer);
  for (std::uint16_t i = 0; i < 20; i++) tx.send(frame(static_cast<std::uint16_t>(1000 + i)));
  const std::vector<bytes> got = rx.drain();
  REQUIRE(got.size() == 20);
  for (std::uint16_t i = 0; i < 20; i++) {
    const bytes expected = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").vlan(9).ipv4("10.1.0.1", "10.1.0.2")
                               .udp(static_cast<std::uint16_t>(1000 + i), 7777).payload(32, 0x5a).build();
    if (got[i] != expected) FAIL_CHECK(hex_diff(expected, got[i]));
  }
  const auto flows = f.dp.dump_flows();
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].stats.packets == 20);
  CHECK(flows[0].stats.bytes == 20 * frame().size());
  const auto c = f.dp.counters();
  CHECK(c[OVSXDP_C_HIT] >= 20);
  CHECK(c[OVSXDP_C_OUTPUT] >= 20);
}

TEST_CASE("a miss goes to userspace; the slow path installs a flow and re-injects the packet") {
  live_fixture f;
  raw_socket tx(f.a_peer), rx(f.b_peer);
  const bytes first = frame(4242);
  tx.send(first);
  std::vector<upcall> upcalls;
  for (int tries = 0; tries < 20 && upcalls.empty(); tries++) f.dp.poll_upcalls([&](const upcall& u) { upcalls.push_back(u); }, 100);
  REQUIRE(upcalls.size() == 1);
  const upcall& u = upcalls[0];
  CHECK(u.reason == OVSXDP_UPCALL_MISS);
  CHECK(u.in_port == 1);
  CHECK(u.packet == first);
  CHECK(u.packet_len == first.size());
  CHECK(u.key.in_port == 1);
  CHECK(u.key.tp_src == hton16(4242));
  CHECK_FALSE(rx.receive(std::chrono::milliseconds(100)));  // miss policy: dropped, not forwarded
  // Slow path: a megaflow for the upcall's key, then the packet itself.
  flow_spec spec = text_flow(kKey, "2");
  spec.key.in_port = u.key.in_port;
  f.dp.add_flow(spec);
  f.dp.execute(u.packet, u.in_port, odp::parse_actions("2"));
  auto reinjected = rx.receive();
  REQUIRE(reinjected);
  CHECK(*reinjected == first);
  // The next packet of the flow stays in XDP.
  const auto before = f.dp.counters();
  tx.send(frame(4243));
  auto next = rx.receive();
  REQUIRE(next);
  CHECK(*next == frame(4243));
  CHECK(f.dp.counters()[OVSXDP_C_HIT] == before[OVSXDP_C_HIT] + 1);
}

TEST_CASE("execute transmits a packet with given actions and metadata") {
  live_fixture f;
  raw_socket rx(f.b_peer);
  ovsxdp_flow_key metadata{};
  metadata.skb_mark = 7;
  const auto verdict = f.dp.execute(frame(), 1, odp::parse_actions("set(eth(dst=02:00:00:00:00:99)),2"), &metadata);
  CHECK(verdict == XDP_REDIRECT);
  auto got = rx.receive();
  REQUIRE(got);
  CHECK(*got == packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:99").ipv4("10.1.0.1", "10.1.0.2").udp(1000, 7777).payload(32, 0x5a).build());
  // As Linux: an output to a port that does not exist is dropped, and counted.
  const auto before = f.dp.counters();
  CHECK(f.dp.execute(frame(), 1, odp::parse_actions("5")) == XDP_DROP);
  CHECK(f.dp.counters()[OVSXDP_C_DROP_NO_PORT] == before[OVSXDP_C_DROP_NO_PORT] + 1);
  // Actions are checked against the packet's own key, as Linux checks an execute.
  CHECK_THROWS_WITH_AS(f.dp.execute(frame(), 1, odp::parse_actions("set(tcp(dst=80)),2")), doctest::Contains("ip proto 6"), ovsxdp::invalid_flow);
}

TEST_CASE("the userspace action upcalls with its pid and userdata while the packet goes on") {
  live_fixture f;
  f.dp.add_flow(text_flow(kKey, "userspace(pid=42,userdata(cafe0102)),2"));
  raw_socket tx(f.a_peer), rx(f.b_peer);
  tx.send(frame());
  REQUIRE(rx.receive());
  std::vector<upcall> upcalls;
  for (int tries = 0; tries < 20 && upcalls.empty(); tries++) f.dp.poll_upcalls([&](const upcall& u) { upcalls.push_back(u); }, 100);
  REQUIRE(upcalls.size() == 1);
  CHECK(upcalls[0].reason == OVSXDP_UPCALL_ACTION);
  CHECK(upcalls[0].pid == 42);
  CHECK(upcalls[0].userdata == bytes{0xca, 0xfe, 0x01, 0x02});
  CHECK(upcalls[0].packet == frame());
}

TEST_CASE("a port is refused when the interface already runs another XDP program, unless forced") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("busy"), ifname = name + "i";
  s.veth(ifname, name + "I");
  attach_xdp_pass(ifname);
  datapath dp = datapath::create(s.options(name));
  CHECK_THROWS_WITH_AS(dp.add_port(ifname, 1, xdp_attach::native), doctest::Contains("already has XDP program"), ovsxdp::error);
  CHECK(dp.ports().empty());
  CHECK(dp.add_port(ifname, 1, xdp_attach::native, true).mode == OVSXDP_XDP_NATIVE);
  CHECK_THROWS_WITH_AS(dp.add_port(ifname, 2, xdp_attach::native), doctest::Contains("already port 1"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(dp.add_port("nosuchif0", 3), doctest::Contains("no such interface"), ovsxdp::error);
  datapath::destroy(name, s.location());
}

TEST_CASE("jumbo frames (9000-byte MTU) are forwarded natively as multi-buffer XDP frames, upcalled whole and re-injected whole") {
  live_fixture f;
  // XDP programs attached to a veth cap its MTU at about 3.5 KB unless they
  // handle multi-buffer frames (xdp.frags), which every datapath program does.
  sandbox& s = sandbox::get();
  for (const std::string& dev : {f.a, f.a_peer, f.b, f.b_peer}) s.run("ip link set " + dev + " mtu 9000");
  const bytes jumbo = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.1.0.1", "10.1.0.2").udp(5000, 7777).payload(8972, 0x6b).build();
  REQUIRE(jumbo.size() == 9014);
  raw_socket tx(f.a_peer), rx(f.b_peer);

  // A miss: the upcall carries the whole frame, fragments included.
  tx.send(jumbo);
  std::vector<upcall> upcalls;
  for (int tries = 0; tries < 20 && upcalls.empty(); tries++) f.dp.poll_upcalls([&](const upcall& u) { upcalls.push_back(u); }, 100);
  REQUIRE(upcalls.size() == 1);
  CHECK(upcalls[0].packet_len == jumbo.size());
  CHECK(upcalls[0].packet == jumbo);
  // Re-injected with execute, it leaves whole: too large for a live-frame
  // test run, it goes through the loop device behind an execute header.
  const auto before_execute = f.dp.counters();
  CHECK(f.dp.execute(upcalls[0].packet, 1, odp::parse_actions("set(ipv4(ttl=9)),2")) == XDP_REDIRECT);
  auto reinjected = rx.receive();
  REQUIRE(reinjected);
  ipv4_options ttl9;
  ttl9.ttl = 9;
  CHECK(*reinjected == packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.1.0.1", "10.1.0.2", ttl9).udp(5000, 7777).payload(8972, 0x6b).build());
  CHECK(f.dp.counters()[OVSXDP_C_EXECUTED] == before_execute[OVSXDP_C_EXECUTED] + 1);
  CHECK(f.dp.counters()[OVSXDP_C_LOOP_FOREIGN] == before_execute[OVSXDP_C_LOOP_FOREIGN]);

  // Hits: forwarded whole, and counted with their full length.
  f.dp.add_flow(text_flow(kKey, "push_vlan(vid=5,pcp=0),2"));
  for (int i = 0; i < 5; i++) tx.send(jumbo);
  const std::vector<bytes> got = rx.drain();
  REQUIRE(got.size() == 5);
  const bytes tagged = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").vlan(5).ipv4("10.1.0.1", "10.1.0.2").udp(5000, 7777).payload(8972, 0x6b).build();
  for (const bytes& g : got) CHECK(g == tagged);
  const auto flows = f.dp.dump_flows();
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].stats.packets == 5);
  CHECK(flows[0].stats.bytes == 5 * jumbo.size());
}
