// XDP features and RX metadata through the netdev generic netlink family.
#include <bpf/libbpf.h>
#include <doctest/doctest.h>
#include <linux/if_link.h>

#include <algorithm>

#include "netdev/ethtool.hpp"
#include "netdev/link.hpp"
#include "netdev/xdp_features.hpp"
#include "netdev_fixture.hpp"
#include "runtime/error.hpp"
#include "runtime/net_namespace.hpp"
#include "runtime/skeleton.hpp"
#include "support/sandbox.hpp"
// clang-format off
#include "xdp_pass.skel.h"
// clang-format on

using namespace ovsxdp;
using namespace ovsxdp::netdev;
using namespace ovsxdp::testing;

namespace {
bool has(const std::vector<std::string>& names, const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); }
}  // namespace

TEST_CASE("a veth reports basic, redirect and rx-sg, and the timestamp, hash and vlan-tag RX metadata") {
  sandbox::get();
  const ip_veth veth("xf");
  const int ifindex = get_link(veth.a).ifindex;
  const xdp_features f = get_xdp_features(ifindex);
  CHECK(f.ifindex == ifindex);
  CHECK(f.has_action(xdp_act::basic));
  CHECK(f.has_action(xdp_act::redirect));
  CHECK(f.has_action(xdp_act::rx_sg));
  CHECK_FALSE(f.has_action(xdp_act::hw_offload));
  CHECK_FALSE(f.has_action(xdp_act::xsk_zerocopy));
  CHECK(f.rx_metadata_reported);
  CHECK(f.has_rx_metadata(xdp_rx_metadata::vlan_tag));
  CHECK(f.has_rx_metadata(xdp_rx_metadata::hash));
  CHECK(f.has_rx_metadata(xdp_rx_metadata::timestamp));
  CHECK(f.rx_metadata_names() == std::vector<std::string>{"timestamp", "hash", "vlan-tag"});
  CHECK(has(f.action_names(), "basic"));
  CHECK(has(f.action_names(), "rx-sg"));
  CHECK(get_xdp_features(veth.a).actions == f.actions);
}

TEST_CASE("a veth can take redirected frames (ndo-xmit) only while its peer runs XDP or GRO") {
  sandbox::get();
  const ip_veth veth("xn");
  CHECK_FALSE(get_xdp_features(veth.a).has_action(xdp_act::ndo_xmit));
  auto prog = skeleton<xdp_pass>::open_and_load("xdp_pass");
  const int peer = get_link(veth.b).ifindex;
  REQUIRE(bpf_xdp_attach(peer, bpf_program__fd(prog->progs.ovsxdp_pass), XDP_FLAGS_DRV_MODE, nullptr) == 0);
  xdp_features f = get_xdp_features(veth.a);
  CHECK(f.has_action(xdp_act::ndo_xmit));
  CHECK(f.has_action(xdp_act::ndo_xmit_sg));
  CHECK(has(f.action_names(), "ndo-xmit"));
  CHECK(has(f.action_names(), "ndo-xmit-sg"));
  REQUIRE(bpf_xdp_detach(peer, XDP_FLAGS_DRV_MODE, nullptr) == 0);
  CHECK_FALSE(get_xdp_features(veth.a).has_action(xdp_act::ndo_xmit));
  // GRO on the peer counts only while the peer is up (veth starts its NAPI then).
  set_link_up(veth.a, true);
  set_link_up(veth.b, true);
  REQUIRE(require_features(veth.b, {{"rx-gro", true}}).all_applied());
  CHECK(get_xdp_features(veth.a).has_action(xdp_act::ndo_xmit));
  REQUIRE(require_features(veth.b, {{"rx-gro", false}}).all_applied());
  CHECK_FALSE(get_xdp_features(veth.a).has_action(xdp_act::ndo_xmit));
}

TEST_CASE("loopback has no native XDP; a missing device and another namespace's devices are named in errors") {
  sandbox::get();
  const xdp_features lo = get_xdp_features("lo");
  CHECK(lo.ifindex == 1);
  CHECK(lo.actions == 0);
  CHECK(lo.action_names().empty());
  CHECK_THROWS_WITH_AS(get_xdp_features(987654), doctest::Contains("cannot read the XDP features of 'ifindex 987654'"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(get_xdp_features("oxnosuchlink"), doctest::Contains("'oxnosuchlink': no such device"), ovsxdp::error);

  const net_namespace other = net_namespace::create("xdp-far");
  const unique_fd there = open_netns(other.path());
  const std::string base = unique_ifname_base("xo");
  create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get()});
  const link_info far = get_link(base + "b", netns_ref(there.get()));
  const xdp_features f = get_xdp_features(base + "b", netns_ref(there.get()));
  CHECK(f.ifindex == far.ifindex);
  CHECK(f.has_rx_metadata(xdp_rx_metadata::vlan_tag));
  delete_link(base + "a");
}
