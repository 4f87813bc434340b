// Flows: put (create/modify/probe), del, get, flush.
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "capi/errors.hpp"
#include "capi/flow_encoding.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"
#include "datapath/validate.hpp"
#include "odp/netlink.hpp"

namespace ovsxdp::capi {
namespace {

constexpr unsigned kPutFlags = OVSXDP_PUT_CREATE | OVSXDP_PUT_MODIFY | OVSXDP_PUT_ZERO_STATS | OVSXDP_PUT_PROBE;

bool same_match(const flow_entry& flow, const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask) {
  return !std::memcmp(&flow.key, &masked_key, sizeof masked_key) && !std::memcmp(&flow.mask, &mask, sizeof mask);
}

// The flow a del or get names: its UFID, else its exact key (decoded with
// the mask every attribute it names has exactly, as Linux does without a mask).
flow_selector selector(const void* key, std::size_t key_len, const void* ufid) {
  if (ufid) return ufid_from(ufid);
  if (!key_len) fail(EINVAL, "neither ufid nor key given: name the flow by one of them");
  const odp::netlink_match m = odp::decode_key(bytes_of(key, key_len));
  return flow_match{m.key, m.mask};
}

std::string selector_text(const void* ufid) { return ufid ? "the flow with this UFID" : "the flow with this exact key"; }

}  // namespace
}  // namespace ovsxdp::capi

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" int ovsxdp_flow_put(ovsxdp_dp* dp, unsigned flags, const void* key, size_t key_len, const void* mask,
                               size_t mask_len, const void* actions, size_t actions_len, const void* ufid,
                               ovsxdp_dp_flow_stats* old_stats, bool* created) {
  return guarded("ovsxdp_flow_put", [&] {
    // The arguments are checked and decoded before the handle is used.
    require_buffer(key, key_len, "key");
    require_buffer(mask, mask_len, "mask");
    require_buffer(actions, actions_len, "actions");
    if (created) *created = false;
    if (flags & ~kPutFlags)
      fail(EINVAL, "flags " + std::to_string(flags) + " have unknown bits (" + std::to_string(flags & ~kPutFlags) +
                       "): use OVSXDP_PUT_CREATE, _MODIFY, _ZERO_STATS and _PROBE");
    if (!(flags & (OVSXDP_PUT_CREATE | OVSXDP_PUT_MODIFY)))
      fail(EINVAL, "flags allow neither OVSXDP_PUT_CREATE nor OVSXDP_PUT_MODIFY: the put could do nothing");
    if (!key_len) fail(EINVAL, "the key is empty: a flow needs at least OVS_KEY_ATTR_ETHERTYPE or what Linux requires");

    const odp::netlink_match match = odp::decode_match(bytes_of(key, key_len), bytes_of(mask, mask_len));
    const action_list list = odp::decode_actions(bytes_of(actions, actions_len));
    const ovsxdp_flow_key masked = mask_key(match.key, match.mask);
    const ovsxdp_ufid id = ufid ? ufid_from(ufid) : derive_ufid(masked, match.mask);
    datapath& d = datapath_of(dp);

    if (const std::optional<flow_entry> existing = d.get_flow(id)) {
      if (!(flags & OVSXDP_PUT_MODIFY)) fail(EEXIST, "the flow exists (same UFID) and flags lack OVSXDP_PUT_MODIFY");
      // Linux: a UFID names one match; a put with another match names no flow.
      if (!same_match(*existing, masked, match.mask))
        fail(ENOENT, "a flow with this UFID exists with another key or mask: delete it first, or use another UFID");
      if (old_stats) *old_stats = to_c(existing->stats);
      d.modify_flow(id, list, (flags & OVSXDP_PUT_ZERO_STATS) != 0);
      return;
    }
    if (!(flags & OVSXDP_PUT_CREATE)) fail(ENOENT, "no flow with this UFID or match, and flags lack OVSXDP_PUT_CREATE");
    flow_spec spec;
    spec.key = match.key;
    spec.mask = match.mask;
    spec.actions = list;
    if (ufid) spec.ufid = id;
    spec.attributes = match.attributes;
    d.add_flow(spec);
    if (old_stats) *old_stats = {};
    if (created) *created = true;
  });
}

extern "C" int ovsxdp_flow_del(ovsxdp_dp* dp, const void* key, size_t key_len, const void* ufid, ovsxdp_dp_flow_stats* stats) {
  return guarded("ovsxdp_flow_del", [&] {
    datapath& d = datapath_of(dp);
    require_buffer(key, key_len, "key");
    const flow_selector which = selector(key, key_len, ufid);
    // Its statistics just before it goes: hits between the two calls are not counted.
    const std::optional<flow_entry> flow = d.get_flow(which);
    if (!flow || !d.delete_flow(which)) fail(ENOENT, "datapath " + d.name() + " has no " + selector_text(ufid));
    if (stats) *stats = to_c(flow->stats);
  });
}

extern "C" int ovsxdp_flow_flush(ovsxdp_dp* dp) {
  return guarded("ovsxdp_flow_flush", [&] { datapath_of(dp).flush(); });
}

extern "C" int ovsxdp_flow_get(ovsxdp_dp* dp, const void* key, size_t key_len, const void* ufid, ovsxdp_dp_flow* flow,
                               void** buffer) {
  return guarded("ovsxdp_flow_get", [&] {
    datapath& d = datapath_of(dp);
    require_buffer(key, key_len, "key");
    require(flow, "flow");
    require(buffer, "buffer");
    *buffer = nullptr;
    const std::optional<flow_entry> entry = d.get_flow(selector(key, key_len, ufid));
    if (!entry) fail(ENOENT, "datapath " + d.name() + " has no " + selector_text(ufid));
    encoded_flow encoded;
    ovsxdp_dp_flow out;
    encode_flow(*entry, encoded, out);
    // One block the caller frees: key, mask, actions.
    const std::size_t total = encoded.key.size() + encoded.mask.size() + encoded.actions.size();
    auto* block = static_cast<std::uint8_t*>(std::malloc(total ? total : 1));
    if (!block) throw std::bad_alloc();
    std::uint8_t* at = block;
    auto place = [&](const std::vector<std::uint8_t>& bytes, const void*& pointer) {
      if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
      pointer = at;
      at += bytes.size();
    };
    place(encoded.key, out.key);
    place(encoded.mask, out.mask);
    place(encoded.actions, out.actions);
    *flow = out;
    *buffer = block;
  });
}
