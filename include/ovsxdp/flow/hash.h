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
// Pairs of words multiply independently (NH-style) so the CPU overlaps the
// multiplications; a chained hash over ten words costs about twice as much.
// Collisions only cost a fallback to the full search: the probe verifies.
OVSXDP_INLINE u32 packet_hash(const ovsxdp_flow_key& key) {
  const key_word* k = words_of(key);
  u64 h = kHashSeed;
  h += (k[0] + 0x9e3779b97f4a7c15ULL) * (k[1] + 0xc2b2ae3d27d4eb4fULL);
  h += (k[3] + 0x165667b19e3779f9ULL) * (k[4] + 0x27d4eb2f165667c5ULL);
  h += (k[5] + 0xff51afd7ed558ccdULL) * (k[6] + 0xc4ceb9fe1a85ec53ULL);
  h += (k[8] + 0x85ebca6b0b7e4f1dULL) * (k[9] + 0xcc9e2d51a54a9c35ULL);
  h += (k[10] + 0x1b873593e6546b64ULL) * (k[11] + 0x94d049bb133111ebULL);
  return static_cast<u32>((h * 0x9e3779b97f4a7c15ULL) >> 32);  // Fibonacci hashing: high bits mix all of h
}

}  // namespace ovsxdp::flow
