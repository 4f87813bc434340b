// A datapath driven through the C API as Open vSwitch's dpif provider
// drives it: datapaths opened, created and adopted; ports; flows with keys,
// masks and actions in netlink built by the codec; a dump shared by four
// threads; execute onto a veth; a miss delivered on its upcall channel and
// woken by poll; meters. Everything in the sandbox's namespaces (veths
// "cv*", datapaths "capi*").
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capi/ovsxdp_capi.h"
#include "odp/netlink.hpp"
#include "support/raw_socket.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

// The C API finds datapaths where the sandbox keeps them.
void use_sandbox_location() {
  sandbox& s = sandbox::get();
  setenv("OVSXDP_BPFFS", s.location().bpffs.c_str(), 1);
  setenv("OVSXDP_RUN_DIR", s.location().run_dir.c_str(), 1);
}

std::string last_error() { return ovsxdp_last_error(); }

// A datapath created through the C API, destroyed through it too.
struct capi_datapath {
  std::string name;
  ovsxdp_dp* dp = nullptr;
  explicit capi_datapath(std::uint32_t max_flows = 4096) {
    use_sandbox_location();
    name = sandbox::get().unique_name("capi");
    ovsxdp_dp_config config{};
    config.max_flows = max_flows;
    config.upcall_misses = true;
    bool created = false;
    const int rc = ovsxdp_dp_open(name.c_str(), true, &config, &dp, &created);
    if (rc) FAIL("ovsxdp_dp_open: " << last_error());
    CHECK(created);
  }
  ~capi_datapath() {
    if (!dp) return;
    if (int rc = ovsxdp_dp_destroy(dp)) MESSAGE("ovsxdp_dp_destroy: " << rc << " " << last_error());
    ovsxdp_dp_close(dp);
  }
};

struct netlink_flow {
  bytes key, mask, actions;
};

// A flow written as text, in netlink as ovs-vswitchd would send it.
netlink_flow netlink(const std::string& key, const std::string& actions) {
  const flow_spec spec = text_flow(key, actions);
  REQUIRE(spec.attributes);
  return {odp::encode_key(spec.key, *spec.attributes), odp::encode_mask(spec.key, spec.mask, *spec.attributes),
          odp::encode_actions(spec.actions)};
}

std::array<std::uint8_t, 16> ufid_of(std::uint32_t n) {
  std::array<std::uint8_t, 16> u{};
  std::memcpy(u.data(), &n, sizeof n);
  u[15] = 0xca;
  return u;
}

int put(ovsxdp_dp* dp, unsigned flags, const netlink_flow& f, const void* ufid, ovsxdp_dp_flow_stats* old = nullptr,
        bool* created = nullptr) {
  return ovsxdp_flow_put(dp, flags, f.key.data(), f.key.size(), f.mask.data(), f.mask.size(), f.actions.data(), f.actions.size(),
                         ufid, old, created);
}


bytes frame(std::uint16_t sport = 1000) {
  return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.9.0.1", "10.9.0.2").udp(sport, 7777).payload(32, 0x5a).build();
}

}  // namespace

