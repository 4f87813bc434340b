// Upcall channels: misses spread over the channels by flow, userspace()
// actions routed by pid, one record per receive, a full ring counted as
// lost, and a second handle (another process adopting the datapath) reading
// the same channels. Frames enter the datapath program through test runs on
// a port's ifindex, so the live sink writes real upcalls.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <poll.h>

#include <map>
#include <set>

#include "odp/flow_parse.hpp"
#include "ovsxdp/base/types.h"
#include "packet/packet_builder.hpp"
#include "runtime/error.hpp"
#include "runtime/test_run.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

// A datapath with one port (1) whose frames the tests inject; destroyed with it.
struct upcall_fixture {
  std::string name = sandbox::get().unique_name("up");
  std::string port = name + "a";
  datapath dp;
  explicit upcall_fixture(std::uint32_t ring_bytes = 1u << 20)
      : dp([&] {
          sandbox& s = sandbox::get();
          s.veth(port, name + "A");
          datapath_options o = s.options(name);
          o.upcall_ring_bytes = ring_bytes;
          return datapath::create(o);
        }()) {
    dp.add_port(port, 1, xdp_attach::none);
  }
  ~upcall_fixture() {
    try {
      datapath::destroy(name, sandbox::get().location());
    } catch (...) {
    }
  }
  // The frame arrives on port 1 and misses (no flows).
  void arrive(const bytes& frame) {
    xdp_test_options options;
    options.ingress_ifindex = if_nametoindex(port.c_str());
    REQUIRE(run_xdp(dp.program_fd(OVSXDP_PROGRAM_DATAPATH), frame, options).verdict == XDP_DROP);
  }
};

bytes udp_frame(std::uint16_t sport, std::size_t payload = 16) {
  return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.2.0.1", "10.2.0.2").udp(sport, 53).payload(payload).build();
}

std::uint16_t sport_of(const upcall& u) { return ntoh16(u.key.tp_src); }

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

}  // namespace

TEST_CASE("a new datapath has one channel; misses spread over two channels by flow, each flow on one") {
  upcall_fixture f;
  CHECK(f.dp.upcall_channels() == 1);
  f.dp.set_upcall_channels(2);
  CHECK(f.dp.upcall_channels() == 2);
  CHECK_FALSE(readable(f.dp.upcall_fd(0)));
  CHECK_FALSE(readable(f.dp.upcall_fd(1)));
  for (int round = 0; round < 2; round++)
    for (std::uint16_t s = 1000; s < 1064; s++) f.arrive(udp_frame(s));
  CHECK((readable(f.dp.upcall_fd(0)) || readable(f.dp.upcall_fd(1))));
  std::map<std::uint16_t, std::set<std::uint32_t>> channels_of;  // source port -> channels it arrived on
  std::size_t per_channel[2] = {};
  for (std::uint32_t ch = 0; ch < 2; ch++) {
    upcall u;
    while (f.dp.receive_upcall(ch, u)) {
      CHECK(u.reason == OVSXDP_UPCALL_MISS);
      CHECK(u.packet == udp_frame(sport_of(u)));
      channels_of[sport_of(u)].insert(ch);
      per_channel[ch]++;
    }
    CHECK_FALSE(readable(f.dp.upcall_fd(ch)));
  }
  MESSAGE("channel 0: " << per_channel[0] << " upcalls, channel 1: " << per_channel[1]);
  CHECK(per_channel[0] + per_channel[1] == 128);
  CHECK(per_channel[0] >= 16);  // 64 flows hashed over 2 channels
  CHECK(per_channel[1] >= 16);
  CHECK(channels_of.size() == 64);
  for (const auto& [sport, chs] : channels_of) CHECK_MESSAGE(chs.size() == 1, "flow " << sport << " arrived on several channels");
  CHECK(f.dp.counters()[OVSXDP_C_LOST] == 0);
}

