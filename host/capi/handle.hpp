// What an ovsxdp_dp handle holds: the datapath and the C API's own state
// (per-channel upcall buffers), each safe for the threads the header allows.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "datapath/datapath.hpp"

// One upcall channel's receive buffers: what ovsxdp_upcall_recv's pointers
// name until the next recv on the channel.
struct ovsxdp_upcall_buffer {
  std::mutex lock;  // one thread per channel, but a second one must not corrupt it
  ovsxdp::upcall upcall;
  std::vector<std::uint8_t> key;
};

struct ovsxdp_dp {
  explicit ovsxdp_dp(ovsxdp::datapath d) : dp(std::move(d)), name(dp->name()) {}

  std::optional<ovsxdp::datapath> dp;  // empty after ovsxdp_dp_destroy
  std::string name;

  // Taken shared by recv, exclusive by set_channels (which replaces them).
  std::shared_mutex channels_lock;
  std::vector<std::unique_ptr<ovsxdp_upcall_buffer>> channels;

  // ovsxdp_port_refresh: ports known to take redirected frames (by number
  // and generation, so a re-added port is checked again).
  std::mutex ready_lock;
  std::set<std::uint32_t> ready_ports;
  std::uint64_t ready_generation = 0;
};

namespace ovsxdp::capi {

// The datapath of a handle; fails with EINVAL for NULL, ENODEV after destroy.
datapath& datapath_of(ovsxdp_dp* handle);

}  // namespace ovsxdp::capi
