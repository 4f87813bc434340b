// One frame, many ports, on real interfaces: native XDP on veths, the
// fork's broadcast through a devmap copy group, each copy changed by its
// egress program, and every copy captured where it arrives.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include "odp/flow_parse.hpp"
#include "runtime/error.hpp"
#include "support/frame_check.hpp"
#include "support/raw_socket.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

// Ports 1..n on veths `<name>p<i>` with the datapath attached natively; the
// peers `<name>p<i>x` run xdp_pass (so redirected frames arrive) and are
// where the test sends and captures.
struct fanout_fixture {
  std::string name;
  datapath dp;
  std::vector<std::string> peers;  // peers[i] is port i+1's far end

  explicit fanout_fixture(unsigned ports)
      : name(sandbox::get().unique_name("fan")), dp([&] {
          datapath_options o = sandbox::get().options(name);
          return datapath::create(o);
        }()) {
    for (unsigned i = 1; i <= ports; i++) {
      const std::string port = name + "p" + std::to_string(i), peer = port + "x";
      sandbox::get().veth(port, peer);
      REQUIRE(dp.add_port(port, i, xdp_attach::native).mode == OVSXDP_XDP_NATIVE);
      attach_xdp_pass(peer);
      peers.push_back(peer);
    }
  }
  ~fanout_fixture() {
    try {
      datapath::destroy(name, sandbox::get().location());
    } catch (...) {
    }
  }
};

bytes frame(std::optional<std::uint16_t> vid = {}, std::uint16_t sport = 1000, std::string_view src = "10.1.0.1") {
  packet_builder b;
  b.eth("02:00:00:00:00:01", "02:00:00:00:00:02");
  if (vid) b.vlan(*vid);
  return b.ipv4(src, "10.1.0.2").udp(sport, 7777).payload(32, 0x5a).build();
}

const std::string kKey = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";

void expect_frames(const raw_socket& rx, const std::vector<bytes>& want, const std::string& where) {
  CAPTURE(where);
  const std::vector<bytes> got = rx.drain();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); i++)
    if (got[i] != want[i]) FAIL_CHECK(hex_diff(want[i], got[i]));
}

}  // namespace

TEST_CASE("one frame reaches three ports, each with its own VLAN, in XDP") {
  fanout_fixture f(4);
  f.dp.add_flow(text_flow(kKey, "push_vlan(vid=10,pcp=0),2,pop_vlan,push_vlan(vid=20,pcp=0),3,pop_vlan,push_vlan(vid=30,pcp=0),4"));
  raw_socket tx(f.peers[0]), rx2(f.peers[1]), rx3(f.peers[2]), rx4(f.peers[3]);
  const int frames = 50;
  for (int i = 0; i < frames; i++) tx.send(frame({}, static_cast<std::uint16_t>(1000 + i)));
  std::vector<bytes> want2, want3, want4;
  for (int i = 0; i < frames; i++) {
    want2.push_back(frame(10, static_cast<std::uint16_t>(1000 + i)));
    want3.push_back(frame(20, static_cast<std::uint16_t>(1000 + i)));
    want4.push_back(frame(30, static_cast<std::uint16_t>(1000 + i)));
  }
  expect_frames(rx2, want2, "port 2");
  expect_frames(rx3, want3, "port 3");
  expect_frames(rx4, want4, "port 4");
  const auto c = f.dp.counters();
  CHECK(c[OVSXDP_C_FORKED] == frames);
  CHECK(c[OVSXDP_C_OUTPUT] == 3 * frames);
  CHECK(c[OVSXDP_C_COPY_LOST] == 0);
  CHECK(c[OVSXDP_C_MISSED] == 0);  // no upcall: everything stayed in XDP
  const auto flows = f.dp.dump_flows();
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].stats.packets == frames);
}

TEST_CASE("flooding to 63 ports with per-port rewrites, and twice to one port") {
  const unsigned ports = 64;
  fanout_fixture f(ports);
  std::string flood;
  for (unsigned p = 2; p <= ports; p++) flood += "push_vlan(vid=" + std::to_string(p) + ",pcp=0)," + std::to_string(p) + ",pop_vlan,";
  flood += "set(ipv4(src=10.9.9.9)),2";  // port 2 a second time, rewritten
  f.dp.add_flow(text_flow(kKey, flood));
  std::vector<std::unique_ptr<raw_socket>> rx;
  for (unsigned p = 2; p <= ports; p++) rx.push_back(std::make_unique<raw_socket>(f.peers[p - 1]));
  raw_socket tx(f.peers[0]);
  tx.send(frame());
  for (unsigned p = 2; p <= ports; p++) {
    std::vector<bytes> want{frame(static_cast<std::uint16_t>(p))};
    if (p == 2) want.push_back(frame({}, 1000, "10.9.9.9"));
    expect_frames(*rx[p - 2], want, "port " + std::to_string(p));
  }
  const auto c = f.dp.counters();
  CHECK(c[OVSXDP_C_OUTPUT] == ports);
  CHECK(c[OVSXDP_C_COPY_LOST] == 0);
}

