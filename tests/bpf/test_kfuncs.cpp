// The kfunc declarations resolve on this kernel and work: conntrack entries
// made from XDP are found by the next lookup; dynptr reads the frame.
#include <doctest/doctest.h>

#include <sched.h>

#include <cerrno>
#include <cstring>

#include "runtime/skeleton.hpp"
#include "runtime/test_run.hpp"
#include "packet/packet_builder.hpp"
#include "bpf-src/kfunc_probe.h"
// clang-format off
#include "kfunc_probe.skel.h"
// clang-format on

using namespace ovsxdp;

TEST_CASE("conntrack and dynptr kfuncs resolve and work from XDP") {
  // The conntrack entry goes to the test run's network namespace: make it a
  // private one, gone when this process exits.
  REQUIRE_MESSAGE(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): " << std::strerror(errno));
  auto skel = skeleton<kfunc_probe>::open_and_load("kfunc_probe");
  const int fd = bpf_program__fd(skel->progs.ovsxdp_kfunc_probe);
  // A port pair unlikely to be in the host's conntrack table already.
  auto frame = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02")
                   .ipv4("198.51.100.7", "198.51.100.8").tcp(47123, 9, 0x002).build();

  auto first = run_xdp(fd, frame);
  CHECK(first.verdict == XDP_PASS);
  CHECK(skel->bss->probe_result.found == 0);
  CHECK(skel->bss->probe_result.lookup_error == -ENOENT);
  CHECK(skel->bss->probe_result.inserted == 1);
  CHECK(skel->bss->probe_result.dynptr_size == frame.size());
  CHECK(skel->bss->probe_result.dynptr_ethertype == 0x0800);

  run_xdp(fd, frame);
  CHECK(skel->bss->probe_result.found == 1);  // the entry inserted by XDP is in nf_conntrack
}
