// The action executor: runs an action list in order (Linux
// net/openvswitch/actions.c do_execute_actions). Every action is a BPF
// global function with one signature, verified once by the kernel; the loop
// here only dispatches, and keeps its offsets normalised so the verifier
// merges the paths of different action kinds at the loop head.
#pragma once

#include "ovsxdp/actions/ct.h"
#include "ovsxdp/actions/dec_ttl.h"
#include "ovsxdp/actions/eth.h"
#include "ovsxdp/actions/hash.h"
#include "ovsxdp/actions/sample.h"
#include "ovsxdp/actions/mpls.h"
#include "ovsxdp/actions/nsh.h"
#include "ovsxdp/actions/set_arp_nd_icmp.h"
#include "ovsxdp/actions/set_field.h"
#include "ovsxdp/actions/trunc.h"
#include "ovsxdp/actions/vlan.h"
#include "ovsxdp/datapath/conntrack.h"
#include "ovsxdp/datapath/sink.h"

// One global function per action: (ctx, state, action set, record offset).
#define OVSXDP_ACTION_FUNCTION(NAME, RECORD, ...)                                                            \
  extern "C" [[gnu::noinline]] int ovsxdp_do_##NAME(struct xdp_md* ctx, struct ovsxdp_exec_state* st,       \
                                                    const struct ovsxdp_action_set* set, __u32 off) {       \
    using namespace ovsxdp;                                                                                  \
    if (!st || !set) return action::kFailed;                                                                 \
    const RECORD* a = action::record_at<RECORD>(*set, off);                                                  \
    if (!a) return action::fail(*st, OVSXDP_C_DROP_ACTION);                                                  \
    /* An unused ctx would reach the call as undef; the verifier needs the real pointer. */                \
    asm volatile("" ::"r"(ctx));                                                                             \
    __VA_ARGS__                                                                                              \
  }

OVSXDP_ACTION_FUNCTION(push_vlan, ovsxdp_action_push_vlan, return action::push_vlan(ctx, *st, a->tpid, a->tci);)
OVSXDP_ACTION_FUNCTION(pop_vlan, ovsxdp_action_pop_vlan, return action::pop_vlan(ctx, *st);)
OVSXDP_ACTION_FUNCTION(set_ethernet, ovsxdp_action_set_ethernet, return action::set_ethernet(ctx, *st, a->value, a->mask);)
OVSXDP_ACTION_FUNCTION(set_ipv4, ovsxdp_action_set_ipv4, return action::set_ipv4(ctx, *st, a->value, a->mask);)
OVSXDP_ACTION_FUNCTION(set_ipv6, ovsxdp_action_set_ipv6, return action::set_ipv6(ctx, *st, a->value, a->mask);)
OVSXDP_ACTION_FUNCTION(set_transport, ovsxdp_action_set_transport, {
  const u8 proto = a->h.arg == OVSXDP_SET_TCP ? ip_proto::tcp : a->h.arg == OVSXDP_SET_UDP ? ip_proto::udp : ip_proto::sctp;
  return action::set_transport(ctx, *st, proto, a->value, a->mask);
})
OVSXDP_ACTION_FUNCTION(set_mpls, ovsxdp_action_set_mpls, return action::set_mpls(ctx, *st, a->value, a->mask);)
OVSXDP_ACTION_FUNCTION(set_meta, ovsxdp_action_set_u32, {
  return a->h.arg == OVSXDP_SET_SKB_MARK ? action::set_skb_mark(*st, a->value, a->mask) : action::set_priority(*st, a->value, a->mask);
})
OVSXDP_ACTION_FUNCTION(set_arp, ovsxdp_action_set_arp, return action::set_arp(ctx, *st, a->value, a->mask);)
OVSXDP_ACTION_FUNCTION(set_nd, ovsxdp_action_set_nd, return action::set_nd(ctx, *st, a->value, a->mask);)
OVSXDP_ACTION_FUNCTION(set_icmp, ovsxdp_action_set_icmp, return action::set_icmp(ctx, *st, a->value, a->mask);)
OVSXDP_ACTION_FUNCTION(dec_ttl, ovsxdp_action_dec_ttl, return action::dec_ttl(ctx, *st);)
OVSXDP_ACTION_FUNCTION(trunc, ovsxdp_action_trunc, return action::trunc(ctx, *st, a->max_len);)
OVSXDP_ACTION_FUNCTION(hash, ovsxdp_action_hash, return action::hash(*st, a->alg, a->basis);)
OVSXDP_ACTION_FUNCTION(push_mpls, ovsxdp_action_push_mpls, return action::push_mpls(ctx, *st, a->lse, a->ethertype);)
OVSXDP_ACTION_FUNCTION(pop_mpls, ovsxdp_action_pop_mpls, return action::pop_mpls(ctx, *st, a->ethertype);)
OVSXDP_ACTION_FUNCTION(add_mpls, ovsxdp_action_add_mpls, return action::add_mpls(ctx, *st, a->lse, a->ethertype, a->flags);)
OVSXDP_ACTION_FUNCTION(push_eth, ovsxdp_action_push_eth, return action::push_eth(ctx, *st, a->src, a->dst);)
OVSXDP_ACTION_FUNCTION(pop_eth, ovsxdp_action_pop_eth, return action::pop_eth(ctx, *st);)
OVSXDP_ACTION_FUNCTION(ct_clear, ovsxdp_action_ct_clear, return action::ct_clear(*st);)
// ct(): live runs store connections, trace runs only compute ct_state.
OVSXDP_ACTION_FUNCTION(ct_live, ovsxdp_action_ct, return dp::conntrack_execute<true>(ctx, *st, *a);)
OVSXDP_ACTION_FUNCTION(ct_trace, ovsxdp_action_ct, return dp::conntrack_execute<false>(ctx, *st, *a);)
OVSXDP_ACTION_FUNCTION(push_nsh, ovsxdp_action_push_nsh, return action::push_nsh(ctx, *st, *set, off, a->h.arg);)
OVSXDP_ACTION_FUNCTION(pop_nsh, ovsxdp_action_pop_nsh, return action::pop_nsh(ctx, *st);)

