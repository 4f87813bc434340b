// A network namespace held only by a file descriptor: it has no name under
// /run/netns, so it vanishes with the process however the process ends.
// Benchmarks use them as the sender and receiver sides of a topology whose
// middle is the process's own (private) namespace.
#pragma once

#include <string>

#include "runtime/fd.hpp"

namespace ovsxdp {

class net_namespace {
 public:
  // A new namespace with loopback up and IPv6 off (no autoconfiguration
  // chatter on the wire). The calling thread stays where it was.
  static net_namespace create(const std::string& purpose);

  net_namespace(net_namespace&&) noexcept = default;
  net_namespace& operator=(net_namespace&&) noexcept = default;

  // A path naming the namespace for other programs: `ip link set X netns PATH`,
  // `nsenter --net=PATH`. Valid while this object lives.
  const std::string& path() const { return path_; }
  const std::string& purpose() const { return purpose_; }

  // Runs a shell command inside the namespace; throws with the command and
  // its output on failure.
  void run(const std::string& command) const;

  // While alive, the calling thread is inside the namespace (ifindexes,
  // BPF_PROG_TEST_RUN's ingress device, XDP attachment resolve there).
  class scope {
   public:
    scope(scope&&) = delete;
    scope& operator=(scope&&) = delete;
    ~scope();

   private:
    friend class net_namespace;
    explicit scope(const net_namespace& target);
    unique_fd previous_;
  };
  [[nodiscard]] scope enter() const { return scope(*this); }

 private:
  net_namespace() = default;
  unique_fd fd_;
  std::string path_, purpose_;
};

}  // namespace ovsxdp
