// Security properties:
//   - a datapath's pins, directories and lock file are root's alone, and an
//     unprivileged process can open none of them;
//   - the datapath fails closed: whatever goes wrong inside (corrupt action
//     records, a flow pointing at a missing action list, a damaged mask), a
//     packet is dropped and counted, never passed to the stack or sent on.
#include <doctest/doctest.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "datapath/flow_text.hpp"
#include "packet/packet_builder.hpp"
#include "runtime/test_run.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;
namespace fs = std::filesystem;

TEST_CASE("pins, directories and the lock file are root's alone") {
  test_datapath t(2);
  const std::string dir = sandbox::get().location().bpffs + "/ovsxdp/" + t.name;
  std::vector<std::string> paths{dir, sandbox::get().location().run_dir, sandbox::get().location().run_dir + "/" + t.name + ".lock"};
  for (const auto& e : fs::recursive_directory_iterator(dir)) paths.push_back(e.path());
  CHECK(paths.size() > 20);
  for (const auto& p : paths) {
    struct stat st{};
    REQUIRE(stat(p.c_str(), &st) == 0);
    INFO(p << " has mode " << std::oct << (st.st_mode & 07777));
    CHECK(st.st_uid == 0);
    CHECK((st.st_mode & 077) == 0);  // nothing for group or others
  }
  // An unprivileged process cannot reach a single pin.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(2);
    int opened = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied)) {
      const int fd = bpf_obj_get(e.path().c_str());
      opened += fd >= 0;
    }
    const int fd = bpf_obj_get((dir + "/flows").c_str());
    _exit(opened == 0 && fd < 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

namespace {

struct corrupt_case {
  const char* what;
  std::function<void(const std::string& dir)> damage;
  ovsxdp_counter counted;
};

template <class T>
void update_pinned(const std::string& path, std::uint32_t key, const std::function<void(T&)>& change) {
  const int fd = bpf_obj_get(path.c_str());
  REQUIRE(fd >= 0);
  T value;
  REQUIRE(bpf_map_lookup_elem(fd, &key, &value) == 0);
  change(value);
  REQUIRE(bpf_map_update_elem(fd, &key, &value, BPF_ANY) == 0);
  close(fd);
}

// The slot of the one live flow, and its action set.
std::pair<std::uint32_t, std::uint32_t> live_flow(const std::string& dir) {
  const int fd = bpf_obj_get((dir + "/flows").c_str());
  for (std::uint32_t i = 0; i < 4096; i++) {
    ovsxdp_flow f;
    if (bpf_map_lookup_elem(fd, &i, &f) == 0 && f.state == OVSXDP_FLOW_LIVE) {
      close(fd);
      return {i, f.actions};
    }
  }
  close(fd);
  FAIL("no live flow");
  return {};
}

}  // namespace

TEST_CASE("damaged datapath state fails closed: dropped and counted, never passed or sent") {
  const bytes packet = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(20).build();
  const std::vector<corrupt_case> cases{
      {"garbage action records",
       [](const std::string& dir) {
         update_pinned<ovsxdp_action_set>(dir + "/action_sets", live_flow(dir).second, [](ovsxdp_action_set& s) {
           std::memset(s.bytes, 0xee, sizeof s.bytes);
           s.length = 64;
         });
       },
       OVSXDP_C_DROP_ACTION},
      {"a record longer than its list",
       [](const std::string& dir) {
         update_pinned<ovsxdp_action_set>(dir + "/action_sets", live_flow(dir).second, [](ovsxdp_action_set& s) { s.bytes[1] = 200; });
       },
       OVSXDP_C_DROP_ACTION},
      {"a flow pointing at an action list that does not exist",
       [](const std::string& dir) { update_pinned<ovsxdp_flow>(dir + "/flows", live_flow(dir).first, [](ovsxdp_flow& f) { f.actions = 0x7fffffff; }); },
       OVSXDP_C_DROP_ACTION},
      {"an output to a port number the port map lacks",
       [](const std::string& dir) {
         update_pinned<ovsxdp_action_set>(dir + "/action_sets", live_flow(dir).second, [](ovsxdp_action_set& s) {
           ovsxdp_action_output o{{OVSXDP_ACTION_OUTPUT, 2, 0}, 77};
           std::memcpy(s.bytes, &o, sizeof o);
           s.length = sizeof o;
         });
       },
       OVSXDP_C_DROP_NO_PORT},
      {"a damaged mask",
       [](const std::string& dir) {
         update_pinned<ovsxdp_mask>(dir + "/masks", 0, [](ovsxdp_mask& m) {
           m.n_words = 200;
           std::memset(m.words, 0xff, sizeof m.words);
         });
       },
       OVSXDP_C_MISS_DROPPED},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    test_datapath t(2, OVSXDP_MISS_DROP, 4096, 64, OVSXDP_CACHE_NONE);
    t.dp.add_flow(flow_from_text("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"));
    REQUIRE(t.dp.trace(1, packet).verdict == XDP_REDIRECT);
    c.damage(sandbox::get().location().bpffs + "/ovsxdp/" + t.name);
    const auto before = t.dp.counters();
    const trace_result traced = t.dp.trace(1, packet);
    xdp_test_options live;
    live.ingress_ifindex = t.dp.port(1)->ifindex;
    const xdp_test_result ran = run_xdp(t.dp.program_fd(OVSXDP_PROGRAM_DATAPATH), packet, live);
    const auto after = t.dp.counters();
    CHECK(traced.verdict == XDP_DROP);
    CHECK(ran.verdict == XDP_DROP);
    CHECK(traced.events.size() <= 1);  // at most the miss upcall; nothing sent
    for (const auto& e : traced.events) CHECK(e.kind == OVSXDP_TRACE_UPCALL);
    CHECK(after[c.counted] - before[c.counted] == 2);
  }
}
