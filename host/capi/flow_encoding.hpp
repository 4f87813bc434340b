// Flows as the C API hands them out: statistics in OVS's units and the
// key, mask and actions re-encoded in netlink (odp/netlink.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "capi/ovsxdp_capi.h"
#include "datapath/datapath.hpp"

namespace ovsxdp::capi {

// used: the datapath's CLOCK_MONOTONIC_COARSE ns as CLOCK_MONOTONIC ms
// (OVS time_msec()); both clocks count from the same origin.
ovsxdp_dp_flow_stats to_c(const flow_stats& stats);

// One flow's netlink buffers, reused from call to call.
struct encoded_flow {
  std::vector<std::uint8_t> key, mask, actions;
};
// Encodes `entry` into `buffers` and points `out` at them.
void encode_flow(const flow_entry& entry, encoded_flow& buffers, ovsxdp_dp_flow& out);

// A UFID argument (16 bytes, as OVS's ovs_u128) and back.
ovsxdp_ufid ufid_from(const void* bytes);
void ufid_to(const ovsxdp_ufid& ufid, std::uint8_t out[16]);

std::span<const std::uint8_t> bytes_of(const void* pointer, std::size_t length);

}  // namespace ovsxdp::capi
