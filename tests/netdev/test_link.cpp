// rtnetlink link queries and changes, cross-checked with `ip`.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <doctest/doctest.h>
#include <linux/if.h>
#include <linux/if_link.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "netdev/link.hpp"
#include "netdev/netlink.hpp"
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

// The ifindex `ip` prints first ("7: oxq1a@oxq1b: <...>"); /sys shows the
// host's namespace here, not ours.
int ifindex_by_ip(const std::string& name, const std::string& ns_path = {}) {
  const std::string prefix = ns_path.empty() ? "" : "nsenter --net=" + ns_path + " ";
  return std::stoi(capture_ok(prefix + "ip -o link show dev " + name));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::uint32_t prog_id(int prog_fd) {
  bpf_prog_info info{};
  std::uint32_t length = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(prog_fd, &info, &length) == 0);
  return info.id;
}

}  // namespace

TEST_CASE("get_link reports a veth's kind, MTU limits, state and peer as `ip` does") {
  sandbox::get();
  const ip_veth veth("q");
  const link_info a = get_link(veth.a);
  CHECK(a.name == veth.a);
  CHECK(a.ifindex == ifindex_by_ip(veth.a));
  CHECK(a.kind == "veth");
  CHECK(a.is_veth());
  CHECK(a.mtu == 1500);
  CHECK(a.min_mtu == 68);
  CHECK(a.max_mtu == 65535);
  CHECK_FALSE(a.is_up());
  CHECK(a.operstate == IF_OPER_DOWN);
  REQUIRE(a.link_ifindex.has_value());
  CHECK(*a.link_ifindex == ifindex_by_ip(veth.b));
  CHECK(a.peer_in_same_netns());
  CHECK(a.address.size() == 6);
  CHECK_FALSE(a.xdp.attached());
  const std::string shown = capture_ok("ip -o -d link show dev " + veth.a);
  CHECK(contains(shown, veth.a + "@" + veth.b + ":"));
  CHECK(contains(shown, "minmtu 68 maxmtu 65535"));
  char mac[32];
  std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", a.address[0], a.address[1], a.address[2], a.address[3], a.address[4], a.address[5]);
  CHECK(contains(shown, std::string("link/ether ") + mac));

  // By ifindex: the same link.
  const link_info by_index = get_link(a.ifindex);
  CHECK(by_index.name == a.name);
  CHECK(by_index.kind == a.kind);
  CHECK(by_index.link_ifindex == a.link_ifindex);
  CHECK(by_index.mtu == a.mtu);
  // And the peer points back.
  CHECK(get_link(*a.link_ifindex).link_ifindex == a.ifindex);
}

