// Flow churn under traffic. A bounded UDP stream crosses native XDP on
// veths while another thread rewrites the stream's flow as fast as it can:
// each version k of the flow stamps k into the Ethernet source and sends to
// port 2 when k is even, port 3 when odd. It also deletes and re-adds the
// flow, and adds and deletes decoy flows under other masks. Checked:
//   - no packet reaches a port that its own stamp's version does not name
//     (a torn action list or a stale lookup would show here);
//   - flow statistics never go backwards within one incarnation of the flow;
//   - every packet sent is accounted for: delivered, or counted as a miss;
//   - afterwards, with every flow deleted and reclaimed, no map entry is left.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "datapath/flow_text.hpp"
#include "packet/packet_builder.hpp"
#include "support/raw_socket.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

const std::string kStream = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.9.0.2,proto=17,frag=no),udp()";

// Version k of the stream's flow: its number in the Ethernet source, and a
// port chosen by its parity.
flow_spec version(std::uint32_t k) {
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:00:%02x:%02x:%02x:%02x", (k >> 24) & 0xff, (k >> 16) & 0xff, (k >> 8) & 0xff, k & 0xff);
  return flow_from_text(kStream, std::string("set(eth(src=") + mac + "))," + (k % 2 ? "3" : "2"));
}

std::uint32_t stamped_version(const bytes& frame) {
  return static_cast<std::uint32_t>(frame[8]) << 24 | static_cast<std::uint32_t>(frame[9]) << 16 | static_cast<std::uint32_t>(frame[10]) << 8 | frame[11];
}

}  // namespace

TEST_CASE("flows change under traffic: no misforwarded packet, no stats going backwards, no leaked entry") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("churn");
  for (int i = 1; i <= 3; i++) s.veth(name + "p" + std::to_string(i), name + "x" + std::to_string(i));
  datapath_options o = s.options(name);
  o.max_flows = 4096;
  o.upcall_ring_bytes = 1u << 22;
  datapath dp = datapath::create(o);
  for (int i = 1; i <= 3; i++) REQUIRE(dp.add_port(name + "p" + std::to_string(i), static_cast<std::uint32_t>(i), xdp_attach::native).mode == OVSXDP_XDP_NATIVE);
  attach_xdp_pass(name + "x2");
  attach_xdp_pass(name + "x3");
  raw_socket sender(name + "x1"), rx2(name + "x2"), rx3(name + "x3");

  dp.add_flow(version(0));
  // OVSXDP_LONG=N: N times as many packets, so the churn runs N times as long.
  const char* long_run = std::getenv("OVSXDP_LONG");
  const int kPackets = 60000 * (long_run ? std::max(1, std::atoi(long_run)) : 1);
  std::atomic<bool> sending{true};
  std::atomic<std::uint32_t> latest{0};
  std::atomic<long> churn_ops{0}, readds{0};
  std::vector<std::string> problems;
  std::mutex problems_lock;
  auto problem = [&](std::string text) {
    std::lock_guard<std::mutex> hold(problems_lock);
    problems.push_back(std::move(text));
  };

  std::thread churn([&] {
    std::uint32_t k = 0;
    std::uint64_t last_packets = 0;
    std::vector<ovsxdp_ufid> decoys;
    std::uint32_t decoy_n = 0;
    while (sending.load()) {
      ++k;
      latest = k;  // before the change: a packet may carry k as soon as it is made
      if (k % 50 == 0) {  // a new incarnation: delete, then install again
        dp.delete_flow(flow_match{version(k).key, version(k).mask});
        dp.add_flow(version(k));
        readds++;
        last_packets = 0;
      } else {
        dp.modify_flow(flow_match{version(k).key, version(k).mask}, version(k).actions);
      }
      if (k % 4 == 0) {  // decoys under other masks come and go
        const std::uint32_t d = decoy_n++;
        const std::string key = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=172." + std::to_string(16 + d % 8) + "." +
                                std::to_string(d % 250) + ".0/255.255." + std::to_string(255 - d % 5) + ".0,frag=no)";
        decoys.push_back(dp.add_flow(flow_from_text(key, "2")));
        if (decoys.size() > 40) {
          dp.delete_flow(decoys.front());
          decoys.erase(decoys.begin());
        }
        churn_ops += 2;
      }
      if (const auto f = dp.get_flow(flow_match{version(k).key, version(k).mask})) {
        if (f->stats.packets < last_packets)
          problem("statistics went back from " + std::to_string(last_packets) + " to " + std::to_string(f->stats.packets));
        last_packets = f->stats.packets;
      }
      churn_ops++;
    }
    for (const auto& u : decoys) dp.delete_flow(u);
  });

  const auto start = std::chrono::steady_clock::now();
  const bytes frame = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.9.0.1", "10.9.0.2").udp(1000, 2000).payload(18).build();
  std::atomic<long> got2{0}, got3{0};
  std::atomic<bool> receiving{true};
  auto receive = [&](const raw_socket& rx, int port, std::atomic<long>& count) {
    while (receiving.load()) {
      while (auto f = rx.receive(std::chrono::milliseconds(50))) {
        count++;
        const std::uint32_t k = stamped_version(*f);
        if (static_cast<int>(k % 2 ? 3 : 2) != port)
          problem("version " + std::to_string(k) + " names port " + std::to_string(k % 2 ? 3 : 2) + " but arrived on port " + std::to_string(port));
        if (k > latest.load()) problem("a packet carries version " + std::to_string(k) + ", not installed yet");
      }
    }
  };
  std::thread r2(receive, std::cref(rx2), 2, std::ref(got2)), r3(receive, std::cref(rx3), 3, std::ref(got3));
  const auto before = dp.counters();
  for (int i = 0; i < kPackets; i++) {
    sender.send(frame);
    if (i % 64 == 63) std::this_thread::sleep_for(std::chrono::microseconds(500));  // bounded rate
  }
  sending = false;
  churn.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  receiving = false;
  r2.join();
  r3.join();
  const auto after = dp.counters();

  for (const auto& p : problems) FAIL_CHECK(p);
  CHECK(problems.empty());
  const long delivered = got2 + got3;
  const std::uint64_t missed = after[OVSXDP_C_MISSED] - before[OVSXDP_C_MISSED];
  const std::uint64_t output = after[OVSXDP_C_OUTPUT] - before[OVSXDP_C_OUTPUT];
  CHECK(output + missed == static_cast<std::uint64_t>(kPackets));  // every packet accounted for in the datapath
  CHECK(static_cast<std::uint64_t>(delivered) == output);          // and every output received
  CHECK(got2 > 0);
  CHECK(got3 > 0);
  MESSAGE("churn: " << churn_ops.load() << " flow operations in " << seconds << " s (" << static_cast<long>(churn_ops.load() / seconds)
                    << "/s: modify, delete+add " << readds.load() << " times, decoy add/delete) under " << kPackets << " packets; "
                    << delivered << " delivered (" << got2.load() << " to port 2, " << got3.load() << " to port 3), " << missed
                    << " missed while the flow was being re-added");

  dp.flush();
  dp.reclaim();
  const auto occ = dp.audit();
  CHECK(occ.live_flows == 0);
  CHECK(occ.dying_flows == 0);
  CHECK(occ.megaflow_entries == 0);
  CHECK(occ.action_sets == 0);
  CHECK(occ.active_masks == 0);
  CHECK(occ.probe_positions == 0);
  datapath::destroy(name, s.location());
}
