// The offloads a datapath port changes so that frames reach XDP the way the
// wire carries them, and undoes when the port goes.
//
// An XDP frame has no skb state: a TCP segment a host on a veth sent with
// checksum offload (CHECKSUM_PARTIAL) leaves the datapath with only the
// pseudo-header sum in its checksum field, and a VLAN tag the sender's
// stack kept in skb metadata (tx-vlan offload) never reaches the program. A
// veth also takes redirected frames only while its peer runs NAPI (an XDP
// program, or GRO). So for a veth port the datapath turns, on the peer (in
// whatever network namespace it lives): TX checksum offload off (TSO goes
// with it), TX VLAN offload off, and GRO on when no XDP program runs there.
// For any other device it turns RX VLAN offload off on the port itself, so
// the device leaves tags in the frame. Where the offload that takes tags out
// of the frame cannot be switched off, the plan says so, and add_port reads
// the tags with the XDP metadata kfunc instead where the driver offers it
// (datapath/vlan_metadata.h).
//
// What was changed goes into ovsxdp_port_info before the change is made,
// so del-if, del-dp, or a later process after a crash, can restore it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ovsxdp/abi/datapath.h"

namespace ovsxdp {

struct offload_plan {
  // Fields of ovsxdp_port_info: offloads, peer_ifindex, peer_nsid, peer_netns.
  std::uint32_t offloads = 0;
  std::uint32_t peer_ifindex = 0;
  std::int32_t peer_nsid = -1;
  std::uint64_t peer_netns = 0;
  std::string peer_name;
  // What could not be planned (the peer's namespace cannot be opened, an
  // offload that the driver does not let change), with what to do about it.
  std::vector<std::string> warnings;
  // Set when VLAN tags may reach the port outside the frame, as skb or RX
  // metadata, because the offload that puts them there stays on (the veth
  // peer's tx-vlan offload cannot be reached or is fixed, the device's RX
  // VLAN stripping is fixed on or cannot be read): why, for add-if's note.
  std::string vlan_tags_in_metadata;

  void record_in(ovsxdp_port_info& info) const;
};

// Reads the interface and its veth peer; changes nothing. Never throws for
// what it cannot read: that becomes a warning.
offload_plan plan_offloads(const std::string& ifname);

// Makes the changes `plan` names (already recorded). Returns a sentence for
// add-if's output about what it did, and what did not take with the command
// to run instead. Never throws: the port works without them, less well.
std::string apply_offloads(const std::string& ifname, const offload_plan& plan);

// Undoes what `info` records. Never throws: returns what could not be
// restored, and how to do it by hand, or "" when all went back (or nothing
// was recorded).
std::string restore_offloads(const ovsxdp_port_info& info);

// The kernel (veth_open) gives a veth NAPI for GRO when it comes up but does
// not mark its peer a redirect target again: a port whose peer was down when
// GRO was turned on there refuses XDP frames (tx_drop_refused) once the peer
// is up. When the port `ifindex` lacks the ndo-xmit XDP feature and its peer
// is up, this turns the peer's GRO off and on again. Returns true when the
// port takes redirected frames or needs no GRO of its peer; false while the
// peer is down (call again later). Never throws.
bool revive_redirect_target(int ifindex, const ovsxdp_port_info& info);

// "tx-checksumming, tx-vlan-offload off and GRO on on veth peer X" style
// list of the recorded changes, for messages.
std::string describe_offloads(std::uint32_t offloads);

}  // namespace ovsxdp
