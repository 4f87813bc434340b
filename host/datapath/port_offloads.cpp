#include "datapath/port_offloads.hpp"

#include <net/if.h>

#include <cstring>
#include <optional>
#include <utility>

#include "netdev/ethtool.hpp"
#include "netdev/link.hpp"
#include "netdev/netns.hpp"
#include "netdev/xdp_features.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"

namespace ovsxdp {

namespace {

struct offload_change {
  std::uint32_t bit;
  bool on_peer;
  const char* feature;  // the kernel's name
  bool wanted;          // the state the datapath needs
};

constexpr offload_change kChanges[] = {
    {OVSXDP_OFFLOAD_PEER_TX_CSUM_IPV4, true, "tx-checksum-ipv4", false},
    {OVSXDP_OFFLOAD_PEER_TX_CSUM_IP, true, "tx-checksum-ip-generic", false},
    {OVSXDP_OFFLOAD_PEER_TX_CSUM_IPV6, true, "tx-checksum-ipv6", false},
    {OVSXDP_OFFLOAD_PEER_TX_CSUM_FCOE, true, "tx-checksum-fcoe-crc", false},
    {OVSXDP_OFFLOAD_PEER_TX_CSUM_SCTP, true, "tx-checksum-sctp", false},
    {OVSXDP_OFFLOAD_PEER_TX_VLAN, true, "tx-vlan-hw-insert", false},
    {OVSXDP_OFFLOAD_PEER_TX_VLAN_STAG, true, "tx-vlan-stag-hw-insert", false},
    {OVSXDP_OFFLOAD_PEER_GRO_ON, true, "rx-gro", true},
    {OVSXDP_OFFLOAD_RX_VLAN, false, "rx-vlan-hw-parse", false},
    {OVSXDP_OFFLOAD_RX_VLAN_STAG, false, "rx-vlan-stag-hw-parse", false},
};

constexpr std::uint32_t kTxChecksumBits = OVSXDP_OFFLOAD_PEER_TX_CSUM_IPV4 | OVSXDP_OFFLOAD_PEER_TX_CSUM_IP | OVSXDP_OFFLOAD_PEER_TX_CSUM_IPV6 |
                                          OVSXDP_OFFLOAD_PEER_TX_CSUM_FCOE | OVSXDP_OFFLOAD_PEER_TX_CSUM_SCTP;
constexpr std::uint32_t kTxVlanBits = OVSXDP_OFFLOAD_PEER_TX_VLAN | OVSXDP_OFFLOAD_PEER_TX_VLAN_STAG;
constexpr std::uint32_t kRxVlanBits = OVSXDP_OFFLOAD_RX_VLAN | OVSXDP_OFFLOAD_RX_VLAN_STAG;

const netdev::feature_state* find_feature(const std::vector<netdev::feature_state>& features, const std::string& name) {
  for (const auto& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

// The changes (feature, state) that `bits` stand for, on the peer or on the port;
// `restore` gives the states they had before.
std::vector<std::pair<std::string, bool>> requests(std::uint32_t bits, bool on_peer, bool restore) {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& c : kChanges)
    if ((bits & c.bit) && c.on_peer == on_peer) out.emplace_back(c.feature, restore ? !c.wanted : c.wanted);
  return out;
}

// The peer's namespace: the calling thread's (nullopt fd), or one opened by its id.
struct peer_namespace {
  std::optional<unique_fd> fd;
  netdev::netns_ref ref() const { return fd ? netdev::netns_ref(fd->get()) : netdev::netns_ref{}; }
};

std::string where(std::int32_t nsid) {
  return nsid < 0 ? std::string() : " (in network namespace id " + std::to_string(nsid) + ")";
}

std::string failures_of(const netdev::feature_report& report) {
  std::string out;
  for (const auto& c : report.changes)
    if (!c.applied()) out += (out.empty() ? "" : ", ") + c.name + (c.wanted ? " stayed off" : " stayed on");
  return out;
}

}  // namespace

void offload_plan::record_in(ovsxdp_port_info& info) const {
  info.offloads = offloads;
  info.peer_ifindex = peer_ifindex;
  info.peer_nsid = peer_nsid;
  info.peer_netns = peer_netns;
}

std::string describe_offloads(std::uint32_t offloads) {
  std::vector<std::string> parts;
  if (offloads & kTxChecksumBits) parts.push_back("TX checksum offload off (TSO with it)");
  if (offloads & kTxVlanBits) parts.push_back("TX VLAN offload off");
  if (offloads & OVSXDP_OFFLOAD_PEER_GRO_ON) parts.push_back("GRO on (a veth takes XDP frames only while its peer has NAPI)");
  if (offloads & kRxVlanBits) parts.push_back("RX VLAN offload off on the port");
  std::string out;
  for (std::size_t i = 0; i < parts.size(); i++) out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return out;
}

offload_plan plan_offloads(const std::string& ifname) {
  offload_plan plan;
  netdev::link_info link;
  try {
    link = netdev::get_link(ifname);
  } catch (const std::exception& e) {
    plan.warnings.push_back(std::string("cannot read the interface's link (") + e.what() + "); its offloads stay as they are");
    return plan;
  }
  if (link.is_veth()) {
    if (!link.link_ifindex || *link.link_ifindex <= 0) {
      plan.warnings.push_back("it is a veth without a peer; no offloads changed");
      return plan;
    }
    plan.peer_ifindex = static_cast<std::uint32_t>(*link.link_ifindex);
    const std::string manual = "ethtool -K <the interface with ifindex " + std::to_string(plan.peer_ifindex) + " there> tx off txvlan off gro on";
    peer_namespace ns;
    if (link.link_netnsid) {
      plan.peer_nsid = *link.link_netnsid;
      ns.fd = netdev::find_netns_by_id(plan.peer_nsid);
      if (!ns.fd) {
        plan.warnings.push_back("its veth peer is in the network namespace with id " + std::to_string(plan.peer_nsid) +
                                ", which no /run/netns mount, process or open file names, so its offloads stay as they are: hosts there send "
                                "TCP and UDP with unfinished checksums unless you run, inside that namespace, `" + manual + "`");
        plan.vlan_tags_in_metadata = "its veth peer's TX VLAN offload stays as it is (on by default)";
        plan.peer_ifindex = 0;
        plan.peer_nsid = -1;
        return plan;
      }
      plan.peer_netns = netdev::netns_inode(ns.fd->get());
    } else {
      plan.peer_netns = netdev::netns_inode();
    }
    try {
      const netdev::link_info peer = netdev::get_link(static_cast<int>(plan.peer_ifindex), ns.ref());
      plan.peer_name = peer.name;
      const auto features = netdev::get_features(peer.name, ns.ref());
      for (const auto& c : kChanges) {
        if (!c.on_peer) continue;
        const netdev::feature_state* f = find_feature(features, c.feature);
        if (!f || f->active == c.wanted) continue;
        if (c.bit == OVSXDP_OFFLOAD_PEER_GRO_ON && peer.xdp.attached()) continue;  // its XDP program gives it NAPI
        if (f->fixed()) {
          plan.warnings.push_back(std::string(c.feature) + " on veth peer " + peer.name + where(plan.peer_nsid) + " is fixed " +
                                  (f->active ? "on" : "off") + " and cannot be changed");
          if (c.bit & kTxVlanBits) plan.vlan_tags_in_metadata = std::string(c.feature) + " on veth peer " + peer.name + " stays on";
          continue;
        }
        plan.offloads |= c.bit;
      }
    } catch (const std::exception& e) {
      plan.warnings.push_back(std::string("cannot read the offloads of its veth peer") + where(plan.peer_nsid) + " (" + e.what() +
                              "); they stay as they are: run `" + manual + "` there");
      plan.vlan_tags_in_metadata = "its veth peer's TX VLAN offload stays as it is (on by default)";
      plan.offloads = 0;
    }
    if (!plan.offloads) {
      plan.peer_ifindex = 0;
      plan.peer_nsid = -1;
      plan.peer_netns = 0;
    }
    return plan;
  }
  // Any other device: it must leave VLAN tags in the frame.
  try {
    const auto features = netdev::get_features(ifname);
    for (const auto& c : kChanges) {
      if (c.on_peer) continue;
      const netdev::feature_state* f = find_feature(features, c.feature);
      if (!f || f->active == c.wanted) continue;
      if (f->fixed()) {
        // add_port reads such tags from RX metadata where the driver offers them, else warns.
        plan.vlan_tags_in_metadata = std::string(c.feature) + " is fixed on: the device strips VLAN tags into metadata XDP does not see";
        continue;
      }
      plan.offloads |= c.bit;
    }
  } catch (const std::exception& e) {
    plan.warnings.push_back(std::string("cannot read its offloads (") + e.what() + "); if the device strips VLAN tags, run `ethtool -K " + ifname +
                            " rxvlan off`");
    plan.vlan_tags_in_metadata = "its RX VLAN offload could not be read";
  }
  return plan;
}

std::string apply_offloads(const std::string& ifname, const offload_plan& plan) {
  std::string note;
  // A change that fails leaves the port usable, with what to do by hand; the
  // record stays (restoring a feature to the state it already has is harmless).
  if (plan.offloads & OVSXDP_OFFLOAD_PEER_BITS) {
    const auto wanted = requests(plan.offloads, true, false);
    try {
      peer_namespace ns;
      if (plan.peer_nsid >= 0) ns.fd = netdev::open_netns_by_id(plan.peer_nsid);
      const netdev::feature_report report = netdev::set_features(plan.peer_name, wanted, ns.ref());
      note = "veth peer " + plan.peer_name + where(plan.peer_nsid) + ": turned " + describe_offloads(plan.offloads & OVSXDP_OFFLOAD_PEER_BITS) +
             "; removing the port restores them";
      if (const std::string failed = failures_of(report); !failed.empty()) note += "; the kernel declined: " + failed;
    } catch (const std::exception& e) {
      std::string manual = "ethtool -K " + plan.peer_name;
      for (const auto& [name, on] : wanted) manual += " " + name + (on ? " on" : " off");
      note = "could not change the offloads of veth peer " + plan.peer_name + where(plan.peer_nsid) + " (" + e.what() + "): run `" + manual +
             "` there, or hosts there send unfinished checksums and cannot receive";
    }
  }
  if (plan.offloads & kRxVlanBits) {
    try {
      const netdev::feature_report report = netdev::set_features(ifname, requests(plan.offloads, false, false));
      note += (note.empty() ? "" : "; ") + std::string("turned RX VLAN offload off (the device leaves tags in the frame); removing the port restores it");
      if (const std::string failed = failures_of(report); !failed.empty()) note += "; the kernel declined: " + failed;
    } catch (const std::exception& e) {
      note += (note.empty() ? "" : "; ") + std::string("could not turn RX VLAN offload off (") + e.what() + "): run `ethtool -K " + ifname +
              " rxvlan off`, or tagged frames reach the datapath untagged";
    }
  }
  for (const auto& w : plan.warnings) note += (note.empty() ? "" : "; ") + w;
  return note;
}

std::string restore_offloads(const ovsxdp_port_info& info) {
  std::string problems;
  auto problem = [&](const std::string& text) { problems += (problems.empty() ? "" : "; ") + text; };
  if (info.offloads & OVSXDP_OFFLOAD_PEER_BITS) {
    const auto wanted = requests(info.offloads, true, true);
    std::string manual = "ethtool -K <peer>";
    for (const auto& [name, on] : wanted) manual += " " + name + (on ? " on" : " off");
    // The two ends of a veth go together: with the port's own end gone
    // (its namespace deleted, or `ip link del`), so is the peer, and nothing
    // is left to restore.
    const auto own_end = netdev::find_link(static_cast<int>(info.ifindex));
    const char* own_name = info.kind == OVSXDP_PORT_KIND_INTERNAL ? info.device : info.name;
    const bool peer_gone = !own_end || own_end->name != std::string(own_name, strnlen(own_name, sizeof info.name));
    if (!peer_gone) try {
      peer_namespace ns;
      if (info.peer_nsid >= 0) {
        ns.fd = netdev::find_netns_by_id(info.peer_nsid);
        if (!ns.fd || netdev::netns_inode(ns.fd->get()) != info.peer_netns) throw error("find the namespace of the veth peer", where(info.peer_nsid), "it is gone");
      }
      if (const auto peer = netdev::find_link(static_cast<int>(info.peer_ifindex), ns.ref())) {
        const netdev::feature_report report = netdev::set_features(peer->name, wanted, ns.ref());
        if (const std::string failed = failures_of(report); !failed.empty()) problem("on veth peer " + peer->name + " the kernel declined: " + failed);
      }
      // A peer that is gone has nothing left to restore.
    } catch (const std::exception& e) {
      problem(std::string("could not restore the offloads of its veth peer (") + e.what() + "): run `" + manual + "` where it is");
    }
  }
  if (info.offloads & kRxVlanBits) {
    try {
      if (const auto link = netdev::find_link(static_cast<int>(info.ifindex))) {
        const netdev::feature_report report = netdev::set_features(link->name, requests(info.offloads, false, true));
        if (const std::string failed = failures_of(report); !failed.empty()) problem("the kernel declined: " + failed);
      }
    } catch (const std::exception& e) {
      problem(std::string("could not turn RX VLAN offload back on (") + e.what() + ")");
    }
  }
  return problems;
}

bool revive_redirect_target(int ifindex, const ovsxdp_port_info& info) {
  if (!(info.offloads & OVSXDP_OFFLOAD_PEER_GRO_ON)) return true;
  try {
    if (netdev::get_xdp_features(ifindex).has_action(netdev::xdp_act::ndo_xmit)) return true;
    peer_namespace ns;
    if (info.peer_nsid >= 0) ns.fd = netdev::open_netns_by_id(info.peer_nsid);
    const netdev::link_info peer = netdev::get_link(static_cast<int>(info.peer_ifindex), ns.ref());
    if (!(peer.flags & IFF_UP)) return false;
    netdev::set_features(peer.name, {{"rx-gro", false}}, ns.ref());
    netdev::set_features(peer.name, {{"rx-gro", true}}, ns.ref());
    return netdev::get_xdp_features(ifindex).has_action(netdev::xdp_act::ndo_xmit);
  } catch (const std::exception&) {
    return false;  // the peer went away or is unreachable: the port stays as it is
  }
}

}  // namespace ovsxdp
