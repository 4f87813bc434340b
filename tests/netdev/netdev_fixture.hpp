// Shared pieces of the netdev tests: they run in the sandbox's private
// network namespace; interfaces are named ox<test><n>{a,b}; `ip`, `ethtool`
// and bpftool cross-check what the library reports.
#pragma once

#include <sys/types.h>

#include <string>

#include "runtime/fd.hpp"

namespace ovsxdp::testing {

// A shell command's standard output (stderr joined); FAIL()s the test when
// the command cannot run, and returns the output whatever its exit status.
std::string capture(const std::string& command);
// The same, requiring exit status 0.
std::string capture_ok(const std::string& command);

// "ox" + a name unique in this run, short enough for two-letter suffixes.
std::string unique_ifname_base(const std::string& tag);

// A veth pair a <-> b in the calling thread's namespace (both down), created
// with `ip` so that tests of the library do not depend on create_veth();
// deleted (if still there) at the end.
struct ip_veth {
  explicit ip_veth(const std::string& tag);
  ~ip_veth();
  ip_veth(const ip_veth&) = delete;
  ip_veth& operator=(const ip_veth&) = delete;
  std::string a, b;
};

// A child process alone in a new network namespace, named only by
// /proc/PID/ns/net; it exits when the object goes.
class namespace_child {
 public:
  namespace_child();
  ~namespace_child();
  namespace_child(const namespace_child&) = delete;
  namespace_child& operator=(const namespace_child&) = delete;
  pid_t pid() const { return pid_; }
  std::string ns_path() const { return "/proc/" + std::to_string(pid_) + "/ns/net"; }

 private:
  pid_t pid_ = -1;
  unique_fd hold_;  // the child exits when this closes
};

// A tmpfs over /run/netns in the sandbox's own mount namespace, so `ip netns
// add` names stay private to this process; undone at the end.
class private_run_netns {
 public:
  private_run_netns();
  ~private_run_netns();
  private_run_netns(const private_run_netns&) = delete;
  private_run_netns& operator=(const private_run_netns&) = delete;
};

}  // namespace ovsxdp::testing
