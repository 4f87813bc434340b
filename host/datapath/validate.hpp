// Install-time validation of a flow's match and actions, the way Linux's
// OVS datapath validates them (net/openvswitch/flow_netlink.c match_validate
// and __ovs_nla_copy_actions), plus the rules of this datapath: outputs to
// known ports only. Where copies are needed is fork_plan.hpp's business.
// Every refusal throws ovsxdp::invalid_flow naming the offending attribute/action.
#pragma once

#include <cstdint>
#include <functional>

#include "datapath/actions.hpp"
#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp {

void validate_match(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);

// `masked_key` is key & mask. `port_exists` answers for output ports.
void validate_actions(const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask, const action_list& actions,
                      const std::function<bool(std::uint32_t)>& port_exists);

// key & mask, byte by byte.
ovsxdp_flow_key mask_key(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);

}  // namespace ovsxdp
