// What a device's XDP can do, as the kernel's "netdev" generic netlink
// family reports it (Linux 6.3+; RX metadata 6.6+): the XDP actions and
// modes (NETDEV_A_DEV_XDP_FEATURES) and the RX metadata kfuncs it
// implements (NETDEV_A_DEV_XDP_RX_METADATA_FEATURES: hardware timestamp,
// RSS hash, VLAN tag), which tell whether bpf_xdp_metadata_rx_vlan_tag()
// can recover a tag the device stripped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "netdev/netns.hpp"

namespace ovsxdp::netdev {

// Bits of xdp_features::actions (enum netdev_xdp_act in linux/netdev.h,
// which Debian 12's headers predate).
namespace xdp_act {
inline constexpr std::uint64_t basic = 1;         // ABORTED, DROP, PASS, TX
inline constexpr std::uint64_t redirect = 2;      // XDP_REDIRECT out of this device
inline constexpr std::uint64_t ndo_xmit = 4;      // a redirect target (ndo_xdp_xmit)
inline constexpr std::uint64_t xsk_zerocopy = 8;  // AF_XDP zero copy
inline constexpr std::uint64_t hw_offload = 16;
inline constexpr std::uint64_t rx_sg = 32;        // multi-buffer frames on receive
inline constexpr std::uint64_t ndo_xmit_sg = 64;  // multi-buffer frames as a redirect target
}  // namespace xdp_act

// Bits of xdp_features::rx_metadata (enum netdev_xdp_rx_metadata).
namespace xdp_rx_metadata {
inline constexpr std::uint64_t timestamp = 1;  // bpf_xdp_metadata_rx_timestamp()
inline constexpr std::uint64_t hash = 2;       // bpf_xdp_metadata_rx_hash()
inline constexpr std::uint64_t vlan_tag = 4;   // bpf_xdp_metadata_rx_vlan_tag()
}  // namespace xdp_rx_metadata

struct xdp_features {
  int ifindex = 0;
  std::uint64_t actions = 0;              // xdp_act bits
  std::uint64_t rx_metadata = 0;          // xdp_rx_metadata bits
  bool rx_metadata_reported = false;      // false on kernels before 6.6
  std::uint32_t zerocopy_max_segments = 0;
  std::uint64_t xsk_features = 0;         // NETDEV_A_DEV_XSK_FEATURES (TX timestamp, TX checksum)

  bool has_action(std::uint64_t bit) const { return actions & bit; }
  bool has_rx_metadata(std::uint64_t bit) const { return rx_metadata & bit; }
  // "basic", "redirect", "ndo-xmit", "xsk-zerocopy", "hw-offload", "rx-sg",
  // "ndo-xmit-sg" (the kernel's spelling), for the bits set.
  std::vector<std::string> action_names() const;
  // "timestamp", "hash", "vlan-tag".
  std::vector<std::string> rx_metadata_names() const;
};

// NETDEV_CMD_DEV_GET for the device. Throws when the kernel has no netdev
// family (before 6.3) or no such device, naming the interface.
xdp_features get_xdp_features(int ifindex, netns_ref ns = {});
xdp_features get_xdp_features(const std::string& ifname, netns_ref ns = {});

}  // namespace ovsxdp::netdev