TEST_CASE("loopback has no kind and no lower link; list_links has every link in ifindex order") {
  sandbox::get();
  const link_info lo = get_link("lo");
  CHECK(lo.ifindex == 1);
  CHECK(lo.kind.empty());
  CHECK_FALSE(lo.link_ifindex.has_value());
  CHECK(lo.is_up());
  const ip_veth veth("l");
  const std::vector<link_info> links = list_links();
  CHECK(std::is_sorted(links.begin(), links.end(), [](const link_info& x, const link_info& y) { return x.ifindex < y.ifindex; }));
  const auto named = [&](const std::string& name) { return std::count_if(links.begin(), links.end(), [&](const link_info& l) { return l.name == name; }); };
  CHECK(named("lo") == 1);
  CHECK(named(veth.a) == 1);
  CHECK(named(veth.b) == 1);
  // As many as `ip` counts.
  const std::string all = capture_ok("ip -o link show");
  CHECK(links.size() == static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n')));
}

TEST_CASE("a missing link is nullopt for find_link and an error naming it for get_link") {
  sandbox::get();
  CHECK_FALSE(find_link("oxnosuchlink").has_value());
  CHECK_FALSE(find_link(987654).has_value());
  CHECK_FALSE(find_link(0).has_value());
  CHECK_THROWS_WITH_AS(get_link("oxnosuchlink"), "cannot read link 'oxnosuchlink': no such device\n  hint: check the interface name or index with `ip link`",
                       ovsxdp::error);
  CHECK_THROWS_WITH_AS(get_link(987654), doctest::Contains("'ifindex 987654': no such device"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(find_link("ox/slash"), doctest::Contains("not a valid interface name"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(find_link("oxthisnameistoolong"), doctest::Contains("not a valid interface name"), ovsxdp::error);
}

TEST_CASE("create_veth makes a pair `ip` sees, with the MTU asked for; a taken name is refused with the kernel's reason") {
  sandbox::get();
  const std::string base = unique_ifname_base("cv");
  create_veth({.name = base + "a", .peer_name = base + "b", .mtu = 9000});
  const std::string shown = capture_ok("ip -o -d link show dev " + base + "a");
  CHECK(contains(shown, base + "a@" + base + "b:"));
  CHECK(contains(shown, "mtu 9000"));
  CHECK(contains(shown, " veth "));
  CHECK(get_link(base + "b").mtu == 9000);
  CHECK_FALSE(get_link(base + "a").is_up());

  try {
    create_veth({.name = base + "a", .peer_name = base + "c"});
    FAIL("a second link with a taken name was created");
  } catch (const netlink_error& e) {
    CHECK(e.errnum() == EEXIST);
    CHECK(contains(e.what(), "cannot create veth pair '" + base + "a <-> " + base + "c': File exists"));
    CHECK(contains(e.what(), "hint: pick another name"));
  }
  CHECK_FALSE(find_link(base + "c").has_value());
  CHECK_THROWS_WITH_AS(create_veth({.name = base + "x", .peer_name = ""}), doctest::Contains("not a valid interface name"), ovsxdp::error);
  // An MTU beyond the device's maximum: the kernel's own words.
  try {
    create_veth({.name = base + "m", .peer_name = base + "n", .mtu = 70000});
    FAIL("a veth with MTU 70000 was created");
  } catch (const netlink_error& e) {
    CHECK(e.errnum() == EINVAL);  // veth checks it without an extended ack message
    CHECK(contains(e.what(), "cannot create veth pair '" + base + "m <-> " + base + "n': Invalid argument"));
  }
  CHECK_FALSE(find_link(base + "m").has_value());
  delete_link(base + "a");
  CHECK_FALSE(find_link(base + "b").has_value());
}

TEST_CASE("set_link_up and set_link_mtu change what `ip` shows; an MTU out of range carries the kernel's message") {
  sandbox::get();
  const ip_veth veth("up");
  set_link_up(veth.a, true);
  CHECK(get_link(veth.a).is_up());
  CHECK(contains(capture_ok("ip -o link show dev " + veth.a), "MULTICAST,UP"));
  CHECK_FALSE(get_link(veth.a).is_running());  // the peer is down: no carrier
  set_link_up(veth.b, true);
  // Carrier is immediate; operstate follows through the kernel's linkwatch, within a second or so.
  link_info a = get_link(veth.a);
  for (int i = 0; i < 40 && a.operstate != IF_OPER_UP; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    a = get_link(veth.a);
  }
  CHECK(a.is_running());
  CHECK(a.operstate == IF_OPER_UP);
  set_link_up(veth.a, false);
  CHECK_FALSE(get_link(veth.a).is_up());
  CHECK(contains(capture_ok("ip -o link show dev " + veth.a), "state DOWN"));

  set_link_mtu(veth.a, 9000);
  CHECK(get_link(veth.a).mtu == 9000);
  CHECK(contains(capture_ok("ip -o link show dev " + veth.a), "mtu 9000"));
  set_link_mtu(veth.a, 68);
  CHECK(get_link(veth.a).mtu == 68);
  try {
    set_link_mtu(veth.a, 65536);
    FAIL("MTU 65536 was accepted");
  } catch (const netlink_error& e) {
    CHECK(e.errnum() == EINVAL);
    CHECK(contains(e.kernel_message(), "maximum"));
    CHECK(contains(e.what(), "cannot set the MTU to 65536 on link '" + veth.a + "': Invalid argument (kernel: "));
  }
  CHECK_THROWS_WITH_AS(set_link_mtu(veth.a, 67), doctest::Contains("minimum"), netlink_error);
  CHECK(get_link(veth.a).mtu == 68);
  CHECK_THROWS_WITH_AS(set_link_up("oxnosuchlink", true), doctest::Contains("'oxnosuchlink': No such device"), netlink_error);
}

TEST_CASE("delete_link by name and by ifindex removes both ends; deleting a missing link says so") {
  sandbox::get();
  const std::string base = unique_ifname_base("dl");
  create_veth({.name = base + "a", .peer_name = base + "b"});
  delete_link(base + "b");
  CHECK_FALSE(find_link(base + "a").has_value());
  CHECK(contains(capture("ip link show dev " + base + "a"), "does not exist"));
  create_veth({.name = base + "a", .peer_name = base + "b"});
  delete_link(get_link(base + "a").ifindex);
  CHECK_FALSE(find_link(base + "b").has_value());
  CHECK_THROWS_WITH_AS(delete_link(base + "a"), doctest::Contains(("cannot delete link '" + base + "a': No such device").c_str()), netlink_error);
  CHECK_THROWS_WITH_AS(delete_link(987654), doctest::Contains("No such device"), netlink_error);
  CHECK_THROWS_WITH_AS(delete_link(0), doctest::Contains("not a valid ifindex"), ovsxdp::error);
}

TEST_CASE("a veth with its peer in another namespace: nsid, peer ifindex there, and changes made there") {
  sandbox::get();
  const net_namespace other = net_namespace::create("link-peer");
  const unique_fd there = open_netns(other.path());
  const netns_ref far(there.get());
  const std::string base = unique_ifname_base("pn");
  create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get(), .mtu = 2000});
  CHECK_FALSE(find_link(base + "b").has_value());  // not here
  const link_info near = get_link(base + "a");
  REQUIRE(near.link_netnsid.has_value());
  CHECK_FALSE(near.peer_in_same_netns());
  const link_info peer = get_link(base + "b", far);
  CHECK(peer.kind == "veth");
  CHECK(peer.mtu == 2000);
  CHECK(peer.ifindex == ifindex_by_ip(base + "b", other.path()));
  CHECK(near.link_ifindex == peer.ifindex);
  CHECK(peer.link_ifindex == near.ifindex);
  REQUIRE(peer.link_netnsid.has_value());
  // The peer's id for our namespace leads back here.
  CHECK(is_current_netns(open_netns_by_id(*peer.link_netnsid, far).get()));
  CHECK(get_link(peer.ifindex, far).name == base + "b");
  const std::vector<link_info> far_links = list_links(far);
  CHECK(std::any_of(far_links.begin(), far_links.end(), [&](const link_info& l) { return l.name == base + "b"; }));

  set_link_up(base + "b", true, far);
  set_link_mtu(base + "b", 1400, far);
  const std::string shown = capture_ok("nsenter --net=" + other.path() + " ip -o link show dev " + base + "b");
  CHECK(contains(shown, "mtu 1400"));
  CHECK(contains(shown, ",UP"));
  CHECK_THROWS_WITH_AS(get_link("oxnosuchlink", far), doctest::Contains("in network namespace net:["), ovsxdp::error);
  delete_link(base + "b", far);
  CHECK_FALSE(find_link(base + "a").has_value());
}

TEST_CASE("IFLA_XDP: the attached program's mode and id, native then generic") {
  sandbox::get();
  const ip_veth veth("x");
  auto prog = skeleton<xdp_pass>::open_and_load("xdp_pass");
  const int fd = bpf_program__fd(prog->progs.ovsxdp_pass);
  const std::uint32_t id = prog_id(fd);
  const int ifindex = get_link(veth.a).ifindex;

  REQUIRE(bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, nullptr) == 0);
  link_info a = get_link(veth.a);
  CHECK(a.xdp.mode == xdp_attach_mode::native);
  CHECK(a.xdp.attached());
  CHECK(a.xdp.prog_id == id);
  CHECK(a.xdp.native_prog_id == id);
  CHECK(a.xdp.generic_prog_id == 0);
  CHECK(std::string(to_string(a.xdp.mode)) == "native");
  CHECK(contains(capture_ok("ip -o link show dev " + veth.a), "xdp qdisc"));
  CHECK(contains(capture_ok("ip -o link show dev " + veth.a), "prog/xdp id " + std::to_string(id)));
  CHECK_FALSE(get_link(veth.b).xdp.attached());
  // (The kernel refuses generic beside native, so "multi" needs offload hardware.)
  REQUIRE(bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, nullptr) == 0);
  CHECK(get_link(veth.a).xdp.mode == xdp_attach_mode::none);

  REQUIRE(bpf_xdp_attach(ifindex, fd, XDP_FLAGS_SKB_MODE, nullptr) == 0);
  a = get_link(veth.a);
  CHECK(a.xdp.mode == xdp_attach_mode::generic);
  CHECK(a.xdp.prog_id == id);
  CHECK(a.xdp.generic_prog_id == id);
  CHECK(a.xdp.native_prog_id == 0);
  CHECK(contains(capture_ok("ip -o link show dev " + veth.a), "xdpgeneric"));

  REQUIRE(bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, nullptr) == 0);
  a = get_link(veth.a);
  CHECK(a.xdp.mode == xdp_attach_mode::none);
  CHECK_FALSE(a.xdp.attached());
  CHECK(a.xdp.prog_id == 0);
}
