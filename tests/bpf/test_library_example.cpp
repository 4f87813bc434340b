// The library example of docs/library.md (samples/library/vlan_tagger.bpf.cpp) builds,
// loads, and does what the document says, checked byte for byte.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include "packet/packet_builder.hpp"
#include "runtime/skeleton.hpp"
#include "runtime/test_run.hpp"
#include "support/frame_check.hpp"
// clang-format off
#include "vlan_tagger.skel.h"
// clang-format on

using namespace ovsxdp;
using namespace ovsxdp::testing;

TEST_CASE("the library example decrements the TTL and tags IPv4; other packets pass; TTL 1 drops") {
  auto skel = skeleton<vlan_tagger>::open("vlan_tagger");
  skel->rodata->tagger_vid = 42;
  skel.load();
  const int fd = bpf_program__fd(skel->progs.vlan_tagger);
  auto eth = [] { return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02"); };

  const auto in = eth().ipv4("10.0.0.1", "10.0.0.2", {.ttl = 9}).udp(1, 2).payload(20).build();
  const auto r = run_xdp(fd, in);
  CHECK(r.verdict == XDP_TX);
  const auto expected = eth().vlan(42).ipv4("10.0.0.1", "10.0.0.2", {.ttl = 8}).udp(1, 2).payload(20).build();
  if (r.frame != expected) FAIL_CHECK(hex_diff(expected, r.frame));
  CHECK(checksum_errors(r.frame) == "");

  const auto arp = eth().arp(1, "02:00:00:00:00:01", "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2").build();
  const auto passed = run_xdp(fd, arp);
  CHECK(passed.verdict == XDP_PASS);
  CHECK(passed.frame == arp);

  CHECK(run_xdp(fd, eth().ipv4("10.0.0.1", "10.0.0.2", {.ttl = 1}).udp(1, 2).build()).verdict == XDP_DROP);
}
