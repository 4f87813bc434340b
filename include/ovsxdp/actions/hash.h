// hash(l4(basis)) and hash(sym_l4(basis)): sets dp_hash in the key for the
// next lookup (Linux execute_hash). XDP has no skb hash, so the L4 hash is
// computed here from the key's 5-tuple; like Linux's it is an implementation
// detail, only its use (spreading flows over dp_hash buckets) is defined.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/proto/ethernet.h"

namespace ovsxdp::action {

namespace detail {
OVSXDP_INLINE u32 rol32(u32 v, u32 s) { return (v << s) | (v >> (32 - s)); }

// Linux's jhash_3words/__jhash_final.
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
  if (key.eth_type == be16_c<ethernet::type::ipv4>) return ntoh32(src ? key.nw.ipv4.src : key.nw.ipv4.dst);
  const u8* a = src ? key.nw.ipv6.src : key.nw.ipv6.dst;
  return load_unaligned<u32>(a) ^ load_unaligned<u32>(a + 4) ^ load_unaligned<u32>(a + 8) ^ load_unaligned<u32>(a + 12);
}
}  // namespace detail

// 5-tuple hash of the key; 0 for packets that are not IP.
OVSXDP_INLINE u32 l4_hash(const ovsxdp_flow_key& key, bool symmetric) {
  if (key.eth_type != be16_c<ethernet::type::ipv4> && key.eth_type != be16_c<ethernet::type::ipv6>) return 0;
  u32 a = detail::fold_address(key, true), b = detail::fold_address(key, false);
  u32 sp = ntoh16(key.tp_src), dp = ntoh16(key.tp_dst);
  if (symmetric && (a > b || (a == b && sp > dp))) {
    const u32 t = a;
    a = b;
    b = t;
    const u32 p = sp;
    sp = dp;
    dp = p;
  }
  return detail::jhash_3words(a, b, (sp << 16 | dp) ^ key.ip_proto, 0x4f565848);
}

OVSXDP_INLINE int hash(ovsxdp_exec_state& st, u32 alg, u32 basis) {
  u32 h = l4_hash(st.key, alg == OVSXDP_HASH_SYM_L4);
  h = detail::jhash_1word(h, basis);
  st.key.dp_hash = h ? h : 1;
  return kOk;
}

}  // namespace ovsxdp::action
