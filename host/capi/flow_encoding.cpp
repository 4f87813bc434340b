#include "capi/flow_encoding.hpp"

#include <cstring>

#include "odp/netlink.hpp"

namespace ovsxdp::capi {

ovsxdp_dp_flow_stats to_c(const flow_stats& stats) {
  ovsxdp_dp_flow_stats out{};
  out.n_packets = stats.packets;
  out.n_bytes = stats.bytes;
  out.used = static_cast<long long>(stats.used_ns / 1000000);
  // A hit in the first millisecond after boot must not read as "never".
  if (stats.used_ns && !out.used) out.used = 1;
  out.tcp_flags = stats.tcp_flags;
  return out;
}

void encode_flow(const flow_entry& entry, encoded_flow& buffers, ovsxdp_dp_flow& out) {
  // The attributes a flow of this match carries as OVS's encoder would
  // write them: the datapath keeps values, not the attributes it was given.
  const key_attributes attributes = implied_attributes(entry.key, entry.mask).attributes;
  buffers.key = odp::encode_key(entry.key, attributes);
  buffers.mask = odp::encode_mask(entry.key, entry.mask, attributes);
  buffers.actions = odp::encode_actions(entry.actions);
  out = {};
  out.key = buffers.key.data();
  out.key_len = buffers.key.size();
  out.mask = buffers.mask.data();
  out.mask_len = buffers.mask.size();
  out.actions = buffers.actions.data();
  out.actions_len = buffers.actions.size();
  ufid_to(entry.ufid, out.ufid);
  out.ufid_present = entry.ufid_present;
  out.stats = to_c(entry.stats);
}

ovsxdp_ufid ufid_from(const void* bytes) {
  ovsxdp_ufid ufid;
  static_assert(sizeof ufid == 16);
  std::memcpy(&ufid, bytes, sizeof ufid);
  return ufid;
}

void ufid_to(const ovsxdp_ufid& ufid, std::uint8_t out[16]) { std::memcpy(out, &ufid, sizeof ufid); }

std::span<const std::uint8_t> bytes_of(const void* pointer, std::size_t length) {
  if (!length) return {};
  return {static_cast<const std::uint8_t*>(pointer), length};
}

}  // namespace ovsxdp::capi
