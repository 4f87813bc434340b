// A private world for datapath tests: this process moves into new network
// and mount namespaces and mounts its own bpffs, so datapaths, pins, veths
// and conntrack entries it makes vanish with it, even if a test crashes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "datapath/datapath.hpp"
#include "runtime/fd.hpp"
#include "runtime/private_namespace.hpp"

namespace ovsxdp::testing {

class sandbox {
 public:
  // Enters the sandbox on first use (before any thread exists).
  static sandbox& get();

  const datapath_location& location() const { return location_; }
  datapath_options options(const std::string& name) const;  // sized small for tests
  // Runs a shell command inside the sandbox's network namespace; throws on failure.
  void run(const std::string& command) const;
  // A veth pair `a` <-> `b`, both up.
  void veth(const std::string& a, const std::string& b) const;
  // A veth pair, both up: `a` here, `b` in a new network namespace that no
  // mount, process or fd names, so add_port cannot reach `b` to change its
  // offloads. The returned socket, opened there, keeps the namespace alive.
  // `in_peer_namespace` runs there after `b` is up, with IPv6 off (the
  // peer's stack sends nothing of its own).
  unique_fd veth_with_hidden_peer(const std::string& a, const std::string& b, const std::function<void()>& in_peer_namespace = {}) const;
  std::string unique_name(const std::string& prefix);

 private:
  sandbox();
  private_namespace namespace_;
  datapath_location location_;
  int counter_ = 0;
};

// A datapath with ports 1..n on veth ends p1..pn (peers p1peer..), no XDP
// attached: what trace and table tests need. Destroyed with the fixture.
struct test_datapath {
  explicit test_datapath(unsigned ports = 4, ovsxdp_miss_policy miss = OVSXDP_MISS_DROP, std::uint32_t max_flows = 4096,
                         std::uint32_t max_masks = 64, ovsxdp_lookup_cache cache = OVSXDP_CACHE_FLOW);
  ~test_datapath();
  std::string name;  // before dp: dp's initializer sets it
  datapath dp;
};

flow_spec text_flow(const std::string& key, const std::string& actions);

}  // namespace ovsxdp::testing
