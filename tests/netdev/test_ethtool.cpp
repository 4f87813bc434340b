// ethtool features and driver info, cross-checked with `ethtool`.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "netdev/ethtool.hpp"
#include "netdev/link.hpp"
#include "netdev_fixture.hpp"
#include "runtime/error.hpp"
#include "runtime/net_namespace.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::netdev;
using namespace ovsxdp::testing;

namespace {

struct shown_feature {
  bool on;
  bool fixed;
};

// `ethtool -k` as name -> state. Its group lines (tx-checksumming, ...) come too;
// kernel names are looked up by the caller.
std::map<std::string, shown_feature> ethtool_k(const std::string& ifname, const std::string& ns_path = {}) {
  const std::string prefix = ns_path.empty() ? "" : "nsenter --net=" + ns_path + " ";
  std::istringstream lines(capture_ok(prefix + "ethtool -k " + ifname));
  std::map<std::string, shown_feature> shown;
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of("\t "));
    const std::string value = line.substr(colon + 2);
    shown[name] = {value.rfind("on", 0) == 0, value.find("[fixed]") != std::string::npos};
  }
  return shown;
}

const feature_change* change_of(const feature_report& report, const std::string& name) {
  for (const feature_change& c : report.changes)
    if (c.name == name) return &c;
  return nullptr;
}

