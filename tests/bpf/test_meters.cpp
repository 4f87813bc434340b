// Meters: configuration through the host API, the passed/dropped split of a
// paced burst at a known rate (live, through veths), tokens spent exactly
// once when two CPUs hammer one meter, and meters inside copies.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "odp/flow_parse.hpp"
#include "runtime/error.hpp"
#include "runtime/test_run.hpp"
#include "support/raw_socket.hpp"
#include "support/requirements.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

const std::string kKey = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";

bytes frame(std::size_t payload = 32) {
  return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.1.0.1", "10.1.0.2").udp(1000, 7777).payload(payload, 0x5a).build();
}

struct live_pair {
  std::string name = sandbox::get().unique_name("met");
  datapath dp = datapath::create(sandbox::get().options(name));
  std::string a = name + "a", b = name + "b";
  live_pair() {
    sandbox::get().veth(a, a + "x");
    sandbox::get().veth(b, b + "x");
    dp.add_port(a, 1, xdp_attach::native);
    dp.add_port(b, 2, xdp_attach::native);
    attach_xdp_pass(b + "x");
  }
  ~live_pair() {
    try {
      datapath::destroy(name, sandbox::get().location());
    } catch (...) {
    }
  }
};

// Sends `total` frames at `pps`, in 5 ms slices; returns seconds between the
// first and the last frame.
double paced_send(const raw_socket& tx, const bytes& f, int total, int pps) {
  const auto start = std::chrono::steady_clock::now();
  const int per_slice = pps / 200;
  int sent = 0;
  auto last = start;
  for (int slice = 0; sent < total; slice++) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(5000 * slice));
    for (int i = 0; i < per_slice && sent < total; i++, sent++) tx.send(f);
    last = std::chrono::steady_clock::now();
  }
  return std::chrono::duration<double>(last - start).count();
}

}  // namespace

