// The runtime's error paths: each failure names what failed and what to do.
#include <doctest/doctest.h>

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "runtime/environment.hpp"
#include "runtime/error.hpp"
#include "runtime/skeleton.hpp"
// clang-format off
#include "missing_kfunc.skel.h"
#include "rejected_by_verifier.skel.h"
// clang-format on

using namespace ovsxdp;

TEST_CASE("a verifier rejection quotes the verifier log") {
  try {
    auto skel = skeleton<rejected_by_verifier>::open_and_load("rejected_by_verifier");
    FAIL("the unsafe program loaded");
  } catch (const ovsxdp::error& e) {
    const std::string text = e.what();
    CHECK(text.find("cannot load BPF object 'rejected_by_verifier'") != std::string::npos);
    CHECK(text.find("the kernel verifier rejected a program") != std::string::npos);
    CHECK(text.find("invalid access to packet") != std::string::npos);  // from the log tail
    CHECK(!e.remedy().empty());
  }
}

TEST_CASE("a kfunc the kernel lacks is reported as a missing kernel feature") {
  try {
    auto skel = skeleton<missing_kfunc>::open_and_load("missing_kfunc");
    FAIL("a program with an unknown kfunc loaded");
  } catch (const ovsxdp::error& e) {
    const std::string text = e.what();
    CHECK(text.find("the running kernel lacks a feature") != std::string::npos);
    CHECK(text.find("bpf_ovsxdp_no_such_kfunc") != std::string::npos);
  }
}

namespace {

// A process in this mount namespace that is not a child of this one (a
// child would die with it), as a shell inside `unshare -m` is: a double
// fork, so that it is re-parented.
pid_t start_namespace_holder() {
  int pid_pipe[2];
  if (pipe(pid_pipe) != 0) return -1;
  const pid_t middle = fork();
  if (middle == 0) {
    const pid_t holder = fork();
    if (holder == 0) {
      pause();
      _exit(0);
    }
    (void)!write(pid_pipe[1], &holder, sizeof holder);
    _exit(0);
  }
  waitpid(middle, nullptr, 0);
  pid_t holder = -1;
  (void)!read(pid_pipe[0], &holder, sizeof holder);
  close(pid_pipe[0]);
  close(pid_pipe[1]);
  return holder;
}

// Runs `body` in a child process with a mount namespace of its own (nothing
// it mounts is seen outside), held by a second process when `held`. The
// child's exit status: 0 when `body` returned.
int in_own_mount_namespace(bool held, const std::function<void()>& body) {
  const pid_t child = fork();
  if (child == 0) {
    int status = 1;
    if (unshare(CLONE_NEWNS) == 0 && mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) {
      const pid_t holder = held ? start_namespace_holder() : -1;
      try {
        body();
        status = 0;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        status = 2;
      }
      if (holder > 0) kill(holder, SIGKILL);
    }
    _exit(status);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

TEST_CASE("ensure_bpffs mounts bpffs on an empty directory where the mount outlives the process, and says so") {
  // The namespace is held by another process, as the host's is.
  const int status = in_own_mount_namespace(true, [] {
    char dir_template[] = "/tmp/ovsxdp-bpffs-XXXXXX";
    const std::string dir = mkdtemp(dir_template);
    if (!mount_namespace_outlives_this_process()) throw std::runtime_error("a held namespace counted as dying");
    if (is_bpffs(dir)) throw std::runtime_error("a fresh directory is a bpffs");
    if (ensure_bpffs(dir) != bpffs_mount::mounted || !is_bpffs(dir)) throw std::runtime_error("not mounted");
    if (ensure_bpffs(dir) != bpffs_mount::existing) throw std::runtime_error("mounted twice");
    if (!release_bpffs(dir) || is_bpffs(dir)) throw std::runtime_error("release left the mount");
    // A bpffs mounted by someone else is never unmounted.
    if (mount("bpf", dir.c_str(), "bpf", 0, nullptr) != 0) throw std::runtime_error("mount by hand failed");
    if (release_bpffs(dir) || !is_bpffs(dir)) throw std::runtime_error("released a bpffs ovsxdp did not mount");
    umount(dir.c_str());
    rmdir(dir.c_str());
  });
  CHECK(status == 0);
}

TEST_CASE("ensure_bpffs refuses what would hide files or vanish with the command") {
  char dir_template[] = "/tmp/ovsxdp-bpffs-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  // A directory with files: a mount would hide them. (In a namespace of its
  // own, held, where a mount would otherwise be made: a regression cannot
  // leave one on the host.)
  const std::string file = dir + "/keep";
  std::fclose(std::fopen(file.c_str(), "w"));
  CHECK(in_own_mount_namespace(true, [&] {
          try {
            ensure_bpffs(dir);
          } catch (const ovsxdp::error& e) {
            if (std::string(e.what()).find("would hide them") == std::string::npos) throw;
            if (is_bpffs(dir) || access(file.c_str(), F_OK) != 0) throw std::runtime_error("the files are hidden");
            return;
          }
          throw std::runtime_error("mounted over a directory with files");
        }) == 0);
  unlink(file.c_str());
  // A mount namespace only this process holds (ip netns exec, unshare -m COMMAND).
  const int status = in_own_mount_namespace(false, [&] {
    if (mount_namespace_outlives_this_process()) throw std::runtime_error("a namespace only this process holds counted as lasting");
    try {
      ensure_bpffs(dir);
    } catch (const ovsxdp::error& e) {
      if (std::string(e.what()).find("vanish when this command ends") == std::string::npos) throw;
      if (is_bpffs(dir)) throw std::runtime_error("mounted anyway");
      return;
    }
    throw std::runtime_error("mounted a bpffs that dies with the process");
  });
  CHECK(status == 0);
  rmdir(dir.c_str());
  CHECK_THROWS_WITH_AS(ensure_bpffs(dir), doctest::Contains("mount -t bpf bpf"), ovsxdp::error);
}
