// A datapath outlives the process that manages it. A manager process
// (tests/robust/manager.cpp) creates the datapath and keeps writing to it;
// while a bounded UDP stream crosses the datapath, the manager is SIGKILLed
// at random moments (mid-write included) and a new one adopts the datapath.
// Checked: every packet of the stream is forwarded (the programs stay
// attached through pinned links), the new manager finds the flows and
// statistics it left (nothing flushed), the maps stay consistent after every
// kill, and deleting the datapath leaves no pin, program or map behind.
#include <doctest/doctest.h>
#include <bpf/bpf.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "datapath/flow_text.hpp"
#include "packet/packet_builder.hpp"
#include "support/raw_socket.hpp"
#include "support/sandbox.hpp"

extern char** environ;

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

const char* kStream = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.9.0.2,proto=17,frag=no),udp()";

struct manager {
  pid_t pid = 0;
  FILE* out = nullptr;
  std::string ready;  // its "ready FLOWS PACKETS" line
};

manager start_manager(const std::vector<std::string>& args) {
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipefd[0]);
  std::vector<std::string> all{OVSXDP_TEST_MANAGER};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  manager m;
  REQUIRE(posix_spawn(&m.pid, argv[0], &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  close(pipefd[1]);
  m.out = fdopen(pipefd[0], "r");
  char line[256];
  if (fgets(line, sizeof line, m.out)) m.ready = line;
  return m;
}

void kill_manager(manager& m) {
  kill(m.pid, SIGKILL);
  int status = 0;
  waitpid(m.pid, &status, 0);
  fclose(m.out);
}

// The kernel ids of every object pinned under `dir`: programs (prog_*),
// links (links/*) and maps (the rest).
struct object_id {
  enum { program, link, map } kind;
  std::uint32_t id;
};
std::vector<object_id> object_ids(const std::string& dir) {
  std::vector<object_id> ids;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const int fd = bpf_obj_get(e.path().c_str());
    if (fd < 0) continue;
    const std::string file = e.path().filename();
    if (file.rfind("prog_", 0) == 0) {
      bpf_prog_info info{};
      __u32 len = sizeof info;
      if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) ids.push_back({object_id::program, info.id});
    } else if (e.path().parent_path().filename() == "links") {
      bpf_link_info info{};
      __u32 len = sizeof info;
      if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) ids.push_back({object_id::link, info.id});
    } else {
      bpf_map_info info{};
      __u32 len = sizeof info;
      if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) ids.push_back({object_id::map, info.id});
    }
    close(fd);
  }
  return ids;
}

bool object_exists(const object_id& o) {
  const int fd = o.kind == object_id::program ? bpf_prog_get_fd_by_id(o.id)
                 : o.kind == object_id::link  ? bpf_link_get_fd_by_id(o.id)
                                              : bpf_map_get_fd_by_id(o.id);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

TEST_CASE("a manager killed with SIGKILL and restarted: forwarding goes on, state is adopted, del-dp leaves nothing") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("restart");
  for (int i = 1; i <= 2; i++) s.veth(name + "p" + std::to_string(i), name + "x" + std::to_string(i));
  attach_xdp_pass(name + "x2");
  const std::vector<std::string> where{s.location().bpffs, s.location().run_dir, name};
  auto args = [&](std::initializer_list<std::string> more) {
    std::vector<std::string> a = where;
    a.insert(a.end(), more);
    return a;
  };
  manager m = start_manager(args({"create", name + "p1", name + "p2"}));
  REQUIRE(m.ready.rfind("ready", 0) == 0);

  raw_socket sender(name + "x1"), receiver(name + "x2");
  const char* long_run = std::getenv("OVSXDP_LONG");
  const int kPackets = 40000 * (long_run ? std::max(1, std::atoi(long_run)) : 1);
  std::atomic<bool> done{false};
  std::atomic<long> received{0};
  std::thread rx([&] {
    while (!done.load())
      while (receiver.receive(std::chrono::milliseconds(50))) received++;
  });
  std::thread tx([&] {
    const bytes frame = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.9.0.1", "10.9.0.2").udp(1, 2).payload(18).build();
    for (int i = 0; i < kPackets; i++) {
      sender.send(frame);
      if (i % 32 == 31) std::this_thread::sleep_for(std::chrono::microseconds(1000));
    }
  });

  std::mt19937 rng(7);
  std::vector<double> gaps_ms;
  int killed_mid_write = 0;
  std::uint64_t last_seen = 0;
  for (int restart = 0; restart < 6; restart++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    const auto killed = std::chrono::steady_clock::now();
    kill_manager(m);
    // The datapath must be consistent as the killed writer left it, before
    // anyone repairs it: forwarding does not wait for a manager.
    m = start_manager(args({"adopt"}));
    gaps_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - killed).count());
    INFO("restart " << restart << ": " << m.ready);
    REQUIRE(m.ready.rfind("ready", 0) == 0);
    unsigned long flows = 0, packets = 0, dead_writer = 0;
    REQUIRE(std::sscanf(m.ready.c_str(), "ready %lu %lu %lu", &flows, &packets, &dead_writer) == 3);
    killed_mid_write += dead_writer != 0;
    CHECK(flows >= 1);
    CHECK(packets >= last_seen);  // the stream's statistics survived: nothing flushed
    last_seen = packets;
  }
  tx.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill_manager(m);
  done = true;
  rx.join();

  datapath dp = datapath::open(name, s.location());
  const auto stream = dp.get_flow(flow_match{flow_from_text(kStream, "2").key, flow_from_text(kStream, "2").mask});
  REQUIRE(stream);
  CHECK(stream->stats.packets == static_cast<std::uint64_t>(kPackets));  // every packet hit the stream's flow
  CHECK(received.load() == kPackets);                                    // and was delivered
  dp.add_flow(flow_from_text("recirc_id(0),in_port(2),eth(),eth_type(0x0806),arp()", "1"));  // a write repairs what the last kill left
  dp.reclaim();
  const auto occ = dp.audit();
  CHECK(occ.live_flows == dp.dump_flows().size());
  CHECK(occ.megaflow_entries == occ.live_flows);
  CHECK(occ.dying_flows == 0);
  CHECK(occ.action_sets <= occ.live_flows);
  std::sort(gaps_ms.begin(), gaps_ms.end());
  MESSAGE("6 SIGKILLs (" << killed_mid_write << " in the middle of a write) under " << kPackets << " packets: all forwarded; manager back in " << gaps_ms[gaps_ms.size() / 2]
                              << " ms (median), " << gaps_ms.back() << " ms (max), forwarding gap 0 (no packet lost)");

  const std::string dir = s.location().bpffs + "/ovsxdp/" + name;
  const auto ids = object_ids(dir);
  CHECK(ids.size() >= 15);  // four programs, the links, the maps
  dp = datapath::open(name, s.location());  // a fresh handle; the old one's fds go with the move
  datapath::destroy(name, s.location());
  { datapath gone = std::move(dp); }  // close this process's last references
  CHECK_FALSE(std::filesystem::exists(dir));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<object_id> left;
  do {
    left.clear();
    for (const auto& id : ids)
      if (object_exists(id)) left.push_back(id);
    if (!left.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (!left.empty() && std::chrono::steady_clock::now() < deadline);
  CHECK_MESSAGE(left.empty(), left.size() << " BPF objects of the deleted datapath still exist");
}