TEST_CASE("capi: a datapath is created, adopted with what it holds, enumerated and destroyed") {
  use_sandbox_location();
  const std::string name = sandbox::get().unique_name("capi");
  ovsxdp_dp* dp = nullptr;
  CHECK(ovsxdp_dp_open(name.c_str(), false, nullptr, &dp, nullptr) == ENOENT);
  CHECK(last_error().find(name) != std::string::npos);
  CHECK(dp == nullptr);

  ovsxdp_dp_config config{};
  config.upcall_misses = false;
  CHECK(ovsxdp_dp_open(name.c_str(), true, &config, &dp, nullptr) == EINVAL);
  CHECK(last_error().find("upcall_misses") != std::string::npos);

  config.upcall_misses = true;
  config.max_meters = 16;
  bool created = false;
  REQUIRE_MESSAGE(ovsxdp_dp_open(name.c_str(), true, &config, &dp, &created) == 0, last_error());
  CHECK(created);
  REQUIRE_MESSAGE(ovsxdp_meter_set(dp, 5, OVSXDP_METER_PKTPS, 100, 0) == 0, last_error());
  const netlink_flow lldp = netlink("in_port(1),eth(),eth_type(0x88cc)", "drop");
  // A key without a mask is an exact match; no actions is a drop.
  REQUIRE_MESSAGE(ovsxdp_flow_put(dp, OVSXDP_PUT_CREATE, lldp.key.data(), lldp.key.size(), nullptr, 0, nullptr, 0, nullptr, nullptr,
                                  nullptr) == 0,
                  last_error());
  ovsxdp_dp* again = nullptr;
  REQUIRE_MESSAGE(ovsxdp_dp_open(name.c_str(), true, nullptr, &again, &created) == 0, last_error());
  CHECK_FALSE(created);
  ovsxdp_dp_stats stats;
  REQUIRE(ovsxdp_dp_get_stats(again, &stats) == 0);
  CHECK(stats.n_flows == 1);  // adopted, not flushed
  ovsxdp_meter_stats meter;
  CHECK(ovsxdp_meter_get(again, 5, &meter) == 0);  // and its meters kept
  ovsxdp_meter_features features;
  ovsxdp_meter_get_features(again, &features);
  CHECK(features.max_meters == 16);  // the creator's sizes
  ovsxdp_dp_close(again);

  std::vector<std::string> names;
  REQUIRE(ovsxdp_dp_enumerate([](const char* n, void* aux) { static_cast<std::vector<std::string>*>(aux)->push_back(n); }, &names) == 0);
  CHECK(std::count(names.begin(), names.end(), name) == 1);

  REQUIRE_MESSAGE(ovsxdp_dp_destroy(dp) == 0, last_error());
  CHECK(ovsxdp_dp_get_stats(dp, &stats) == ENODEV);
  ovsxdp_dp_close(dp);
  CHECK(ovsxdp_dp_open(name.c_str(), false, nullptr, &dp, nullptr) == ENOENT);
}

TEST_CASE("capi: ports are added, queried, dumped in order and removed; the generation moves") {
  capi_datapath d;
  sandbox& s = sandbox::get();
  const std::string a = s.unique_name("cva"), b = s.unique_name("cvb");
  s.veth(a, a + "p");
  s.veth(b, b + "p");
  const std::uint64_t g0 = ovsxdp_port_generation(d.dp);

  std::uint32_t pa = 7, pb = OVSXDP_ANY_PORT;
  REQUIRE_MESSAGE(ovsxdp_port_add(d.dp, a.c_str(), OVSXDP_PORT_SYSTEM, &pa) == 0, last_error());
  CHECK(pa == 7);
  REQUIRE_MESSAGE(ovsxdp_port_add(d.dp, b.c_str(), OVSXDP_PORT_SYSTEM, &pb) == 0, last_error());
  CHECK(pb != 7);
  const std::uint64_t g1 = ovsxdp_port_generation(d.dp);
  CHECK(g1 != g0);

  std::uint32_t n = OVSXDP_ANY_PORT;
  CHECK(ovsxdp_port_add(d.dp, a.c_str(), OVSXDP_PORT_SYSTEM, &n) == EEXIST);
  n = 7;
  CHECK(ovsxdp_port_add(d.dp, (a + "p").c_str(), OVSXDP_PORT_SYSTEM, &n) == EEXIST);
  CHECK(last_error().find("port number 7") != std::string::npos);
  n = OVSXDP_ANY_PORT;
  CHECK(ovsxdp_port_add(d.dp, "cvnosuch", OVSXDP_PORT_SYSTEM, &n) == ENODEV);
  CHECK(last_error().find("cvnosuch") != std::string::npos);
  CHECK(ovsxdp_port_add(d.dp, "a-name-too-long-x", OVSXDP_PORT_SYSTEM, &n) == EINVAL);

  ovsxdp_port port;
  REQUIRE(ovsxdp_port_query_by_number(d.dp, 7, &port) == 0);
  CHECK(std::string(port.name) == a);
  CHECK(port.type == OVSXDP_PORT_SYSTEM);
  CHECK(port.ifindex == if_nametoindex(a.c_str()));
  REQUIRE(ovsxdp_port_query_by_name(d.dp, b.c_str(), &port) == 0);
  CHECK(port.port_no == pb);
  CHECK(ovsxdp_port_query_by_number(d.dp, 999, &port) == ENOENT);
  CHECK(ovsxdp_port_query_by_name(d.dp, "cvnosuch", &port) == ENOENT);

  const std::string internal = s.unique_name("cvi");
  std::uint32_t pi = OVSXDP_ANY_PORT;
  REQUIRE_MESSAGE(ovsxdp_port_add(d.dp, internal.c_str(), OVSXDP_PORT_INTERNAL, &pi) == 0, last_error());
  CHECK(if_nametoindex(internal.c_str()) != 0);  // the datapath made the device
  REQUIRE(ovsxdp_port_query_by_number(d.dp, pi, &port) == 0);
  CHECK(port.type == OVSXDP_PORT_INTERNAL);

  ovsxdp_port* ports = nullptr;
  std::size_t count = 0;
  REQUIRE(ovsxdp_port_dump(d.dp, &ports, &count) == 0);
  REQUIRE(count == 3);
  for (std::size_t i = 1; i < count; i++) CHECK(ports[i - 1].port_no < ports[i].port_no);
  ovsxdp_free(ports);

  const std::uint64_t g2 = ovsxdp_port_generation(d.dp);
  REQUIRE_MESSAGE(ovsxdp_port_del(d.dp, pi) == 0, last_error());
  CHECK(if_nametoindex(internal.c_str()) == 0);  // and removed it with the port
  CHECK(ovsxdp_port_del(d.dp, pi) == ENOENT);
  CHECK(ovsxdp_port_generation(d.dp) != g2);
}