const feature_change* side_effect_of(const feature_report& report, const std::string& name) {
  for (const feature_change& c : report.side_effects)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("get_features reads every feature as `ethtool -k` shows it, fixed ones marked") {
  sandbox::get();
  const ip_veth veth("ef");
  const std::vector<feature_state> features = get_features(veth.a);
  const auto shown = ethtool_k(veth.a);
  int compared = 0;
  for (const feature_state& f : features) {
    const auto it = shown.find(f.name);
    if (it == shown.end()) continue;  // ethtool prints some only under their group's name
    CHECK_MESSAGE(f.active == it->second.on, f.name);
    CHECK_MESSAGE(f.fixed() == it->second.fixed, f.name);
    compared++;
  }
  CHECK(compared >= 30);
  CHECK(features.size() >= 50);

  const feature_state generic = get_feature(veth.a, "tx-checksum-ip-generic");
  CHECK(generic.active);
  CHECK(generic.changeable);
  CHECK_FALSE(generic.fixed());
  const feature_state ipv4 = get_feature(veth.a, "tx-checksum-ipv4");
  CHECK_FALSE(ipv4.active);
  CHECK(ipv4.fixed());
  CHECK(get_feature(veth.a, "rx-vlan-hw-parse").active);
  CHECK(get_feature(veth.a, "tx-vlan-hw-insert").active);
  CHECK_FALSE(get_feature(veth.a, "rx-gro").active);  // veth's default
  CHECK_THROWS_WITH_AS(get_feature(veth.a, "tx-checksumming"), doctest::Contains("groups such as tx-checksumming are not features"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(get_features("oxnosuchlink"), "cannot count the ethtool features of 'oxnosuchlink': No such device\n  hint: check the interface name with `ip link`",
                       ovsxdp::error);
}

TEST_CASE("expand_feature_name: kernel names stand for themselves, ethtool's groups for their members") {
  sandbox::get();
  const ip_veth veth("ex");
  const auto features = get_features(veth.a);
  CHECK(expand_feature_name("rx-gro", features) == std::vector<std::string>{"rx-gro"});
  CHECK(expand_feature_name("generic-receive-offload", features) == std::vector<std::string>{"rx-gro"});
  CHECK(expand_feature_name("gro", features) == std::vector<std::string>{"rx-gro"});
  CHECK(expand_feature_name("rx-vlan-offload", features) == std::vector<std::string>{"rx-vlan-hw-parse"});
  CHECK(expand_feature_name("txvlan", features) == std::vector<std::string>{"tx-vlan-hw-insert"});
  CHECK(expand_feature_name("rx-checksumming", features) == std::vector<std::string>{"rx-checksum"});
  const auto tx = expand_feature_name("tx-checksumming", features);
  CHECK(tx == expand_feature_name("tx", features));
  CHECK(std::find(tx.begin(), tx.end(), "tx-checksum-ip-generic") != tx.end());
  CHECK(std::find(tx.begin(), tx.end(), "tx-checksum-ipv4") != tx.end());
  CHECK(std::find(tx.begin(), tx.end(), "tx-checksum-sctp") != tx.end());
  for (const auto& name : tx) CHECK(name.rfind("tx-checksum-", 0) == 0);
  const auto tso = expand_feature_name("tso", features);
  CHECK(std::find(tso.begin(), tso.end(), "tx-tcp-segmentation") != tso.end());
  CHECK(std::find(tso.begin(), tso.end(), "tx-tcp6-segmentation") != tso.end());
  for (const auto& name : tso) CHECK((name.rfind("tx-tcp", 0) == 0 && name.size() > 12 && name.ends_with("segmentation")));
  const auto sg = expand_feature_name("scatter-gather", features);
  CHECK(sg == std::vector<std::string>{"tx-scatter-gather", "tx-scatter-gather-fraglist"});
  CHECK_THROWS_WITH_AS(expand_feature_name("ox-no-such-feature", features), doctest::Contains("neither a kernel feature name nor an ethtool group"),
                       ovsxdp::error);
}

TEST_CASE("set_features turns checksum and VLAN offloads off and GRO on, as `ethtool -k` then shows") {
  sandbox::get();
  const ip_veth veth("es");
  const feature_report report = set_features(veth.a, {{"tx-checksum-ip-generic", false}, {"rx-vlan-hw-parse", false},
                                                      {"tx-vlan-hw-insert", false}, {"rx-gro", true}});
  CHECK(report.all_applied());
  CHECK(report.failures().empty());
  REQUIRE(report.changes.size() == 4);
  for (const feature_change& c : report.changes) {
    CHECK(c.applied());
    CHECK(c.before != c.after);
    CHECK_FALSE(c.fixed);
  }
  auto shown = ethtool_k(veth.a);
  CHECK_FALSE(shown["tx-checksum-ip-generic"].on);
  CHECK_FALSE(shown["rx-vlan-offload"].on);
  CHECK_FALSE(shown["tx-vlan-offload"].on);
  CHECK(shown["generic-receive-offload"].on);
  // Without checksumming the kernel drops TSO by itself: a side effect, still wanted.
  const feature_change* tso = side_effect_of(report, "tx-tcp-segmentation");
  REQUIRE(tso);
  CHECK(tso->before);
  CHECK_FALSE(tso->after);
  CHECK(tso->wanted);
  CHECK_FALSE(tso->applied());

  // And back.
  CHECK(require_features(veth.a, {{"rx-vlan-offload", true}, {"tx-vlan-offload", true}}).all_applied());
  shown = ethtool_k(veth.a);
  CHECK(shown["rx-vlan-offload"].on);
  CHECK(shown["tx-vlan-offload"].on);
}

TEST_CASE("a change the kernel declines without an error is reported, and require_features throws for it") {
  sandbox::get();
  const ip_veth veth("ed");
  REQUIRE(require_features(veth.a, {{"tx-checksumming", false}}).all_applied());
  // TSO needs checksumming: the ioctl succeeds, TSO stays off.
  const feature_report report = set_features(veth.a, {{"tx-tcp-segmentation", true}});
  CHECK_FALSE(report.all_applied());
  const feature_change* tso = change_of(report, "tx-tcp-segmentation");
  REQUIRE(tso);
  CHECK(tso->wanted);
  CHECK_FALSE(tso->after);
  CHECK_FALSE(tso->fixed);
  CHECK(report.failures() == "tx-tcp-segmentation: wanted on, still off (the kernel declined it; it may depend on a feature that is off)");
  CHECK_FALSE(ethtool_k(veth.a)["tx-tcp-segmentation"].on);
  CHECK_THROWS_WITH_AS(require_features(veth.a, {{"tx-tcp-segmentation", true}}),
                       doctest::Contains(("cannot set ethtool features of '" + veth.a + "': tx-tcp-segmentation: wanted on, still off").c_str()), ovsxdp::error);

  // A fixed feature cannot change at all.
  const feature_report fixed = set_features(veth.a, {{"tx-checksum-ipv4", true}});
  CHECK_FALSE(fixed.all_applied());
  REQUIRE(change_of(fixed, "tx-checksum-ipv4"));
  CHECK(change_of(fixed, "tx-checksum-ipv4")->fixed);
  CHECK(fixed.failures().find("(fixed by the driver)") != std::string::npos);
  // Asking what already holds is applied, fixed or not.
  CHECK(set_features(veth.a, {{"tx-checksum-ipv4", false}}).all_applied());
}

TEST_CASE("groups: \"on\" skips fixed-off members, \"off\" turns every member off; a later entry wins") {
  sandbox::get();
  const ip_veth veth("eg");
  const feature_report off = set_features(veth.a, {{"tx-checksumming", false}});
  CHECK(off.all_applied());
  CHECK(off.skipped.empty());
  for (const auto& f : get_features(veth.a))
    if (f.name.rfind("tx-checksum-", 0) == 0) CHECK_MESSAGE(!f.active, f.name);
  CHECK_FALSE(ethtool_k(veth.a)["tx-checksumming"].on);

  const feature_report on = set_features(veth.a, {{"tx", true}});
  CHECK(on.all_applied());
  CHECK(std::find(on.skipped.begin(), on.skipped.end(), "tx-checksum-ipv4") != on.skipped.end());
  CHECK(std::find(on.skipped.begin(), on.skipped.end(), "tx-checksum-ipv6") != on.skipped.end());
  REQUIRE(change_of(on, "tx-checksum-ip-generic"));
  CHECK(change_of(on, "tx-checksum-ip-generic")->after);
  CHECK(ethtool_k(veth.a)["tx-checksum-ip-generic"].on);

  // An alias of one feature is not a group: a fixed one is a failure, not skipped.
  const feature_report lro = set_features(veth.a, {{"large-receive-offload", true}});
  CHECK(lro.skipped.empty());
  CHECK_FALSE(lro.all_applied());

  const feature_report last = set_features(veth.a, {{"rx-gro", true}, {"gro", false}});
  REQUIRE(last.changes.size() == 1);
  CHECK_FALSE(last.changes[0].wanted);
  CHECK_FALSE(get_feature(veth.a, "rx-gro").active);
}

TEST_CASE("features of an interface in another namespace, read and set there") {
  sandbox::get();
  const net_namespace other = net_namespace::create("ethtool-far");
  const unique_fd there = open_netns(other.path());
  const netns_ref far(there.get());
  const std::string base = unique_ifname_base("en");
  create_veth({.name = base + "a", .peer_name = base + "b", .peer_netns_fd = there.get()});
  CHECK_THROWS_WITH_AS(get_features(base + "b"), doctest::Contains("No such device"), ovsxdp::error);  // not here
  CHECK(require_features(base + "b", {{"rx-gro", true}, {"tx-checksum-ip-generic", false}}, far).all_applied());
  const auto shown = ethtool_k(base + "b", other.path());
  CHECK(shown.at("generic-receive-offload").on);
  CHECK_FALSE(shown.at("tx-checksum-ip-generic").on);
  CHECK(get_feature(base + "b", "rx-gro", far).active);
  CHECK_FALSE(get_feature(base + "a", "rx-gro").active);  // the near end is untouched
  CHECK(get_driver_info(base + "b", far).driver == "veth");
  CHECK_THROWS_WITH_AS(get_features("oxnosuchlink", far), doctest::Contains("'oxnosuchlink in network namespace net:["), ovsxdp::error);
  delete_link(base + "a");
}

TEST_CASE("get_driver_info names the driver as `ethtool -i` does; loopback has none") {
  sandbox::get();
  const ip_veth veth("ei");
  const driver_info info = get_driver_info(veth.a);
  CHECK(info.driver == "veth");
  const std::string shown = capture_ok("ethtool -i " + veth.a);
  CHECK(shown.find("driver: veth\n") != std::string::npos);
  CHECK(shown.find("version: " + info.version + "\n") != std::string::npos);
  CHECK_THROWS_WITH_AS(get_driver_info("lo"), doctest::Contains("cannot read the driver of 'lo': Operation not supported"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(get_driver_info("oxnosuchlink"), doctest::Contains("No such device"), ovsxdp::error);
}
