// The topology `ovsxdp-bench forward|latency` measure on:
//
//   sender namespace        this process's namespace        receiver namespace
//   a0 ----veth----> a1 -> [device under test] -> b1 ----veth----> b0
//
// The generator transmits out of a0 (XDP_TX from a live-frame test run);
// the device under test (an XDP program on a1, the Linux bridge, Open
// vSwitch) forwards to b1 (and more outputs for floods); a counting receiver
// on each b0 counts arrivals. Namespaces are held by file descriptors, so
// nothing outlives the benchmark.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/xdp_link.hpp"
#include "runtime/net_namespace.hpp"
#include "runtime/private_namespace.hpp"
#include "runtime/cpu_pin.hpp"
#include "trafgen/traffic.hpp"

namespace ovsxdp::bench {

// The generator's CPU; whatever must share its clock or stay off it is placed by this.
inline constexpr unsigned kGeneratorCpu = 0;

struct lane {
  std::string a0, a1;
  std::vector<std::string> b1, b0;  // one per output
};

class topology {
 public:
  // `middle` is the namespace the process is in (the device under test's).
  explicit topology(const private_namespace& middle);

  // Veths for one lane named <prefix>a0, <prefix>a1, <prefix>b1, <prefix>b0
  // (then <prefix>c1/c0, ... for further outputs), all up.
  lane add_lane(const std::string& prefix, unsigned outputs = 1);

  // A Linux bridge `name` over `ports` (STP and multicast snooping off), up,
  // with a static FDB entry per {MAC, port}.
  void add_bridge(const std::string& name, const std::vector<std::string>& ports,
                  const std::vector<std::pair<std::string, std::string>>& static_fdb) const;

  std::uint32_t sender_ifindex(const std::string& name) const;
  std::uint32_t receiver_ifindex(const std::string& name) const;
  static std::uint32_t local_ifindex(const std::string& name);

  const net_namespace& sender() const { return sender_; }
  const net_namespace& receiver() const { return receiver_; }
  const private_namespace& middle() const { return middle_; }

 private:
  const private_namespace& middle_;
  net_namespace sender_, receiver_;
};

// Waits until the receivers' counts reach `expected` each or stop moving
// (a 20 ms quiet period; at most `max_wait_ms`), then returns them.
std::vector<traffic_counts> settle(const std::vector<traffic_receiver*>& receivers, std::uint64_t expected, int max_wait_ms = 2000);

}  // namespace ovsxdp::bench