TEST_CASE("capi: flows are put, modified, got, deleted and flushed with netlink from the codec") {
  capi_datapath d;
  const netlink_flow f = netlink("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)", "2");
  const auto u = ufid_of(1);
  bool created = false;
  REQUIRE_MESSAGE(put(d.dp, OVSXDP_PUT_CREATE, f, u.data(), nullptr, &created) == 0, last_error());
  CHECK(created);
  CHECK(put(d.dp, OVSXDP_PUT_CREATE, f, u.data()) == EEXIST);
  // Another UFID for a key the first flow covers: Linux refuses it too.
  CHECK(put(d.dp, OVSXDP_PUT_CREATE, f, ufid_of(2).data()) == EEXIST);

  ovsxdp_dp_flow flow;
  void* buffer = nullptr;
  REQUIRE(ovsxdp_flow_get(d.dp, nullptr, 0, u.data(), &flow, &buffer) == 0);
  CHECK(flow.ufid_present);
  CHECK(std::memcmp(flow.ufid, u.data(), 16) == 0);
  CHECK(odp::decode_actions({static_cast<const std::uint8_t*>(flow.actions), flow.actions_len}) == text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2").actions);
  const odp::netlink_match round = odp::decode_match({static_cast<const std::uint8_t*>(flow.key), flow.key_len},
                                                     {static_cast<const std::uint8_t*>(flow.mask), flow.mask_len});
  const flow_spec spec = text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)", "2");
  CHECK(std::memcmp(&round.mask, &spec.mask, sizeof spec.mask) == 0);
  CHECK(flow.stats.n_packets == 0);
  CHECK(flow.stats.used == 0);
  ovsxdp_free(buffer);

  const netlink_flow changed = netlink("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)", "3,4");
  ovsxdp_dp_flow_stats old{};
  old.n_packets = 99;
  REQUIRE_MESSAGE(put(d.dp, OVSXDP_PUT_MODIFY | OVSXDP_PUT_ZERO_STATS, changed, u.data(), &old, &created) == 0, last_error());
  CHECK_FALSE(created);
  CHECK(old.n_packets == 0);
  REQUIRE(ovsxdp_flow_get(d.dp, nullptr, 0, u.data(), &flow, &buffer) == 0);
  CHECK(odp::decode_actions({static_cast<const std::uint8_t*>(flow.actions), flow.actions_len}) == text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "3,4").actions);
  ovsxdp_free(buffer);

  const netlink_flow other = netlink("recirc_id(0),in_port(2),eth(),eth_type(0x88cc)", "1");
  CHECK(put(d.dp, OVSXDP_PUT_MODIFY, other, ufid_of(3).data()) == ENOENT);
  CHECK(put(d.dp, OVSXDP_PUT_MODIFY, other, u.data()) == ENOENT);  // that UFID names another match
  // No UFID: one is derived from the match, and the flow is found by key.
  REQUIRE_MESSAGE(put(d.dp, OVSXDP_PUT_CREATE | OVSXDP_PUT_MODIFY, other, nullptr, nullptr, &created) == 0, last_error());
  CHECK(created);

  // A feature probe is a put like any other: what ovsxdp executes is accepted.
  CHECK_MESSAGE(put(d.dp, OVSXDP_PUT_CREATE | OVSXDP_PUT_PROBE, netlink("recirc_id(0),in_port(3),eth(),eth_type(0x88cc)", "2"),
                    nullptr) == 0,
                last_error());

  ovsxdp_dp_flow_stats final_stats;
  REQUIRE(ovsxdp_flow_del(d.dp, nullptr, 0, u.data(), &final_stats) == 0);
  CHECK(ovsxdp_flow_del(d.dp, nullptr, 0, u.data(), nullptr) == ENOENT);
  CHECK(ovsxdp_flow_get(d.dp, nullptr, 0, u.data(), &flow, &buffer) == ENOENT);
  REQUIRE(ovsxdp_flow_flush(d.dp) == 0);
  ovsxdp_dp_stats stats;
  REQUIRE(ovsxdp_dp_get_stats(d.dp, &stats) == 0);
  CHECK(stats.n_flows == 0);

  // Refusals name what is wrong.
  const netlink_flow bad = netlink("in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2");
  bytes truncated = bad.key;
  truncated.resize(truncated.size() - 1);
  CHECK(ovsxdp_flow_put(d.dp, OVSXDP_PUT_CREATE, truncated.data(), truncated.size(), nullptr, 0, nullptr, 0, nullptr, nullptr,
                        nullptr) == EINVAL);
  CHECK_FALSE(last_error().empty());
  CHECK(put(d.dp, 0, bad, nullptr) == EINVAL);
  CHECK(put(d.dp, 0x100 | OVSXDP_PUT_CREATE, bad, nullptr) == EINVAL);
}

