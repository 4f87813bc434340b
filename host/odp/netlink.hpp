// Flow keys, masks and action lists in the kernel datapath's netlink format
// (OVS_KEY_ATTR_* and OVS_ACTION_ATTR_* of linux/openvswitch.h), both ways:
// what ovs-vswitchd's dpif provider hands ovsxdp and what it reads back.
// Decoding applies the checks Linux applies to a netlink key
// (net/openvswitch/flow_netlink.c) plus ovsxdp's own limits: what it cannot
// execute it refuses with a netlink_error naming the attribute, so
// ofproto's feature probes get truthful answers.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "datapath/actions.hpp"
#include "datapath/key_attributes.hpp"
#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp::odp {

class netlink_error : public std::runtime_error {
 public:
  netlink_error(int attribute, std::string message);
  int attribute() const { return attribute_; }  // OVS_KEY_ATTR_* / OVS_ACTION_ATTR_*, -1 for none

 private:
  int attribute_;
};

struct netlink_match {
  ovsxdp_flow_key key{};   // masked by mask
  ovsxdp_flow_key mask{};
  key_attributes attributes;  // what the key and mask named
};

// A key with its mask. An empty mask means exact match of what the key
// names (as Linux: no OVS_FLOW_ATTR_MASK).
netlink_match decode_match(std::span<const std::uint8_t> key, std::span<const std::uint8_t> mask);
// A key alone (execute metadata, flow_del/get by key): its values, with the
// mask every attribute it names would have exactly.
netlink_match decode_key(std::span<const std::uint8_t> key);

// A key as Linux writes it (ovs_nla_put_key): in an upcall, `attributes`
// those the packet's key implies (implied_attributes with an exact mask).
std::vector<std::uint8_t> encode_key(const ovsxdp_flow_key& key, const key_attributes& attributes);
// The mask Linux writes for a flow (ovs_nla_put_mask).
std::vector<std::uint8_t> encode_mask(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask,
                                      const key_attributes& attributes);

// Which attributes Linux writes for a key (__ovs_nla_put_key), for the
// encoders above. A packet's exact key (an upcall): the metadata attributes,
// eth() unless the packet is L3 (then, as Linux, no packet_type: the missing
// eth() says it), VLAN tags, and what its EtherType and protocol imply.
key_attributes packet_attributes(const ovsxdp_flow_key& key);
// A flow being dumped: the same for key & mask, `masked` those whose mask is
// nonzero.
key_attributes dump_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);

// The metadata of a packet key (in_port, recirc_id, dp_hash, skb_mark,
// priority, conntrack fields) for execute: as Linux's
// ovs_nla_get_flow_metadata, the packet's own attributes are ignored (the
// packet is parsed again) and need not be complete.
ovsxdp_flow_key decode_metadata(std::span<const std::uint8_t> key);

action_list decode_actions(std::span<const std::uint8_t> actions);
std::vector<std::uint8_t> encode_actions(const action_list& actions);

}  // namespace ovsxdp::odp
