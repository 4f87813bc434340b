// Install-time validation of a flow's match and actions, the way Linux's
// OVS datapath validates them (net/openvswitch/flow_netlink.c match_validate
// and __ovs_nla_copy_actions). Where copies are needed is fork_plan.hpp's business.
// Every refusal throws ovsxdp::invalid_flow naming the offending attribute/action.
#pragma once

#include <cstdint>

#include <optional>

#include "datapath/actions.hpp"
#include "datapath/key_attributes.hpp"
#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp {

// `attributes`: the key attributes a flow's text named (odp::parsed_key);
// absent for matches built as values, which carry what OVS's encoder would
// emit for them (key_attributes.hpp).
void validate_match(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask, const std::optional<key_attributes>& attributes = {});

// `masked_key` is key & mask. Output ports are not checked: Linux installs
// outputs to any port number (output_ports() lists them for warnings).
void validate_actions(const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask, const action_list& actions);

// key & mask, byte by byte.
ovsxdp_flow_key mask_key(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);

}  // namespace ovsxdp
