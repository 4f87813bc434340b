// Every call cleans up after itself (no fd left open, on success or
// failure), and calls from several threads at once share nothing.
#include <dirent.h>
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "netdev/ethtool.hpp"
#include "netdev/kernel_btf.hpp"
#include "netdev/link.hpp"
#include "netdev/netns.hpp"
#include "netdev/xdp_features.hpp"
#include "netdev_fixture.hpp"
#include "runtime/error.hpp"
#include "runtime/net_namespace.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::netdev;
using namespace ovsxdp::testing;

namespace {

std::size_t open_fds() {
  std::size_t count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir);
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') count++;
  ::closedir(dir);
  return count;
}

}  // namespace

TEST_CASE("no call leaves a file descriptor open, whether it succeeds or throws") {
  sandbox::get();
  const net_namespace other = net_namespace::create("resources");
  const unique_fd there = open_netns(other.path());
  const std::string base = unique_ifname_base("rs");
  const std::size_t before = open_fds();
  for (int round = 0; round < 3; round++) {
    create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get()});
    const link_info near = get_link(base + "a");
    (void)list_links();
    (void)get_link(base + "b", netns_ref(there.get()));
    set_link_up(base + "a", true);
    set_link_mtu(base + "a", 1400);
    (void)netns_id(there.get());
    (void)open_netns_by_id(*near.link_netnsid);
    (void)find_netns_by_id(4242);
    (void)set_features(base + "a", {{"tx-checksumming", false}, {"rx-gro", true}});
    (void)get_features(base + "b", netns_ref(there.get()));
    (void)get_driver_info(base + "a");
    (void)get_xdp_features(base + "a");
    (void)kernel_btf::load_vmlinux().member("net", "ns.inum");
    CHECK_THROWS(get_link("oxnosuchlink"));
    CHECK_THROWS(set_link_mtu(base + "a", 1));
    CHECK_THROWS(get_driver_info("lo"));
    CHECK_THROWS(get_features("oxnosuchlink", netns_ref(there.get())));
    CHECK_THROWS(run_in_netns(there.get(), []() -> int { throw ovsxdp::error("fail", "", "on purpose"); }));
    CHECK_THROWS(create_veth({.name = base + "a", .peer_name = base + "c"}));
    delete_link(base + "a");
    CHECK(open_fds() == before);
  }
}

TEST_CASE("threads query and change links, features and namespaces at once without interfering") {
  sandbox::get();
  const net_namespace other = net_namespace::create("threads");
  const unique_fd there = open_netns(other.path());
  constexpr int kThreads = 4, kRounds = 25;
  std::vector<std::unique_ptr<ip_veth>> pairs;
  for (int t = 0; t < kThreads; t++) pairs.push_back(std::make_unique<ip_veth>("th"));
  const std::uint64_t far_inode = netns_inode(there.get());
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; t++)
    workers.emplace_back([&, t] {
      const ip_veth& mine = *pairs[static_cast<std::size_t>(t)];
      for (int round = 0; round < kRounds; round++) {
        try {
          const bool on = round % 2 == 0;
          const std::uint32_t mtu = 1400 + static_cast<std::uint32_t>(t * 10 + round);
          set_link_mtu(mine.a, mtu);
          const bool features_ok = set_features(mine.a, {{"rx-gro", on}}).all_applied();
          const link_info link = get_link(mine.a);
          const bool ok = features_ok && link.mtu == mtu && link.name == mine.a && get_feature(mine.a, "rx-gro").active == on &&
                          get_link(*link.link_ifindex).name == mine.b && run_in_netns(there.get(), [] { return netns_inode(); }) == far_inode &&
                          get_xdp_features(link.ifindex).ifindex == link.ifindex;
          (ok ? good : bad)++;
        } catch (const std::exception& e) {
          MESSAGE(e.what());
          bad++;
        }
      }
    });
  for (std::thread& w : workers) w.join();
  CHECK(bad == 0);
  CHECK(good == kThreads * kRounds);
}