TEST_CASE("meters are added, read, replaced and deleted; bad ones are refused") {
  test_datapath t(2);
  t.dp.set_meter({.id = 3, .pktps = true, .rate = 1000, .burst = 50, .stats = true});
  auto m = t.dp.get_meter(3);
  REQUIRE(m);
  CHECK(m->config.pktps);
  CHECK(m->config.rate == 1000);
  CHECK(m->config.burst == 50u);
  CHECK(m->stats.packets == 0);
  t.dp.set_meter({.id = 3, .rate = 2000});
  m = t.dp.get_meter(3);
  REQUIRE(m);
  CHECK_FALSE(m->config.pktps);
  CHECK_FALSE(m->config.burst);
  CHECK(t.dp.dump_meters().size() == 1);
  CHECK(t.dp.delete_meter(3));
  CHECK_FALSE(t.dp.delete_meter(3));
  CHECK(t.dp.dump_meters().empty());
  CHECK_THROWS_WITH_AS(t.dp.set_meter({.id = 5000, .rate = 10}), doctest::Contains("meter ids are 0..1023"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(t.dp.set_meter({.id = 1, .rate = 0}), doctest::Contains("rate must be at least 1"), ovsxdp::error);
  // An unknown meter lets everything through (OVS).
  t.dp.add_flow(text_flow(kKey, "meter(9),2"));
  CHECK(t.dp.trace(1, frame()).events.size() == 1);
}

TEST_CASE("a paced burst through a pktps meter: passed = burst + rate * time, within 5%") {
  live_pair f;
  const std::uint32_t rate = 1000, burst = 100;
  f.dp.set_meter({.id = 1, .pktps = true, .rate = rate, .burst = burst});
  f.dp.add_flow(text_flow(kKey, "meter(1),2"));
  raw_socket tx(f.a + "x"), rx(f.b + "x");
  const int total = 1500;
  const double seconds = paced_send(tx, frame(), total, 3000);  // 3x the rate, for ~0.5 s
  const std::size_t received = rx.drain().size();
  const auto m = f.dp.get_meter(1);
  REQUIRE(m);
  const double expected = burst + rate * seconds;
  const std::uint64_t passed = m->stats.packets - m->stats.band_packets;
  MESSAGE("pktps meter: sent " << total << " in " << seconds << " s; passed " << passed << " (expected " << expected << "), dropped "
                               << m->stats.band_packets);
  CHECK(m->stats.packets == total);
  CHECK(received == passed);
  CHECK(f.dp.counters()[OVSXDP_C_DROP_METER] == m->stats.band_packets);
  CHECK(static_cast<double>(passed) >= expected * 0.95 - 5);
  CHECK(static_cast<double>(passed) <= expected * 1.05 + 5);
}

TEST_CASE("a paced burst through a kbps meter: passed bits = burst + rate * time, within 5%") {
  live_pair f;
  const bytes packet = frame(58);  // 100 bytes: 800 bits
  REQUIRE(packet.size() == 100);
  const std::uint32_t rate_kbps = 800, burst_kbit = 80;  // 1000 packets/s, a burst of 100 packets
  f.dp.set_meter({.id = 2, .rate = rate_kbps, .burst = burst_kbit});
  f.dp.add_flow(text_flow(kKey, "meter(2),2"));
  raw_socket tx(f.a + "x"), rx(f.b + "x");
  const double seconds = paced_send(tx, packet, 1500, 3000);
  rx.drain();
  const auto m = f.dp.get_meter(2);
  REQUIRE(m);
  const double expected_bits = burst_kbit * 1000.0 + rate_kbps * 1000.0 * seconds;
  const double passed_bits = static_cast<double>(m->stats.bytes - m->stats.band_bytes) * 8;
  MESSAGE("kbps meter: passed " << passed_bits << " bits in " << seconds << " s (expected " << expected_bits << ")");
  CHECK(m->stats.packets == 1500);
  CHECK(passed_bits >= expected_bits * 0.95 - 5 * 800);
  CHECK(passed_bits <= expected_bits * 1.05 + 5 * 800);
}

TEST_CASE("two CPUs on one meter never spend the same tokens twice") {
  // Two CPUs this process may run on (the affinity mask, not the machine's count).
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; cpu++)
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  if (cpus.size() < 2) {
    skip_test_case("two CPUs on one meter: this process may run on " + std::to_string(cpus.size()) + " CPU; the case needs two");
    return;
  }
  live_pair f;
  // 1 packet/s and a burst of 1000: over the run's fraction of a second,
  // exactly the burst (plus at most one refill) may pass, whatever the interleaving.
  f.dp.set_meter({.id = 4, .pktps = true, .rate = 1, .burst = 1000});
  f.dp.add_flow(text_flow(kKey, "meter(4),2"));
  const int prog = f.dp.program_fd(OVSXDP_PROGRAM_DATAPATH);
  const std::uint32_t ifindex = f.dp.port(1)->ifindex;
  const std::uint32_t per_cpu = 200000;
  // What each thread saw: the pin took, the CPU it ran on before and after
  // its run, and when the run began and ended (the runs must overlap).
  struct run_record {
    int pinned = -1, cpu_before = -1, cpu_after = -1;
    std::chrono::steady_clock::time_point begin, end;
  };
  run_record records[2];
  const auto start = std::chrono::steady_clock::now();
  auto hammer = [&](int which) {
    run_record& r = records[which];
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpus[which], &set);
    r.pinned = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    r.cpu_before = sched_getcpu();
    xdp_test_options o;
    o.repeat = per_cpu;
    o.ingress_ifindex = ifindex;
    r.begin = std::chrono::steady_clock::now();
    run_xdp(prog, frame(), o);
    r.end = std::chrono::steady_clock::now();
    r.cpu_after = sched_getcpu();
  };
  std::thread a(hammer, 0), b(hammer, 1);
  a.join();
  b.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int which = 0; which < 2; which++) {
    CAPTURE(which);
    CHECK(records[which].pinned == 0);
    CHECK(records[which].cpu_before == cpus[which]);
    CHECK(records[which].cpu_after == cpus[which]);
  }
  const auto overlap = std::min(records[0].end, records[1].end) - std::max(records[0].begin, records[1].begin);
  MESSAGE("runs on CPUs " << cpus[0] << " and " << cpus[1] << " overlapped for " << std::chrono::duration<double, std::milli>(overlap).count()
                          << " ms of " << std::chrono::duration<double, std::milli>(records[0].end - records[0].begin).count() << " and "
                          << std::chrono::duration<double, std::milli>(records[1].end - records[1].begin).count() << " ms");
  CHECK(overlap > std::chrono::steady_clock::duration::zero());  // else the meter never saw two CPUs at once
  const auto m = f.dp.get_meter(4);
  REQUIRE(m);
  const std::uint64_t passed = m->stats.packets - m->stats.band_packets;
  MESSAGE("2 CPUs x " << per_cpu << " packets in " << seconds << " s: " << passed << " passed, " << m->stats.band_packets << " dropped");
  CHECK(m->stats.packets == 2 * per_cpu);  // statistics under the lock: none lost
  CHECK(passed >= 1000);
  CHECK(passed <= 1000 + static_cast<std::uint64_t>(seconds) + 1);
}

TEST_CASE("a meter between outputs is charged once per packet, and its verdict holds for every later copy") {
  test_datapath t(4);
  for (int port = 2; port <= 4; port++) attach_xdp_pass(t.name + "p" + std::to_string(port) + "x");  // else veth refuses copies
  t.dp.set_meter({.id = 6, .pktps = true, .rate = 1, .burst = 3});
  t.dp.add_flow(text_flow(kKey, "2,meter(6),3,4"));
  // Trace runs do not spend tokens: the meter still has its burst after them.
  for (int i = 0; i < 5; i++) CHECK(t.dp.trace(1, frame()).events.size() == 3);
  CHECK(t.dp.get_meter(6)->stats.packets == 0);
  // Executed (live) runs do: 3 pass with all copies, then only port 2 gets them.
  std::vector<std::size_t> copies;
  for (int i = 0; i < 5; i++) {
    const auto before = t.dp.counters();
    t.dp.execute(frame(), 1, odp::parse_actions("2,meter(6),3,4"));
    copies.push_back(t.dp.counters()[OVSXDP_C_OUTPUT] - before[OVSXDP_C_OUTPUT]);
  }
  CHECK(copies == std::vector<std::size_t>{3, 3, 3, 1, 1});
  const auto m = t.dp.get_meter(6);
  CHECK(m->stats.packets == 5);  // once per packet, not once per copy
  CHECK(m->stats.band_packets == 2);
}
