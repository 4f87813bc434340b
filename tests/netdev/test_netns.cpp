// Namespace identity, nsids, finding a namespace by nsid through each place
// that can name one, and running code inside another namespace.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

#include "netdev/link.hpp"
#include "netdev/netns.hpp"
#include "netdev_fixture.hpp"
#include "runtime/error.hpp"
#include "runtime/net_namespace.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::netdev;
using namespace ovsxdp::testing;

namespace {

std::uint64_t inode_from_proc_link(const std::string& path) {
  char target[64] = {};
  REQUIRE(::readlink(path.c_str(), target, sizeof target - 1) > 0);
  const std::string text = target;  // "net:[4026531840]"
  REQUIRE(text.rfind("net:[", 0) == 0);
  return std::stoull(text.substr(5, text.size() - 6));
}

}  // namespace

TEST_CASE("netns_inode and is_current_netns agree with /proc's names for the namespace") {
  sandbox::get();
  const std::uint64_t here = netns_inode();
  CHECK(here == inode_from_proc_link("/proc/self/ns/net"));
  const unique_fd current = open_current_netns();
  CHECK(netns_inode(current.get()) == here);
  CHECK(netns_inode(netns_ref(current.get())) == here);
  CHECK(netns_inode(netns_ref::current()) == here);
  CHECK(is_current_netns(current.get()));
  CHECK(describe_netns({}) == "net:[" + std::to_string(here) + "]");

  const net_namespace other = net_namespace::create("netns-identity");
  const unique_fd there = open_netns(other.path());
  CHECK_FALSE(is_current_netns(there.get()));
  CHECK(netns_inode(there.get()) != here);
  CHECK(netns_inode(there.get()) == inode_from_proc_link(other.path()));
  const unique_fd again = open_netns(other.path());
  CHECK(same_netns(there.get(), again.get()));
  CHECK_FALSE(same_netns(there.get(), current.get()));
  CHECK(netns_inode() == here);  // nothing above moved this thread
}

TEST_CASE("open_netns refuses what is not a network namespace, saying so") {
  sandbox::get();
  CHECK_THROWS_WITH_AS(open_netns("/proc/self/ns/mnt"), doctest::Contains("it is not a network namespace"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(open_netns("/ox/no/such/netns"), doctest::Contains("No such file or directory"), ovsxdp::error);
}

TEST_CASE("run_in_netns runs on a thread inside the namespace, returns its value and rethrows its exception") {
  sandbox::get();
  const std::uint64_t here = netns_inode();
  const net_namespace other = net_namespace::create("netns-run");
  const unique_fd there = open_netns(other.path());

  CHECK(run_in_netns(there.get(), [] { return netns_inode(); }) == netns_inode(there.get()));
  // Interfaces resolve there: its loopback, and not our veths.
  const ip_veth veth("rn");
  CHECK(run_in_netns(there.get(), [&] { return find_link(veth.a).has_value(); }) == false);
  CHECK(run_in_netns(there.get(), [] { return get_link("lo").ifindex; }) == 1);

  std::atomic<bool> ran{false};
  run_in_netns(there.get(), [&] { ran = netns_inode() != here; });
  CHECK(ran);

  CHECK_THROWS_WITH_AS(run_in_netns(there.get(), []() -> int { throw ovsxdp::error("do a thing", "inside", "it failed on purpose"); }),
                       "cannot do a thing 'inside': it failed on purpose", ovsxdp::error);
  CHECK_THROWS_AS(run_in_netns(there.get(), [] { throw std::logic_error("any type"); }), std::logic_error);
  // A bad fd fails in the worker and comes back as an error.
  CHECK_THROWS_WITH_AS(run_in_netns(-1, [] { return 0; }), doctest::Contains("enter network namespace"), ovsxdp::error);
  CHECK(netns_inode() == here);

  // run_in() calls directly for the current namespace (no thread).
  const auto caller = std::this_thread::get_id();
  CHECK(run_in(netns_ref::current(), [] { return std::this_thread::get_id(); }) == caller);
  CHECK(run_in(netns_ref(there.get()), [] { return std::this_thread::get_id(); }) != caller);
}

TEST_CASE("a namespace gets an nsid when a veth peer there is reported; netns_id reads it back from either side") {
  sandbox::get();
  const net_namespace other = net_namespace::create("netns-id");
  const unique_fd there = open_netns(other.path());
  CHECK_FALSE(netns_id(there.get()).has_value());  // new: no id yet

  const std::string base = unique_ifname_base("id");
  create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get()});
  const link_info near = get_link(base + "a");
  REQUIRE(near.link_netnsid.has_value());
  CHECK(netns_id(there.get()) == near.link_netnsid);
  // `ip` prints the same id.
  CHECK(capture_ok("ip -o link show dev " + base + "a").find("link-netnsid " + std::to_string(*near.link_netnsid)) != std::string::npos);

  // From the other side, this namespace is the peer's, under its own id there.
  const link_info far = get_link(base + "b", netns_ref(there.get()));
  REQUIRE(far.link_netnsid.has_value());
  const unique_fd home = open_current_netns();
  CHECK(netns_id(home.get(), netns_ref(there.get())) == far.link_netnsid);
  delete_link(base + "a");
}

