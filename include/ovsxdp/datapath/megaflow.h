// Megaflow lookup: tuple-space search over the masks, with a per-CPU cache
// in front so a packet of a known flow costs one probe or one verification
// (Linux net/openvswitch/flow_table.c, ovs_flow_tbl_lookup_stats).
#pragma once

#include "ovsxdp/datapath/maps.h"
#include "ovsxdp/flow/hash.h"

// The flow slot whose masked key matches `key` under mask `mask_index`.
extern "C" [[gnu::noinline]] __u32 ovsxdp_megaflow_probe(struct ovsxdp_flow_key* key, __u32 mask_index) {
  using namespace ovsxdp;
  if (!key) return OVSXDP_NO_FLOW;
  const ovsxdp_mask* m = map_lookup<ovsxdp_mask>(&dp_masks, mask_index);
  if (!m || !m->active) return OVSXDP_NO_FLOW;
  ovsxdp_megaflow_id id{};
  id.mask_index = mask_index;
  id.hash = flow::masked_hash(*key, *m, mask_index);
  const u32* slot = map_lookup<u32>(&dp_megaflows, id);
  if (!slot) return OVSXDP_NO_FLOW;
  const u32 s = *slot;
  const ovsxdp_flow* f = map_lookup<ovsxdp_flow>(&dp_flows, s);
  // The hash only nominates: the stored masked key must match word for word.
  if (!f || f->state != OVSXDP_FLOW_LIVE || f->mask_index != mask_index || !flow::masked_equal(*key, *m, f->key))
    return OVSXDP_NO_FLOW;
  return s;
}

namespace ovsxdp::dp {

// The flow in `slot`, if it is live and `key` matches it: what a flow-cache
// entry nominates. Readers see a slot's state before its content, and a
// slot is rewritten only a grace period after it stopped being live, so a
// live state guarantees complete content (the same argument as for masks;
// it relies on loads not passing loads, as on x86).
OVSXDP_INLINE u32 verify_flow(const ovsxdp_flow_key& key, u32 slot) {
  const ovsxdp_flow* f = map_lookup<ovsxdp_flow>(&dp_flows, slot);
  if (!f || f->state != OVSXDP_FLOW_LIVE) return OVSXDP_NO_FLOW;
  const ovsxdp_mask* m = map_lookup<ovsxdp_mask>(&dp_masks, f->mask_index);
  if (!m || !m->active || !flow::masked_equal(key, *m, f->key)) return OVSXDP_NO_FLOW;
  return slot;
}

}  // namespace ovsxdp::dp

// The flow for `key`, or OVSXDP_NO_FLOW. A per-CPU cache indexed by the
// packet hash answers repeated packets; the search probes the masks in the
// info map's order.
extern "C" [[gnu::noinline]] __u32 ovsxdp_megaflow_lookup(struct ovsxdp_flow_key* key) {
  using namespace ovsxdp;
  if (!key) return OVSXDP_NO_FLOW;
  const ovsxdp_info* info = map_lookup<ovsxdp_info>(&dp_info, 0u);
  const u32 n_masks = info ? info->n_masks : 0;
  u32 h = 0;
  ovsxdp_lookup_cache_entry* cached = nullptr;
  if (ovsxdp_lookup_cache != OVSXDP_CACHE_NONE) {
    h = flow::packet_hash(*key);
    cached = map_lookup<ovsxdp_lookup_cache_entry>(&dp_lookup_cache, h & (OVSXDP_LOOKUP_CACHE_ENTRIES - 1));
  }
  if (cached && cached->hash == h) {
    const u32 slot = ovsxdp_lookup_cache == OVSXDP_CACHE_FLOW ? dp::verify_flow(*key, cached->value)
                                                              : ovsxdp_megaflow_probe(key, cached->value);
    if (slot != OVSXDP_NO_FLOW) {
      dp::count(OVSXDP_C_CACHE_HIT);
      dp::count(OVSXDP_C_MASK_PROBES);
      return slot;
    }
  }
  dp::count(OVSXDP_C_CACHE_MISS);
#pragma nounroll
  for (u32 i = 0; i < OVSXDP_MASKS_LIMIT; i++) {
    if (i >= n_masks || !info) break;
    const u32 mask_index = info->mask_order[i];
    const u32 slot = ovsxdp_megaflow_probe(key, mask_index);
    if (slot != OVSXDP_NO_FLOW) {
      if (cached) {
        cached->hash = h;
        cached->value = ovsxdp_lookup_cache == OVSXDP_CACHE_FLOW ? slot : mask_index;
      }
      dp::count(OVSXDP_C_MASK_PROBES, i + 1);
      return slot;
    }
  }
  return OVSXDP_NO_FLOW;
}
