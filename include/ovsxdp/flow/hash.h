// Hashes of flow keys, identical on the BPF target and the host (the host
// computes the megaflow hash of a flow it installs; the datapath computes it
// for every packet probe).
#pragma once

#include "ovsxdp/abi/datapath.h"
#include "ovsxdp/base/types.h"

namespace ovsxdp::flow {

inline constexpr u64 kHashSeed = 0x6f767378647020ULL;

OVSXDP_INLINE u64 hash_word(u64 h, u64 word) {
  h ^= word * 0x9e3779b97f4a7c15ULL;
  h = (h << 31) | (h >> 33);
  return h * 0xc2b2ae3d27d4eb4fULL;
}

OVSXDP_INLINE u64 hash_finish(u64 h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

// The key as 8-byte words (may_alias: the key is also read field by field).
typedef u64 __attribute__((may_alias)) key_word;
OVSXDP_INLINE const key_word* words_of(const ovsxdp_flow_key& key) { return reinterpret_cast<const key_word*>(&key); }

// Megaflow hash: over the mask's nonzero words of key & mask, so only the
// words a mask covers cost anything.
OVSXDP_INLINE u64 masked_hash(const ovsxdp_flow_key& key, const ovsxdp_mask& mask, u32 mask_index) {
  const key_word* k = words_of(key);
  const key_word* m = words_of(mask.mask);
  u64 h = kHashSeed ^ mask_index;
  const u32 n = mask.n_words;
#pragma nounroll
  for (u32 i = 0; i < OVSXDP_FLOW_KEY_WORDS; i++) {
    if (i >= n) break;
    const u32 w = mask.words[i];
    if (w >= OVSXDP_FLOW_KEY_WORDS) break;
    h = hash_word(h, k[w] & m[w]);
  }
  return hash_finish(h ^ n);
}

// True when `key` masked by `mask` equals the stored masked key `flow_key`
// on every word the mask covers.
OVSXDP_INLINE bool masked_equal(const ovsxdp_flow_key& key, const ovsxdp_mask& mask, const ovsxdp_flow_key& flow_key) {
  const key_word* k = words_of(key);
  const key_word* m = words_of(mask.mask);
  const key_word* f = words_of(flow_key);
  const u32 n = mask.n_words;
#pragma nounroll
  for (u32 i = 0; i < OVSXDP_FLOW_KEY_WORDS; i++) {
    if (i >= n) break;
    const u32 w = mask.words[i];
    if (w >= OVSXDP_FLOW_KEY_WORDS) return false;
    if ((k[w] & m[w]) != f[w]) return false;
  }
  return true;
}

// A cheap hash of the words that tell packets' flows apart (metadata,
// Ethernet, VLAN, IP scalars and ports, addresses): indexes the mask cache.
OVSXDP_INLINE u32 packet_hash(const ovsxdp_flow_key& key) {
  const key_word* k = words_of(key);
  u64 h = kHashSeed;
  h = hash_word(h, k[0]);
  h = hash_word(h, k[1]);
  h = hash_word(h, k[3]);
  h = hash_word(h, k[4]);
  h = hash_word(h, k[5]);
  h = hash_word(h, k[6]);
  h = hash_word(h, k[8]);
  h = hash_word(h, k[9]);
  h = hash_word(h, k[10]);
  h = hash_word(h, k[11]);
  return static_cast<u32>(hash_finish(h));
}

}  // namespace ovsxdp::flow