TEST_CASE("find_netns_by_id finds a namespace held only by an fd of this process") {
  sandbox::get();
  const net_namespace other = net_namespace::create("netns-fd");
  const std::string base = unique_ifname_base("fd");
  std::uint64_t inode = 0;
  {
    const unique_fd there = open_netns(other.path());
    inode = netns_inode(there.get());
    create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get()});
  }
  const link_info link = get_link(base + "a");
  REQUIRE(link.link_netnsid.has_value());
  auto found = find_netns_by_id(*link.link_netnsid);
  REQUIRE(found.has_value());
  CHECK(netns_inode(found->get()) == inode);
  // The fd it returns works: the peer is there.
  CHECK(get_link(base + "b", netns_ref(found->get())).link_ifindex == link.ifindex);
  delete_link(base + "a");
}

TEST_CASE("find_netns_by_id finds another process's namespace through /proc/PID/ns/net") {
  sandbox::get();
  const namespace_child child;
  const std::string base = unique_ifname_base("pid");
  std::uint64_t inode = 0;
  {
    const unique_fd there = open_netns(child.ns_path());
    inode = netns_inode(there.get());
    create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get()});
  }  // from here only the child names that namespace
  const link_info link = get_link(base + "a");
  REQUIRE(link.link_netnsid.has_value());
  const unique_fd found = open_netns_by_id(*link.link_netnsid);
  CHECK(netns_inode(found.get()) == inode);
  CHECK(netns_inode(found.get()) == inode_from_proc_link(child.ns_path()));
  delete_link(base + "a");
}

TEST_CASE("find_netns_by_id finds a namespace named under /run/netns") {
  sandbox::get();
  const private_run_netns run_netns;
  const std::string name = unique_ifname_base("named");
  capture_ok("ip netns add " + name);
  const std::string base = unique_ifname_base("nm");
  std::uint64_t inode = 0;
  {
    const unique_fd there = open_netns("/run/netns/" + name);
    inode = netns_inode(there.get());
    create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get()});
  }
  const link_info link = get_link(base + "a");
  REQUIRE(link.link_netnsid.has_value());
  const unique_fd found = open_netns_by_id(*link.link_netnsid);
  CHECK(netns_inode(found.get()) == inode);
  CHECK(capture_ok("ip netns list-id").find("nsid " + std::to_string(*link.link_netnsid) + " (iproute2 netns name: " + name + ")") !=
        std::string::npos);
  delete_link(base + "a");
  capture_ok("ip netns del " + name);
}

TEST_CASE("an nsid no namespace has is not found, and open_netns_by_id says where it looked") {
  sandbox::get();
  CHECK_FALSE(find_netns_by_id(123456).has_value());
  CHECK_FALSE(find_netns_by_id(-1).has_value());
  CHECK_THROWS_WITH_AS(open_netns_by_id(123456), doctest::Contains("no mount under /run/netns or /var/run/netns, no process"), ovsxdp::error);
}
