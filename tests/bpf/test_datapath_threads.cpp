// One handle, many threads, as ovs-vswitchd uses it (main thread, handlers,
// revalidators): writers adding, modifying and deleting flows while others
// dump, look up, execute, trace and read counters. Bounded by time; at the
// end the table must hold exactly the flows the writers left, and the maps
// must agree with it.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "odp/flow_parse.hpp"
#include "packet/packet_builder.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

constexpr auto kRunFor = std::chrono::milliseconds(2500);
constexpr unsigned kWriters = 3;
constexpr unsigned kKeysPerWriter = 120;

std::pair<std::uint64_t, std::uint64_t> key_of(const ovsxdp_ufid& u) { return {u.words[0], u.words[1]}; }

// Writer w's flow k: its own source range (10.w.x.y), so writers never cover
// each other's keys; odd writers use a /24 so masks come and go.
flow_spec writer_flow(unsigned w, unsigned k, unsigned out_port) {
  const std::string src = "10." + std::to_string(w) + "." + std::to_string(k) + "." + (w % 2 ? "0/255.255.255.0" : "1");
  flow_spec spec = text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=" + src + ",frag=no)", std::to_string(out_port));
  spec.ufid = ovsxdp_ufid{{0x7ead000000000000ULL | (std::uint64_t{w} << 32) | k, 0x5eedULL + k}};
  return spec;
}

bytes frame_from(unsigned w, unsigned k) {
  const std::string src = "10." + std::to_string(w) + "." + std::to_string(k) + ".1";
  return packet_builder().eth("50:54:00:00:00:01", "50:54:00:00:00:02").ipv4(src, "10.99.0.1").udp(1000, 2000).payload(18).build();
}

}  // namespace

