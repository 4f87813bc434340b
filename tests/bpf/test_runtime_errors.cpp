// The runtime's error paths: each failure names what failed and what to do.
#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

TEST_CASE("ensure_bpffs mounts bpffs where it is missing, and explains when it cannot") {
  // A private mount namespace: nothing here is visible outside this process.
  REQUIRE_MESSAGE(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): " << std::strerror(errno));
  REQUIRE(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
  char dir_template[] = "/tmp/ovsxdp-bpffs-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  CHECK_FALSE(is_bpffs(dir));
  ensure_bpffs(dir);
  CHECK(is_bpffs(dir));
  ensure_bpffs(dir);  // idempotent
  CHECK(umount(dir.c_str()) == 0);
  rmdir(dir.c_str());
  CHECK_THROWS_WITH_AS(ensure_bpffs(dir), doctest::Contains("mount -t bpf bpf"), ovsxdp::error);
}