#undef OVSXDP_ACTION_FUNCTION

namespace ovsxdp::dp {

// Offsets stay below OVSXDP_ACTIONS_MAX_BYTES; the mask gives every path the
// same tracked range (OVSXDP_ACTIONS_MAX_BYTES is a power of two).
static_assert((OVSXDP_ACTIONS_MAX_BYTES & (OVSXDP_ACTIONS_MAX_BYTES - 1)) == 0);
OVSXDP_INLINE u32 normalize_action_offset(u32 v) {
  opaque(v);
  return v & (2 * OVSXDP_ACTIONS_MAX_BYTES - 1);
}

OVSXDP_INLINE int run_set(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, u32 off, u16 target) {
  switch (target) {
    case OVSXDP_SET_ETHERNET: return ovsxdp_do_set_ethernet(ctx, st, set, off);
    case OVSXDP_SET_IPV4: return ovsxdp_do_set_ipv4(ctx, st, set, off);
    case OVSXDP_SET_IPV6: return ovsxdp_do_set_ipv6(ctx, st, set, off);
    case OVSXDP_SET_TCP:
    case OVSXDP_SET_UDP:
    case OVSXDP_SET_SCTP: return ovsxdp_do_set_transport(ctx, st, set, off);
    case OVSXDP_SET_MPLS: return ovsxdp_do_set_mpls(ctx, st, set, off);
    case OVSXDP_SET_SKB_MARK:
    case OVSXDP_SET_PRIORITY: return ovsxdp_do_set_meta(ctx, st, set, off);
    case OVSXDP_SET_ARP: return ovsxdp_do_set_arp(ctx, st, set, off);
    case OVSXDP_SET_ND: return ovsxdp_do_set_nd(ctx, st, set, off);
    case OVSXDP_SET_ICMP:
    case OVSXDP_SET_ICMPV6: return ovsxdp_do_set_icmp(ctx, st, set, off);
    default: return action::fail(*st, OVSXDP_C_DROP_ACTION);
  }
}

// Executor result: go on with the next record.
inline constexpr int kNext = -1000;

// Actions that change the packet or its metadata and then let the list go
// on: the same in place and in copies. Returns an action::result.
template <class Sink>
OVSXDP_INLINE int run_plain(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, u32 off, u8 type, u16 arg) {
  switch (type) {
    case OVSXDP_ACTION_PUSH_VLAN: return ovsxdp_do_push_vlan(ctx, st, set, off);
    case OVSXDP_ACTION_POP_VLAN: return ovsxdp_do_pop_vlan(ctx, st, set, off);
    case OVSXDP_ACTION_SET: return run_set(ctx, st, set, off, arg);
    case OVSXDP_ACTION_TRUNC: return ovsxdp_do_trunc(ctx, st, set, off);
    case OVSXDP_ACTION_HASH: return ovsxdp_do_hash(ctx, st, set, off);
    case OVSXDP_ACTION_PUSH_MPLS: return ovsxdp_do_push_mpls(ctx, st, set, off);
    case OVSXDP_ACTION_POP_MPLS: return ovsxdp_do_pop_mpls(ctx, st, set, off);
    case OVSXDP_ACTION_ADD_MPLS: return ovsxdp_do_add_mpls(ctx, st, set, off);
    case OVSXDP_ACTION_PUSH_ETH: return ovsxdp_do_push_eth(ctx, st, set, off);
    case OVSXDP_ACTION_POP_ETH: return ovsxdp_do_pop_eth(ctx, st, set, off);
    case OVSXDP_ACTION_USERSPACE: return Sink::userspace(ctx, st, set, off);
    case OVSXDP_ACTION_CT_CLEAR: return ovsxdp_do_ct_clear(ctx, st, set, off);
    case OVSXDP_ACTION_CT: return Sink::conntrack(ctx, st, set, off);
    case OVSXDP_ACTION_PUSH_NSH: return ovsxdp_do_push_nsh(ctx, st, set, off);
    case OVSXDP_ACTION_POP_NSH: return ovsxdp_do_pop_nsh(ctx, st, set, off);
    default: return action::fail(*st, OVSXDP_C_DROP_ACTION);
  }
}

// Takes a branch: the pass continues inside it and ends where it ends
// (dec_ttl's le_1, an in-place check_pkt_len).
OVSXDP_INLINE void enter_branch(u32& off, u32& end, u32 start, u32 length) {
  off = start;
  if (length < end - start) end = start + length;
}

// One action: returns kNext to go on, or the pass's result (an XDP verdict
// or kRecirculate). `off` and `end` move for branches. The host placed
// clone, sample and check_pkt_len in the in-place list only where running
// them on the packet itself is what OVS does (nothing that emits follows
// them, or they only upcall); elsewhere a fork record comes first.
template <class Sink>
OVSXDP_INLINE int step(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, u32& off, u32& end,
                       bool& ttl_branch) {
  const auto* h = action::record_at<ovsxdp_action_header>(*set, off);
  if (!h) return drop_internal();
  const u32 size = h->words * 4u;
  if (size < sizeof(ovsxdp_action_header) || size > end - off) {
    count(OVSXDP_C_DROP_ACTION);
    return XDP_DROP;
  }
  int r = action::kOk;
  switch (h->type) {
    case OVSXDP_ACTION_OUTPUT: {
      const auto* a = action::record_at<ovsxdp_action_output>(*set, off);
      return a ? Sink::output(ctx, st, a->port) : drop_internal();
    }
    case OVSXDP_ACTION_DROP:
      count(OVSXDP_C_DROP_EXPLICIT);
      return XDP_DROP;
    case OVSXDP_ACTION_RECIRC: {
      const auto* a = action::record_at<ovsxdp_action_recirc>(*set, off);
      if (!a) return drop_internal();
      st->recirc_id = a->recirc_id;
      count(OVSXDP_C_RECIRCULATED);
      return kRecirculate;
    }
    case OVSXDP_ACTION_FORK: return Sink::fork(ctx, st);
    case OVSXDP_ACTION_CLONE: {
      const auto* a = action::record_at<ovsxdp_action_clone>(*set, off);
      if (!a) return drop_internal();
      off += size;  // the nested list runs on the packet, then what follows it
      if (a->flags & OVSXDP_NESTED_INVISIBLE) off += h->arg;
      return kNext;
    }
    case OVSXDP_ACTION_SAMPLE: {
      const auto* a = action::record_at<ovsxdp_action_sample>(*set, off);
      if (!a) return drop_internal();
      off += size;
      if ((a->flags & OVSXDP_NESTED_INVISIBLE) || !action::sample_taken(a->probability, bpf_get_prandom_u32())) off += h->arg;
      return kNext;
    }
    case OVSXDP_ACTION_CHECK_PKT_LEN: {
      const auto* a = action::record_at<ovsxdp_action_check_pkt_len>(*set, off);
      if (!a) return drop_internal();
      const u32 start = off + size;
      if (a->flags & OVSXDP_NESTED_INVISIBLE) off = start + a->gt_bytes + a->le_bytes;
      else if (action::frame_length(ctx) > a->max_len) enter_branch(off, end, start, a->gt_bytes);
      else enter_branch(off, end, start + a->gt_bytes, a->le_bytes);
      return kNext;
    }
    case OVSXDP_ACTION_METER: {
      const auto* a = action::record_at<ovsxdp_action_meter>(*set, off);
      if (!a) return drop_internal();
      if (!Sink::meter(a->meter_id, action::frame_length(ctx))) {
        count(OVSXDP_C_DROP_METER);
        return XDP_DROP;
      }
      off += size;
      return kNext;
    }
    case OVSXDP_ACTION_DEC_TTL: {
      const u32 nested = h->arg;
      r = ovsxdp_do_dec_ttl(ctx, st, set, off);
      if (r == action::kTtlExpired) {
        if (!nested) {
          count(OVSXDP_C_DROP_TTL);
          return XDP_DROP;
        }
        // Run the le_1 list, then end the pass (Linux dec_ttl_exception_handler).
        ttl_branch = true;
        enter_branch(off, end, off + size, nested);
        return kNext;
      }
      if (r == action::kOk) {
        off += size + nested;
        return kNext;
      }
      break;
    }
    default: r = run_plain<Sink>(ctx, st, set, off, h->type, h->arg); break;
  }
  if (r < 0) {
    count(st->drop_reason ? st->drop_reason : OVSXDP_C_DROP_ACTION);
    return XDP_DROP;
  }
  off += size;
  return kNext;
}

// Runs `set`; returns the XDP verdict, or kRecirculate after a recirc action.
template <class Sink>
OVSXDP_INLINE int run_actions(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set) {
  u32 end = set->length;
  if (end > OVSXDP_ACTIONS_MAX_BYTES) end = OVSXDP_ACTIONS_MAX_BYTES;
  u32 off = 0;
  bool ttl_branch = false;
  int result = kNext;
  // An open-coded iterator: the verifier checks the body until the loop
  // state converges (offsets are normalised for that), not once per
  // iteration for every action kind.
  bpf_iter_num it;
  bpf_iter_num_new(&it, 0, OVSXDP_ACTIONS_MAX_COUNT);
  while (bpf_iter_num_next(&it)) {
    off = normalize_action_offset(off);
    end = normalize_action_offset(end);
    if (off >= end) break;
    result = step<Sink>(ctx, st, set, off, end, ttl_branch);
    if (result != kNext) break;
  }
  bpf_iter_num_destroy(&it);
  if (result != kNext) return result;
  count(ttl_branch ? OVSXDP_C_DROP_TTL : OVSXDP_C_DROP_NO_OUTPUT);
  return XDP_DROP;
}

}  // namespace ovsxdp::dp

extern "C" [[gnu::noinline]] int ovsxdp_run_actions_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st,
                                                     const struct ovsxdp_action_set* set) {
  if (!st || !set) return ovsxdp::dp::drop_internal();
  return ovsxdp::dp::run_actions<ovsxdp::dp::live_sink>(ctx, st, set);
}

extern "C" [[gnu::noinline]] int ovsxdp_run_actions_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st,
                                                      const struct ovsxdp_action_set* set) {
  if (!st || !set) return ovsxdp::dp::drop_internal();
  return ovsxdp::dp::run_actions<ovsxdp::dp::trace_sink>(ctx, st, set);
}

// Copies of forked packets run the rest of the list (needs the executor
// above); copies that recirculate, through the loop device.
#include "ovsxdp/datapath/fork.h"
#include "ovsxdp/datapath/recirc.h"