TEST_CASE("userspace() upcalls go to channel pid - 1, other pids like a miss") {
  upcall_fixture f;
  f.dp.set_upcall_channels(3);
  f.dp.execute(udp_frame(7), 1, odp::parse_actions("userspace(pid=1)"));
  f.dp.execute(udp_frame(8), 1, odp::parse_actions("userspace(pid=3,userdata(0102030405060708))"));
  f.dp.execute(udp_frame(9), 1, odp::parse_actions("userspace(pid=0)"));
  f.dp.execute(udp_frame(9), 1, odp::parse_actions("userspace(pid=99)"));
  upcall u;
  REQUIRE(f.dp.receive_upcall(0, u));
  CHECK(u.reason == OVSXDP_UPCALL_ACTION);
  CHECK(u.pid == 1);
  CHECK(sport_of(u) == 7);
  REQUIRE(f.dp.receive_upcall(2, u));
  CHECK(u.pid == 3);
  CHECK(sport_of(u) == 8);
  CHECK(u.userdata == std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
  // pid 0 and 99 name no channel: both go where the flow's hash puts them, together.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> others;  // {channel, pid}
  for (std::uint32_t ch = 0; ch < 3; ch++)
    while (f.dp.receive_upcall(ch, u)) {
      CHECK(sport_of(u) == 9);
      others.emplace_back(ch, u.pid);
    }
  REQUIRE(others.size() == 2);
  CHECK(others[0].first == others[1].first);
  f.arrive(udp_frame(9));  // the miss of the same flow lands there too
  REQUIRE(f.dp.receive_upcall(others[0].first, u));
  CHECK(u.reason == OVSXDP_UPCALL_MISS);
}

TEST_CASE("a full ring counts upcalls as lost; purge empties every channel") {
  upcall_fixture f(4096);
  const auto before = f.dp.counters()[OVSXDP_C_LOST];
  constexpr int kSent = 12;
  for (std::uint16_t s = 0; s < kSent; s++) f.arrive(udp_frame(2000 + s, 1000));
  const auto lost = f.dp.counters()[OVSXDP_C_LOST] - before;
  int received = 0;
  upcall u;
  while (f.dp.receive_upcall(0, u)) received++;
  MESSAGE(received << " of " << kSent << " 1,042-byte upcalls fit a 4,096-byte ring; " << lost << " lost");
  CHECK(received >= 1);
  CHECK(lost >= 1);
  CHECK(received + lost == kSent);
  for (std::uint16_t s = 0; s < 2; s++) f.arrive(udp_frame(3000 + s));
  f.dp.purge_upcalls();
  CHECK_FALSE(f.dp.receive_upcall(0, u));
}

TEST_CASE("a second handle receives the channels, also after the first one replaced them") {
  upcall_fixture f;
  datapath other = datapath::open(f.name, sandbox::get().location());
  f.arrive(udp_frame(4000));
  upcall u;
  REQUIRE(other.receive_upcall(0, u));
  CHECK(sport_of(u) == 4000);
  CHECK_FALSE(f.dp.receive_upcall(0, u));  // taken once, by whoever read first
  f.arrive(udp_frame(4001));
  f.dp.set_upcall_channels(4);  // what waited is dropped
  CHECK(other.upcall_channels() == 4);
  for (std::uint32_t ch = 0; ch < 4; ch++) CHECK_FALSE(other.receive_upcall(ch, u));
  f.dp.execute(udp_frame(4002), 1, odp::parse_actions("userspace(pid=4)"));
  CHECK(readable(other.upcall_fd(3)));
  REQUIRE(other.receive_upcall(3, u));
  CHECK(sport_of(u) == 4002);
  // poll_upcalls (ovsxdp-dpctl's reader) sees every channel.
  f.dp.execute(udp_frame(4003), 1, odp::parse_actions("userspace(pid=2)"));
  std::vector<std::uint16_t> polled;
  other.poll_upcalls([&](const upcall& x) { polled.push_back(sport_of(x)); }, 100);
  CHECK(polled == std::vector<std::uint16_t>{4003});
  CHECK_THROWS_AS(f.dp.set_upcall_channels(0), ovsxdp::error);
  CHECK_THROWS_AS(f.dp.set_upcall_channels(OVSXDP_UPCALL_CHANNELS_MAX + 1), ovsxdp::error);
  CHECK_THROWS_AS(other.upcall_fd(4), ovsxdp::error);
}
