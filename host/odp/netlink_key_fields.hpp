// Internal to the netlink key codec: one key attribute's payload to and
// from the ovsxdp_flow_key fields it covers (the same mapping for a key and
// for a mask, as Linux's SW_FLOW_KEY_PUT), and which attributes Linux writes
// for a key.
#pragma once

#include <linux/openvswitch.h>

#include <cstdint>
#include <span>
#include <vector>

#include "datapath/key_attributes.hpp"
#include "odp/netlink_attributes.hpp"
#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp::odp::key_fields {

enum class role { key, mask, exact };  // exact: the mask a key attribute implies

// Payload length Linux requires (ovs_key_lens); -1 nested, -2 variable (MPLS), -3 refused.
int expected_length(int type);

// Stores a non-level attribute (anything but ETHERTYPE, VLAN, ENCAP) into
// `out`, applying Linux's value checks for `r`.
void store(const nl::attribute& a, ovsxdp_flow_key& out, role r);

// Appends attribute `type` with the fields of `values` (a key or a mask);
// `key` decides layout-dependent parts (NSH MD1, number of MPLS labels).
void write(nl::writer& w, int type, const ovsxdp_flow_key& values, const ovsxdp_flow_key& key, bool is_mask);

}  // namespace ovsxdp::odp::key_fields