TEST_CASE("execute forks too: a re-injected packet reaches every port of its list") {
  fanout_fixture f(3);
  raw_socket rx2(f.peers[1]), rx3(f.peers[2]);
  const auto verdict = f.dp.execute(frame(), 1, odp::parse_actions("2,push_vlan(vid=5,pcp=0),3"));
  CHECK(verdict == XDP_REDIRECT);
  expect_frames(rx2, {frame()}, "port 2");
  expect_frames(rx3, {frame(5)}, "port 3");
}

TEST_CASE("removing a port removes its copies; adding it back restores them") {
  fanout_fixture f(3);
  f.dp.add_flow(text_flow(kKey, "2,3"));
  raw_socket tx(f.peers[0]), rx2(f.peers[1]), rx3(f.peers[2]);
  f.dp.remove_port(3);
  tx.send(frame());
  expect_frames(rx2, {frame()}, "port 2");
  expect_frames(rx3, {}, "removed port 3");
  f.dp.add_port(f.name + "p3", 3, xdp_attach::native);
  tx.send(frame());
  expect_frames(rx2, {frame()}, "port 2");
  expect_frames(rx3, {frame()}, "port 3, back");
  CHECK(f.dp.counters()[OVSXDP_C_COPY_LOST] == 0);
}

TEST_CASE("recirculating copies run their next pass in XDP, through the loop device: no upcall, nothing passed to the stack") {
  fanout_fixture f(4);
  f.dp.add_flow(text_flow(kKey, "2,clone(push_vlan(vid=5,pcp=0),recirc(7)),recirc(8)"));
  f.dp.add_flow(text_flow("recirc_id(7),in_port(1),eth(),eth_type(0x8100),vlan(vid=5),encap(eth_type(0x0800),ipv4(frag=no))", "3"));
  f.dp.add_flow(text_flow("recirc_id(8),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "set(ipv4(src=10.1.0.9)),4"));
  raw_socket tx(f.peers[0]), rx2(f.peers[1]), rx3(f.peers[2]), rx4(f.peers[3]);
  const auto before = f.dp.counters();
  const int frames = 50;
  std::vector<bytes> plain, tagged, rewritten;
  for (int i = 0; i < frames; i++) {
    const auto sport = static_cast<std::uint16_t>(2000 + i);
    tx.send(frame({}, sport));
    plain.push_back(frame({}, sport));
    tagged.push_back(frame(5, sport));
    rewritten.push_back(frame({}, sport, "10.1.0.9"));
  }
  expect_frames(rx2, plain, "port 2: the packet itself");
  expect_frames(rx3, tagged, "port 3: the clone's copy, tagged, after its recirculation");
  expect_frames(rx4, rewritten, "port 4: the final recirc's pass, rewritten there");
  const auto after = f.dp.counters();
  CHECK(after[OVSXDP_C_RECIRCULATED] - before[OVSXDP_C_RECIRCULATED] == 2 * frames);
  CHECK(after[OVSXDP_C_MISSED] == before[OVSXDP_C_MISSED]);
  CHECK(after[OVSXDP_C_UPCALL_ACTION] == before[OVSXDP_C_UPCALL_ACTION]);
  CHECK(after[OVSXDP_C_MISS_PASSED] == before[OVSXDP_C_MISS_PASSED]);
  CHECK(after[OVSXDP_C_RECIRC_LOST] == before[OVSXDP_C_RECIRC_LOST]);
  CHECK(after[OVSXDP_C_LOOP_FOREIGN] == before[OVSXDP_C_LOOP_FOREIGN]);
  CHECK(after[OVSXDP_C_OUTPUT] - before[OVSXDP_C_OUTPUT] == 3 * frames);
  // Each recirculated pass is a flow hit of its own, as in Linux.
  for (const auto& flow : f.dp.dump_flows()) CHECK(flow.stats.packets == frames);
}

TEST_CASE("push_nsh and set(icmp) run in the copies' egress programs") {
  fanout_fixture f(3);
  f.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp()",
                          "2,push_nsh(spi=0x7,si=9,c1=0xa),push_eth(src=02:00:00:00:00:0a,dst=02:00:00:00:00:0b),3"));
  f.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp()",
                          "set(icmp(type=0,code=0)),2,set(icmp(type=3,code=1)),3"));
  raw_socket tx(f.peers[0]), rx2(f.peers[1]), rx3(f.peers[2]);
  auto icmp = [](std::uint8_t type, std::uint8_t code) {
    return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.1.0.1", "10.1.0.2").icmp(type, code, 0x10005).payload(24).build();
  };
  tx.send(frame());
  tx.send(icmp(8, 0));
  const bytes nsh = packet_builder()
                        .eth("02:00:00:00:00:0a", "02:00:00:00:00:0b")
                        .nsh(1, 7, 9, bytes{0, 0, 0, 0xa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
                        .eth("02:00:00:00:00:01", "02:00:00:00:00:02")
                        .ipv4("10.1.0.1", "10.1.0.2")
                        .udp(1000, 7777)
                        .payload(32, 0x5a)
                        .build();
  expect_frames(rx2, {frame(), icmp(0, 0)}, "port 2");
  expect_frames(rx3, {nsh, icmp(3, 1)}, "port 3");
  const auto c = f.dp.counters();
  CHECK(c[OVSXDP_C_FORKED] == 2);
  CHECK(c[OVSXDP_C_OUTPUT] == 4);
  CHECK(c[OVSXDP_C_COPY_LOST] == 0);
}