TEST_CASE("capi: a dump shared by four threads returns every flow exactly once") {
  constexpr std::uint32_t kFlows = 1500;
  capi_datapath d;
  for (std::uint32_t i = 0; i < kFlows; i++) {
    const std::string key = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10." + std::to_string(i / 256) + "." +
                            std::to_string(i % 256) + ".1,frag=no)";
    const auto u = ufid_of(i);
    REQUIRE_MESSAGE(put(d.dp, OVSXDP_PUT_CREATE, netlink(key, "2"), u.data()) == 0, last_error());
  }
  ovsxdp_flow_dump* dump = nullptr;
  REQUIRE(ovsxdp_flow_dump_start(d.dp, &dump) == 0);
  std::mutex lock;
  std::vector<std::uint32_t> seen;
  std::vector<std::size_t> per_thread(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      ovsxdp_flow_dump_thread* thread = ovsxdp_flow_dump_thread_create(dump);
      if (!thread) return;
      ovsxdp_dp_flow flows[37];
      for (;;) {
        const int n = ovsxdp_flow_dump_next(thread, flows, 37);
        if (n <= 0) break;
        std::lock_guard guard(lock);
        for (int i = 0; i < n; i++) {
          std::uint32_t id;
          std::memcpy(&id, flows[i].ufid, sizeof id);
          seen.push_back(id);
          // The buffers are this thread's and decode as what was installed.
          const action_list a = odp::decode_actions({static_cast<const std::uint8_t*>(flows[i].actions), flows[i].actions_len});
          if (a != text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2").actions) seen.push_back(UINT32_MAX);
        }
        per_thread[t] += n;
      }
      ovsxdp_flow_dump_thread_destroy(thread);
    });
  }
  for (auto& t : threads) t.join();
  ovsxdp_flow_dump_finish(dump);
  REQUIRE(seen.size() == kFlows);
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  CHECK(seen.front() == 0);
  CHECK(seen.back() == kFlows - 1);
  std::size_t threads_with_flows = 0;
  for (std::size_t n : per_thread) threads_with_flows += n > 0;
  MESSAGE("flows per dump thread: " << per_thread[0] << " " << per_thread[1] << " " << per_thread[2] << " " << per_thread[3]);
  CHECK(threads_with_flows >= 1);
}

