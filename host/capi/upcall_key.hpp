// The key an upcall carries to ovs-vswitchd: what Linux's ovs_nla_put_key
// writes for a packet's extracted key (metadata always, tunnel and conntrack
// tuple when the packet has them, then the packet's own headers).
#pragma once

#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp::capi {

// The mask that names, exactly, every field of `key` the packet carries:
// with implied_attributes it gives the attributes of the upcall's key.
ovsxdp_flow_key upcall_key_mask(const ovsxdp_flow_key& key);

}  // namespace ovsxdp::capi
