// The L4 hash behind hash(l4) and hash(sym_l4) (dp_hash). XDP has no skb
// hash, so it is computed from the key's 5-tuple; like Linux's it is an
// implementation detail: only spreading flows over dp_hash values matters.
// Host and BPF.
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/base/types.h"

namespace ovsxdp::flow {

OVSXDP_INLINE u32 rol32(u32 v, u32 s) { return (v << s) | (v >> (32 - s)); }

// Linux's jhash_3words (__jhash_final over a, b, c with initval).
OVSXDP_INLINE u32 jhash_3words(u32 a, u32 b, u32 c, u32 initval) {
  a += 0xdeadbeef + initval;
  b += 0xdeadbeef + initval;
  c += 0xdeadbeef + initval;
  c ^= b; c -= rol32(b, 14);
  a ^= c; a -= rol32(c, 11);
  b ^= a; b -= rol32(a, 25);
  c ^= b; c -= rol32(b, 16);
  a ^= c; a -= rol32(c, 4);
  b ^= a; b -= rol32(a, 14);
  c ^= b; c -= rol32(b, 24);
  return c;
}
OVSXDP_INLINE u32 jhash_1word(u32 a, u32 initval) { return jhash_3words(a, 0, 0, initval); }

OVSXDP_INLINE u32 fold_address(const ovsxdp_flow_key& key, bool src) {
  if (key.eth_type == be16_c<0x0800>) return ntoh32(src ? key.nw.ipv4.src : key.nw.ipv4.dst);
  const u8* a = src ? key.nw.ipv6.src : key.nw.ipv6.dst;
  return load_unaligned<u32>(a) ^ load_unaligned<u32>(a + 4) ^ load_unaligned<u32>(a + 8) ^ load_unaligned<u32>(a + 12);
}

// 5-tuple hash of the key; 0 for packets that are not IP. `symmetric` gives
// both directions of a connection the same value.
OVSXDP_INLINE u32 l4_hash(const ovsxdp_flow_key& key, bool symmetric) {
  if (key.eth_type != be16_c<0x0800> && key.eth_type != be16_c<0x86dd>) return 0;
  u32 a = fold_address(key, true), b = fold_address(key, false);
  u32 sp = ntoh16(key.tp_src), dp = ntoh16(key.tp_dst);
  if (symmetric && (a > b || (a == b && sp > dp))) {
    const u32 t = a;
    a = b;
    b = t;
    const u32 p = sp;
    sp = dp;
    dp = p;
  }
  return jhash_3words(a, b, (sp << 16 | dp) ^ key.ip_proto, 0x4f565848);
}

// The dp_hash hash(alg, basis) stores (Linux execute_hash: 0 becomes 1).
OVSXDP_INLINE u32 dp_hash(const ovsxdp_flow_key& key, bool symmetric, u32 basis) {
  const u32 h = jhash_1word(l4_hash(key, symmetric), basis);
  return h ? h : 1;
}

}  // namespace ovsxdp::flow