TEST_CASE("flows added, modified and deleted by several threads while others dump, execute, trace and count") {
  test_datapath t(4, OVSXDP_MISS_DROP, 4096, 64);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> adds{0}, modifies{0}, deletes{0}, dumps{0}, lookups{0}, executes{0}, traces{0}, counter_reads{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  auto fail = [&](const std::string& what) {
    const std::lock_guard lock(failures_mutex);
    if (failures.size() < 20) failures.push_back(what);
  };
  // What each writer believes is installed, by UFID: its final state is the truth.
  std::vector<std::map<std::pair<std::uint64_t, std::uint64_t>, unsigned>> installed(kWriters);  // ufid -> output port

  std::vector<std::thread> threads;
  for (unsigned w = 0; w < kWriters; w++)
    threads.emplace_back([&, w] {
      std::mt19937 rng(w + 1);
      auto& mine = installed[w];
      try {
        while (!stop) {
          const unsigned k = rng() % kKeysPerWriter;
          flow_spec spec = writer_flow(w, k, 2 + rng() % 3);
          const auto id = key_of(*spec.ufid);
          if (!mine.count(id)) {
            t.dp.add_flow(spec);
            mine[id] = static_cast<unsigned>(std::get<act::output>(spec.actions.front()).port);
            adds++;
          } else if (rng() % 2) {
            const unsigned port = 2 + rng() % 3;
            t.dp.modify_flow(*spec.ufid, odp::parse_actions(std::to_string(port)), rng() % 2);
            mine[id] = port;
            modifies++;
          } else {
            if (!t.dp.delete_flow(*spec.ufid)) fail("writer " + std::to_string(w) + ": its flow " + std::to_string(k) + " was not there to delete");
            mine.erase(id);
            deletes++;
          }
        }
      } catch (const std::exception& e) {
        fail("writer " + std::to_string(w) + ": " + e.what());
      }
    });
  threads.emplace_back([&] {  // a revalidator: dumps, every flow once, each whole
    try {
      while (!stop) {
        std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
        for (const flow_entry& e : t.dp.dump_flows()) {
          if (!seen.insert(key_of(e.ufid)).second) fail("a dump listed a flow twice");
          if (e.actions.size() != 1 || !std::holds_alternative<act::output>(e.actions.front())) fail("a dump showed a flow with torn actions");
          if ((e.ufid.words[0] >> 48) != 0x7ead) fail("a dump showed a flow nobody installed");
        }
        dumps++;
      }
    } catch (const std::exception& e) {
      fail(std::string("dumper: ") + e.what());
    }
  });
  threads.emplace_back([&] {  // lookups by UFID
    std::mt19937 rng(99);
    try {
      while (!stop) {
        const unsigned w = rng() % kWriters, k = rng() % kKeysPerWriter;
        const flow_spec spec = writer_flow(w, k, 2);
        if (const auto e = t.dp.get_flow(*spec.ufid)) {
          if (std::memcmp(&e->mask, &spec.mask, sizeof spec.mask) != 0) fail("get_flow returned a flow with another mask");
          if (e->actions.size() != 1) fail("get_flow returned torn actions");
        }
        lookups++;
      }
    } catch (const std::exception& e) {
      fail(std::string("lookups: ") + e.what());
    }
  });
  for (int x = 0; x < 2; x++)
    threads.emplace_back([&, x] {  // handlers: executing and tracing packets
      std::mt19937 rng(7 + x);
      try {
        while (!stop) {
          const bytes frame = frame_from(rng() % kWriters, rng() % kKeysPerWriter);
          if (t.dp.execute(frame, 1, odp::parse_actions(x ? "2,3" : "2")) != XDP_REDIRECT) fail("execute did not redirect");
          executes++;
          const trace_result r = t.dp.trace(1, frame);  // a hit outputs once, a miss drops (one miss event)
          const bool hit = r.verdict == XDP_REDIRECT && r.events.size() == 1 && r.events[0].kind == OVSXDP_TRACE_OUTPUT;
          if (!hit && !(r.verdict == XDP_DROP && r.events.size() <= 1))
            fail("trace saw " + std::to_string(r.events.size()) + " events, verdict " + std::to_string(r.verdict));
          traces++;
        }
      } catch (const std::exception& e) {
        fail(std::string("executor: ") + e.what());
      }
    });
  threads.emplace_back([&] {
    try {
      while (!stop) {
        const datapath_counters c = t.dp.counters();
        (void)c;
        const auto o = t.dp.audit();
        if (o.live_flows > kWriters * kKeysPerWriter) fail("audit counted more live flows than could exist");
        t.dp.port_stats(2);
        counter_reads++;
      }
    } catch (const std::exception& e) {
      fail(std::string("counters: ") + e.what());
    }
  });
  std::this_thread::sleep_for(kRunFor);
  stop = true;
  for (auto& th : threads) th.join();

  MESSAGE("adds " << adds.load() << ", modifies " << modifies.load() << ", deletes " << deletes.load() << ", dumps " << dumps.load() << ", lookups " << lookups.load()
                  << ", executes " << executes.load() << ", traces " << traces.load() << ", counter reads " << counter_reads.load());
  for (const auto& f : failures) FAIL_CHECK(f);
  CHECK(adds > 100);
  CHECK(deletes > 10);
  CHECK(dumps > 5);
  CHECK(executes > 10);

  // Exactly what the writers left, each with the actions they last gave it.
  std::size_t expected = 0;
  const auto dumped = t.dp.dump_flows();
  std::map<std::pair<std::uint64_t, std::uint64_t>, unsigned> in_table;
  for (const flow_entry& e : dumped) in_table[key_of(e.ufid)] = static_cast<unsigned>(std::get<act::output>(e.actions.front()).port);
  CHECK(in_table.size() == dumped.size());
  for (unsigned w = 0; w < kWriters; w++) {
    expected += installed[w].size();
    for (const auto& [id, port] : installed[w]) {
      const auto it = in_table.find(id);
      if (it == in_table.end()) FAIL_CHECK("writer " << w << "'s flow is missing");
      else CHECK(it->second == port);
    }
  }
  CHECK(dumped.size() == expected);
  CHECK(t.dp.flow_count() == expected);
  const auto o = t.dp.audit();
  CHECK(o.live_flows == expected);
  CHECK(o.megaflow_entries == expected);
  // A packet of a surviving flow goes where its writer last pointed it.
  for (unsigned w = 0; w < kWriters; w++)
    for (unsigned k = 0; k < kKeysPerWriter; k++) {
      const flow_spec spec = writer_flow(w, k, 2);
      const auto it = installed[w].find(key_of(*spec.ufid));
      if (it == installed[w].end()) continue;
      const trace_result r = t.dp.trace(1, frame_from(w, k));
      REQUIRE(r.events.size() == 1);
      CHECK(r.events[0].port == it->second);
    }
  t.dp.flush();
  t.dp.reclaim();
  const auto empty = t.dp.audit();
  CHECK(empty.live_flows == 0);
  CHECK(empty.dying_flows == 0);
  CHECK(empty.megaflow_entries == 0);
  CHECK(empty.action_sets == 0);
  CHECK(empty.active_masks == 0);
  CHECK(empty.probe_positions == 0);
}
