// push_nsh / pop_nsh (Linux net/openvswitch/actions.c push_nsh, pop_nsh over
// net/nsh/nsh.c nsh_push, nsh_pop). The header goes in front of the whole
// packet, Ethernet header included, and the packet becomes an L3 (NSH)
// packet; pop_nsh removes the leading NSH header, leaving an Ethernet frame
// (next protocol 3) or an L3 packet of the next protocol's ethertype.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/bpf/kfuncs.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/nsh.h"

namespace ovsxdp::action {

namespace detail {
// The key's packet-derived words, cleared as extraction would clear them.
OVSXDP_INLINE void clear_packet_fields(ovsxdp_flow_key& key) {
  __builtin_memset(reinterpret_cast<u8*>(&key) + OVSXDP_FLOW_KEY_PACKET_OFFSET, 0,
                   OVSXDP_FLOW_KEY_PACKET_END - OVSXDP_FLOW_KEY_PACKET_OFFSET);
}
// A record near the end of its list: word by word, each word's offset
// bounded on its own.
OVSXDP_INLINE void copy_words(xdp_md* ctx, const ovsxdp_action_set& set, u32 from, u32 length, bool& copied) {
  const cursor c(frame_of(ctx));
  const u32 words = length / 4;
  bpf_iter_num it;
  bpf_iter_num_new(&it, 0, OVSXDP_NSH_HEADER_MAX / 4);
  while (const int* i = bpf_iter_num_next(&it)) {
    const u32 w = static_cast<u32>(*i);
    if (w >= words) break;
    u32 at = from + w * 4;
    opaque(at);
    if (at > OVSXDP_ACTIONS_MAX_BYTES - 4) {
      copied = false;
      break;
    }
    auto* word = c.at<wire<u32>>(w * 4);
    if (!word) {
      copied = false;
      break;
    }
    word->value = load_unaligned<u32>(set.bytes + at);
  }
  bpf_iter_num_destroy(&it);
}
}  // namespace detail

// `set` and `off` locate the record, whose header bytes (built by the host)
// are copied from map memory: a stack buffer for up to 252 bytes would not
// fit the BPF stack of the deepest call chain.
OVSXDP_INLINE int push_nsh(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_action_set& set, u32 off, u32 length) {
  if (length < nsh::kBaseLength || length > OVSXDP_NSH_HEADER_MAX || length % 4) return fail(st, OVSXDP_C_DROP_ACTION);
  // Linux overwrites the action's next protocol: Ethernet when the packet has
  // an Ethernet header, else the protocol of its ethertype (none: dropped).
  const u8 np = st.key.mac_proto == OVSXDP_MAC_ETHERNET ? u8{OVSXDP_NSH_NP_ETHERNET} : nsh::np_from_ethertype(ntoh16(st.key.eth_type));
  if (!np) return fail(st, OVSXDP_C_DROP_ACTION);
  if (!move_head(ctx, -static_cast<int>(length))) return fail(st, OVSXDP_C_DROP_ACTION);
  const u32 from = off + sizeof(ovsxdp_action_push_nsh);
  bool copied = true;
  if (from <= OVSXDP_ACTIONS_MAX_BYTES - OVSXDP_NSH_HEADER_MAX) {
    // One helper call; the bound lets the verifier see the whole header
    // inside the record memory whatever its length.
    copied = bpf_xdp_store_bytes(ctx, 0, const_cast<u8*>(set.bytes + from), length) == 0;
  } else {
    detail::copy_words(ctx, set, from, length, copied);
  }
  const cursor c(frame_of(ctx));
  auto* h = c.at<nsh::header>(0);
  if (!copied || !h) return fail(st, OVSXDP_C_DROP_ACTION);
  h->np = np;
  // The key of the NSH packet this now is (Linux invalidates its key and
  // extracts again at recirculation; extraction would give exactly this).
  detail::clear_packet_fields(st.key);
  st.key.mac_proto = OVSXDP_MAC_NONE;
  st.key.eth_type = be16_c<ethernet::type::nsh>;
  nsh::parse(c, 0, st.key);
  st.layout.l3 = 0;
  st.layout.l4 = 0;
  return kOk;
}

// The packet must start with the NSH header (validation: an L3 packet, as
// after pop_eth). Errors drop it, as Linux's nsh_pop errors do: a header
// cut short or shorter than 8 bytes, or a next protocol with no ethertype.
OVSXDP_INLINE int pop_nsh(xdp_md* ctx, ovsxdp_exec_state& st) {
  if (st.key.mac_proto != OVSXDP_MAC_NONE) return fail(st, OVSXDP_C_DROP_ACTION);
  const cursor c(frame_of(ctx));
  const auto* h = c.at<nsh::header>(0);
  if (!h) return fail(st, OVSXDP_C_DROP_ACTION);
  const u32 length = nsh::length(*h);
  const u8 np = h->np;
  const u16 inner = nsh::ethertype_from_np(np);
  if (length < nsh::kBaseLength || !c.has(0, length) || !inner) return fail(st, OVSXDP_C_DROP_ACTION);
  if (!move_head(ctx, static_cast<int>(length))) return fail(st, OVSXDP_C_DROP_ACTION);
  detail::clear_packet_fields(st.key);
  st.key.eth_type = hton16(inner);  // 0x6558 for an Ethernet frame: Linux's skb->protocol
  if (np == OVSXDP_NSH_NP_ETHERNET) {
    st.key.mac_proto = OVSXDP_MAC_ETHERNET;
    if (const auto* eth = cursor(frame_of(ctx)).at<ethernet::header>(0)) {
      __builtin_memcpy(st.key.eth_src, eth->src, 6);
      __builtin_memcpy(st.key.eth_dst, eth->dst, 6);
    }
  } else {
    st.key.mac_proto = OVSXDP_MAC_NONE;
  }
  st.layout.l3 = 0;
  st.layout.l4 = 0;
  return kOk;
}

}  // namespace ovsxdp::action