// Ports 1 (a) and 2 (b) on veths; frames are sent into a's peer and
// captured on b's peer (which runs xdp_pass so redirected frames arrive).
struct live_ports {
  capi_datapath d;
  std::string a = sandbox::get().unique_name("cvl"), b = sandbox::get().unique_name("cvl");
  live_ports() {
    sandbox& s = sandbox::get();
    s.veth(a, a + "p");
    s.veth(b, b + "p");
    std::uint32_t pa = 1, pb = 2;
    REQUIRE_MESSAGE(ovsxdp_port_add(d.dp, a.c_str(), OVSXDP_PORT_SYSTEM, &pa) == 0, last_error());
    REQUIRE_MESSAGE(ovsxdp_port_add(d.dp, b.c_str(), OVSXDP_PORT_SYSTEM, &pb) == 0, last_error());
    attach_xdp_pass(a + "p");
    attach_xdp_pass(b + "p");
  }
};

TEST_CASE("capi: execute transmits the packet with the actions given") {
  live_ports f;
  raw_socket rx(f.b + "p");
  const bytes packet = frame(4321);
  const netlink_flow metadata = netlink("in_port(1),skb_mark(0x5),eth(),eth_type(0x0800),ipv4(frag=no)", "2");
  const netlink_flow actions = netlink("in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "push_vlan(vid=12,pcp=0),2");
  REQUIRE_MESSAGE(ovsxdp_execute(f.d.dp, packet.data(), packet.size(), metadata.key.data(), metadata.key.size(), actions.actions.data(),
                                 actions.actions.size()) == 0,
                  last_error());
  const auto got = rx.receive();
  REQUIRE(got);
  const bytes expected = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").vlan(12).ipv4("10.9.0.1", "10.9.0.2")
                             .udp(4321, 7777).payload(32, 0x5a).build();
  CHECK(*got == expected);
  CHECK(ovsxdp_execute(f.d.dp, packet.data(), packet.size(), metadata.key.data(), metadata.key.size(), nullptr, 4) == EINVAL);
}

TEST_CASE("capi: a miss arrives on its upcall channel, wakes poll, and carries the packet and its key") {
  live_ports f;
  REQUIRE_MESSAGE(ovsxdp_upcall_set_channels(f.d.dp, 2) == 0, last_error());
  CHECK(ovsxdp_upcall_fd(f.d.dp, 2) == -1);
  CHECK(ovsxdp_upcall_pid(f.d.dp, 1, 5) == 2);  // channel 5 % 2, as pid channel + 1
  pollfd fds[2];
  for (std::uint32_t c = 0; c < 2; c++) {
    fds[c].fd = ovsxdp_upcall_fd(f.d.dp, c);
    fds[c].events = POLLIN;
    REQUIRE(fds[c].fd >= 0);
  }
  ovsxdp_upcall_msg msg;
  CHECK(ovsxdp_upcall_recv(f.d.dp, 0, &msg) == EAGAIN);
  CHECK(ovsxdp_upcall_recv(f.d.dp, 5, &msg) == EINVAL);

  raw_socket tx(f.a + "p");
  const bytes packet = frame(5555);
  tx.send(packet);
  REQUIRE(poll(fds, 2, 3000) > 0);  // bounded: one frame, three seconds
  const std::uint32_t channel = (fds[0].revents & POLLIN) ? 0 : 1;
  REQUIRE((fds[channel].revents & POLLIN) != 0);
  REQUIRE_MESSAGE(ovsxdp_upcall_recv(f.d.dp, channel, &msg) == 0, last_error());
  CHECK(msg.type == OVSXDP_UPCALL_TYPE_MISS);
  REQUIRE(msg.packet_len == packet.size());
  CHECK(std::memcmp(msg.packet, packet.data(), packet.size()) == 0);
  CHECK(msg.userdata_len == 0);
  const odp::netlink_match key = odp::decode_key({static_cast<const std::uint8_t*>(msg.key), msg.key_len});
  CHECK(key.key.in_port == 1);
  CHECK(key.key.tp_src == htons(5555));
  CHECK((key.attributes.present & attribute_bit(OVS_KEY_ATTR_UDP)) != 0);
  // The upcall's key, put back as an exact match, is a flow the next such
  // packet hits; its `used` is OVS's time_msec() clock.
  const bytes upcall_key(static_cast<const std::uint8_t*>(msg.key), static_cast<const std::uint8_t*>(msg.key) + msg.key_len);
  const bytes to_b = netlink("in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2").actions;
  REQUIRE_MESSAGE(ovsxdp_flow_put(f.d.dp, OVSXDP_PUT_CREATE, upcall_key.data(), upcall_key.size(), nullptr, 0, to_b.data(), to_b.size(),
                                  nullptr, nullptr, nullptr) == 0,
                  last_error());
  raw_socket rx(f.b + "p");
  tx.send(packet);
  REQUIRE(rx.receive());
  ovsxdp_dp_flow flow;
  void* buffer = nullptr;
  REQUIRE_MESSAGE(ovsxdp_flow_get(f.d.dp, upcall_key.data(), upcall_key.size(), nullptr, &flow, &buffer) == 0, last_error());
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  const long long now_ms = now.tv_sec * 1000LL + now.tv_nsec / 1000000;
  CHECK(flow.stats.n_packets == 1);
  CHECK(flow.stats.n_bytes == packet.size());
  CHECK(flow.stats.used <= now_ms);
  CHECK(flow.stats.used > now_ms - 3000);
  CHECK_FALSE(flow.ufid_present);
  ovsxdp_free(buffer);

  tx.send(frame(5556));
  REQUIRE(poll(fds, 2, 3000) > 0);
  REQUIRE(ovsxdp_upcall_purge(f.d.dp) == 0);
  CHECK(ovsxdp_upcall_recv(f.d.dp, 0, &msg) == EAGAIN);
  CHECK(ovsxdp_upcall_recv(f.d.dp, 1, &msg) == EAGAIN);
}


TEST_CASE("capi: meters are set, read and deleted; what ovsxdp lacks is refused") {
  capi_datapath d;
  ovsxdp_meter_features features;
  ovsxdp_meter_get_features(d.dp, &features);
  CHECK(features.max_meters > 0);
  CHECK(features.max_bands == 1);
  CHECK((features.kbps && features.pktps && features.burst && features.stats));

  REQUIRE_MESSAGE(ovsxdp_meter_set(d.dp, 3, OVSXDP_METER_KBPS | OVSXDP_METER_BURST | OVSXDP_METER_STATS, 1000, 200) == 0, last_error());
  ovsxdp_meter_stats stats;
  REQUIRE(ovsxdp_meter_get(d.dp, 3, &stats) == 0);
  CHECK(stats.packets == 0);
  CHECK(stats.duration_sec < 5);
  REQUIRE(ovsxdp_meter_set(d.dp, 3, OVSXDP_METER_PKTPS, 10, 0) == 0);  // replaced
  CHECK(ovsxdp_meter_set(d.dp, 4, OVSXDP_METER_KBPS | OVSXDP_METER_PKTPS, 10, 0) == EINVAL);
  CHECK(ovsxdp_meter_set(d.dp, 4, 0, 10, 0) == EINVAL);
  CHECK(ovsxdp_meter_set(d.dp, 4, OVSXDP_METER_KBPS | 0x100, 10, 0) == EINVAL);
  CHECK(last_error().find("lack") != std::string::npos);
  CHECK(ovsxdp_meter_set(d.dp, 4, OVSXDP_METER_KBPS, 0, 0) == EINVAL);
  CHECK(ovsxdp_meter_set(d.dp, features.max_meters, OVSXDP_METER_KBPS, 10, 0) == EFBIG);
  CHECK(ovsxdp_meter_get(d.dp, 4, &stats) == ENOENT);
  CHECK(ovsxdp_meter_get(d.dp, features.max_meters + 10, &stats) == ENOENT);
  REQUIRE(ovsxdp_meter_del(d.dp, 3, &stats) == 0);
  CHECK(ovsxdp_meter_del(d.dp, 3, nullptr) == ENOENT);
}

TEST_CASE("capi: conntrack is dumped with OVS's fields, counted, and flushed by zone and by tuple") {
  capi_datapath d;
  uint32_t maxconns = 0, nconns = 99;
  REQUIRE(ovsxdp_ct_get_maxconns(d.dp, &maxconns) == 0);
  CHECK(maxconns == OVSXDP_DEFAULT_MAX_CONNS);
  REQUIRE(ovsxdp_ct_get_nconns(d.dp, &nconns) == 0);
  CHECK(nconns == 0);

  // execute with ct(commit) is live: it stores the connection.
  const netlink_flow metadata = netlink("in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "drop");
  const netlink_flow commit = netlink("in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "ct(commit,zone=9,mark=0x7/0xff)");
  const netlink_flow commit0 = netlink("in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "ct(commit)");
  for (std::uint16_t sport : {1000, 1001}) {
    const bytes p = frame(sport);
    REQUIRE_MESSAGE(ovsxdp_execute(d.dp, p.data(), p.size(), metadata.key.data(), metadata.key.size(), commit.actions.data(), commit.actions.size()) == 0,
                    last_error());
  }
  const bytes p2 = frame(2000);
  REQUIRE(ovsxdp_execute(d.dp, p2.data(), p2.size(), metadata.key.data(), metadata.key.size(), commit0.actions.data(), commit0.actions.size()) == 0);
  REQUIRE(ovsxdp_ct_get_nconns(d.dp, &nconns) == 0);
  CHECK(nconns == 3);

  const uint16_t zone9 = 9;
  ovsxdp_ct_conn* conns = nullptr;
  size_t n = 0;
  REQUIRE(ovsxdp_ct_dump(d.dp, &zone9, &conns, &n) == 0);
  REQUIRE(n == 2);
  const ovsxdp_ct_conn c = conns[0];
  ovsxdp_free(conns);
  CHECK(c.zone == 9);
  CHECK(c.mark == 7);
  CHECK(c.orig.family == 4);
  CHECK(c.orig.proto == IPPROTO_UDP);
  const std::uint8_t src[4] = {10, 9, 0, 1}, dst[4] = {10, 9, 0, 2};
  CHECK(std::memcmp(c.orig.src, src, 4) == 0);
  CHECK(std::memcmp(c.orig.dst, dst, 4) == 0);
  CHECK(std::memcmp(c.reply.src, dst, 4) == 0);
  CHECK(ntohs(c.orig.dst_port) == 7777);
  CHECK(c.reply.src_port == c.orig.dst_port);
  CHECK(c.reply.dst_port == c.orig.src_port);
  CHECK(c.packets_orig == 1);
  CHECK(c.bytes_orig == frame().size() - 14);  // IP bytes, as nf_conntrack counts them
  CHECK(c.timeout_sec > 25);
  CHECK(c.timeout_sec <= 60);
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const std::uint64_t now_ns = static_cast<std::uint64_t>(now.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(now.tv_nsec);
  CHECK(c.start_ns <= now_ns);
  CHECK(c.start_ns + 60ULL * 1000000000ULL > now_ns);

  // By tuple: the reply direction names the connection too; a second flush finds nothing.
  REQUIRE_MESSAGE(ovsxdp_ct_flush(d.dp, &zone9, &c.reply) == 0, last_error());
  CHECK(ovsxdp_ct_flush(d.dp, &zone9, &c.reply) == ENOENT);
  CHECK(last_error().find("no connection in zone 9") != std::string::npos);
  CHECK(ovsxdp_ct_flush(d.dp, nullptr, &c.orig) == ENOENT);  // zone 0 when none is given
  ovsxdp_ct_conn_tuple bad = c.orig;
  bad.family = 5;
  CHECK(ovsxdp_ct_flush(d.dp, &zone9, &bad) == EINVAL);
  REQUIRE(ovsxdp_ct_get_nconns(d.dp, &nconns) == 0);
  CHECK(nconns == 2);
  // By zone, then everything.
  REQUIRE(ovsxdp_ct_flush(d.dp, &zone9, nullptr) == 0);
  REQUIRE(ovsxdp_ct_dump(d.dp, nullptr, &conns, &n) == 0);
  CHECK(n == 1);
  if (n) CHECK(conns[0].zone == 0);
  ovsxdp_free(conns);
  REQUIRE(ovsxdp_ct_flush(d.dp, nullptr, nullptr) == 0);
  REQUIRE(ovsxdp_ct_get_nconns(d.dp, &nconns) == 0);
  CHECK(nconns == 0);
  CHECK(ovsxdp_ct_dump(nullptr, nullptr, &conns, &n) == EINVAL);
}
