// Interface offloads by the kernel's feature names (what `ethtool -k` lists:
// "tx-checksum-ip-generic", "rx-vlan-hw-parse", "tx-vlan-hw-insert",
// "rx-gro", ...) and the driver's name, through the SIOCETHTOOL ioctl. An
// XDP frame carries no offload state, so a port of the datapath has to turn
// off what the stack would otherwise leave to "hardware".
//
// The kernel can refuse a change without an error (a fixed feature, or one
// that depends on another that is off), so set_features() reads the
// features back and reports, change by change, what took effect.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "netdev/netns.hpp"

namespace ovsxdp::netdev {

struct feature_state {
  std::string name;          // the kernel's name (ETH_SS_FEATURES)
  bool active = false;       // in use now
  bool requested = false;    // what was last asked for (wanted)
  bool changeable = false;   // the driver lets it change (hw_features)
  bool never_changes = false;
  // What `ethtool -k` marks "[fixed]": no request can change it.
  bool fixed() const { return !changeable || never_changes; }
};

// Every feature of the interface, in the kernel's order.
std::vector<feature_state> get_features(const std::string& ifname, netns_ref ns = {});
// The one named `name` (a kernel name); throws naming the interface when
// there is none.
feature_state get_feature(const std::string& ifname, const std::string& name, netns_ref ns = {});

// The kernel features a name stands for: the name itself, or the members of
// one of ethtool's groups ("tx-checksumming" or "tx": every tx-checksum-*;
// "scatter-gather", "tcp-segmentation-offload", "generic-receive-offload",
// "rx-vlan-offload", "tx-vlan-offload", ... and their short forms). Throws
// when the name is neither a feature of `features` nor a group.
std::vector<std::string> expand_feature_name(const std::string& name, const std::vector<feature_state>& features);

struct feature_change {
  std::string name;
  bool wanted = false;
  bool before = false, after = false;  // active before and after the request
  bool fixed = false;                  // no request could change it
  bool applied() const { return after == wanted; }
};

struct feature_report {
  std::string ifname;
  std::vector<feature_change> changes;       // one per kernel feature asked for
  // Features not asked for whose state changed too; `wanted` is what stays
  // requested, so applied() is false for one the kernel dropped (TSO without
  // checksumming).
  std::vector<feature_change> side_effects;
  // Fixed members of a group asked "on" that cannot be on (tx-checksum-ipv4
  // on a veth, which has tx-checksum-ip-generic instead): left out, not failures.
  std::vector<std::string> skipped;

  bool all_applied() const;
  // "tx-tcp-segmentation: wanted on, still off; ..." for the changes that
  // did not take effect; empty when all did.
  std::string failures() const;
};

// Asks for each (name, on) in `wanted`: kernel names or groups. A group
// asked "off" must end with every member off; asked "on", its changeable
// members are asked on and its fixed-off ones skipped. A later entry for
// the same feature overrides an earlier one. Throws only when the
// request itself fails (no such interface, no permission, unknown name);
// what the kernel declined is in the report.
feature_report set_features(const std::string& ifname, const std::vector<std::pair<std::string, bool>>& wanted, netns_ref ns = {});
// set_features(), then an error listing every change that did not take effect.
feature_report require_features(const std::string& ifname, const std::vector<std::pair<std::string, bool>>& wanted,
                                netns_ref ns = {});

struct driver_info {
  std::string driver;  // "veth", "virtio_net", "mlx5_core", ...
  std::string version, firmware_version, bus_info;
};
// ETHTOOL_GDRVINFO; throws for a device without a driver to name (lo).
driver_info get_driver_info(const std::string& ifname, netns_ref ns = {});

}  // namespace ovsxdp::netdev
