// Forks: one packet, many ports, each copy with its own modifications.
//
// XDP transmits a frame once, so a list like `A1,output:1,A2,output:2` cannot
// run on the packet itself. The host splits such a list at a fork record
// (everything before it runs in place) and compiles, for each emission after
// it, a copy plan: the few steps that copy needs (its own modifications,
// branch guards, its output). At the fork the packet is broadcast, unchanged,
// to the action set's copy group (a DEVMAP_HASH, one entry per copy, each
// with the copy egress program); the per-CPU copy context remembers the
// packet's state at the fork and the decisions all copies must share (sample
// draws, meter verdicts). Each copy's egress program finds its plan by its
// interface and runs it. Trace runs do the same sequentially, restoring the
// saved frame before each copy, so they show every copy in emission order.
#pragma once

#include "ovsxdp/datapath/executor.h"
#include "ovsxdp/datapath/frame_tag.h"

namespace ovsxdp::dp {

OVSXDP_INLINE bool bit_test(const u64* bits, u32 i) { return (bits[(i / 64) & 7] >> (i % 64)) & 1; }
OVSXDP_INLINE void bit_set(u64* bits, u32 i) { bits[(i / 64) & 7] |= 1ull << (i % 64); }

// A new copy context for the fork of the packet in `st`.
OVSXDP_INLINE ovsxdp_copy_context* open_copy_context(const ovsxdp_exec_state& st, u32& sequence) {
  const u32 zero = 0;
  u32* last = map_lookup<u32>(&dp_fork_sequence, zero);
  if (!last) return nullptr;
  sequence = ++*last;
  ovsxdp_copy_context* c = map_lookup<ovsxdp_copy_context>(&dp_copy_contexts, sequence % OVSXDP_COPY_CONTEXTS);
  if (!c) return nullptr;
  __builtin_memcpy(&c->state, &st, sizeof st);
  c->sequence = sequence;
  c->seed = bpf_get_prandom_u32();
  __builtin_memset(c->meters_decided, 0, sizeof c->meters_decided);
  __builtin_memset(c->meters_passed, 0, sizeof c->meters_passed);
  __builtin_memset(c->copies_taken, 0, sizeof c->copies_taken);
  return c;
}

enum copy_outcome : int { kCopySkipped = -2000 };

// Runs one copy's plan on the frame in `ctx` (the frame as it was at the
// fork). Returns the copy's verdict: XDP_PASS (live: transmit here),
// XDP_REDIRECT (trace: recorded), XDP_DROP.
template <class Sink>
OVSXDP_INLINE int run_copy(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, const ovsxdp_copy_plan* plan,
                           ovsxdp_copy_context* c) {
  int result = kNext;
  const u32 n_steps = plan->n_steps;
  bpf_iter_num it;
  bpf_iter_num_new(&it, 0, OVSXDP_COPY_MAX_STEPS);
  while (const int* i = bpf_iter_num_next(&it)) {
    const u32 index = static_cast<u32>(*i);
    if (index >= n_steps || index >= OVSXDP_COPY_MAX_STEPS) break;
    const u32 step = plan->steps[index];
    const u32 off = step & OVSXDP_STEP_OFFSET;
    const auto* h = action::record_at<ovsxdp_action_header>(*set, off);
    if (!h) {
      result = drop_internal();
      break;
    }
    int r = action::kOk;
    switch (h->type) {
      case OVSXDP_ACTION_OUTPUT: {
        const auto* a = action::record_at<ovsxdp_action_output>(*set, off);
        result = a ? Sink::copy_output(ctx, st, a->port) : drop_internal();
        break;
      }
      case OVSXDP_ACTION_RECIRC: {
        const auto* a = action::record_at<ovsxdp_action_recirc>(*set, off);
        result = a ? Sink::copy_recirc(ctx, st, a->recirc_id) : drop_internal();
        break;
      }
      case OVSXDP_ACTION_SAMPLE: {
        const auto* a = action::record_at<ovsxdp_action_sample>(*set, off);
        if (!a) r = action::fail(*st, OVSXDP_C_DROP_INTERNAL);
        else if (!action::sample_taken(a->probability, action::fork_random(c->seed, off))) result = kCopySkipped;
        break;
      }
      case OVSXDP_ACTION_CHECK_PKT_LEN: {
        const auto* a = action::record_at<ovsxdp_action_check_pkt_len>(*set, off);
        if (!a) r = action::fail(*st, OVSXDP_C_DROP_INTERNAL);
        else if ((action::frame_length(ctx) > a->max_len) != ((step & OVSXDP_STEP_GT) != 0)) result = kCopySkipped;
        break;
      }
      case OVSXDP_ACTION_DEC_TTL:
        if (step & OVSXDP_STEP_TTL_EXPIRED) {
          if (!action::ttl_expired(ctx, *st)) result = kCopySkipped;
        } else {
          r = ovsxdp_do_dec_ttl(ctx, st, set, off);
          if (r == action::kTtlExpired) result = kCopySkipped;
        }
        break;
      case OVSXDP_ACTION_METER: {
        const auto* a = action::record_at<ovsxdp_action_meter>(*set, off);
        if (!a) {
          r = action::fail(*st, OVSXDP_C_DROP_INTERNAL);
          break;
        }
        // The first copy to reach a meter charges it; the others reuse its verdict.
        const u32 bit = off / 4;
        if (!bit_test(c->meters_decided, bit)) {
          bit_set(c->meters_decided, bit);
          if (Sink::meter(a->meter_id, action::frame_length(ctx))) bit_set(c->meters_passed, bit);
          else count(OVSXDP_C_DROP_METER);
        }
        if (!bit_test(c->meters_passed, bit)) result = kCopySkipped;
        break;
      }
      default: r = run_plain<Sink>(ctx, st, set, off, h->type, h->arg); break;
    }
    if (r < 0) {
      count(st->drop_reason ? st->drop_reason : OVSXDP_C_DROP_ACTION);
      result = XDP_DROP;
    }
    if (result != kNext) break;
  }
  bpf_iter_num_destroy(&it);
  if (result == kCopySkipped) {
    count(OVSXDP_C_COPY_SKIPPED);
    return XDP_DROP;
  }
  if (result != kNext) return result;
  // An upcall-only copy ends after its userspace action; anything else is a bad plan.
  if (!plan->carrier) count(OVSXDP_C_COPY_LOST);
  return XDP_DROP;
}

OVSXDP_INLINE void* fork_plans_of(u32 set_slot) { return bpf_map_lookup_elem(&dp_fork_plans, &set_slot); }

OVSXDP_INLINE const ovsxdp_action_set* set_of(const ovsxdp_exec_state& st) {
  return map_lookup<ovsxdp_action_set>(&dp_action_sets, st.set_slot);
}

// Brings the frame in `ctx` back to `bytes`, `length` long: trace runs
// rewrite one buffer in place for each copy. Pushes and pops change a frame
// at its front, so its front moves back first: copies run one after another
// then all start with the headroom the packet had.
OVSXDP_INLINE bool restore_frame(xdp_md* ctx, const u8* bytes, u32 length) {
  if (length > OVSXDP_SAVED_FRAME_MAX || length == 0) return false;
  const int grown = static_cast<int>(action::frame_length(ctx)) - static_cast<int>(length);
  if (grown && bpf_xdp_adjust_head(ctx, grown) && bpf_xdp_adjust_tail(ctx, -grown)) return false;
  return bpf_xdp_store_bytes(ctx, 0, const_cast<u8*>(bytes), length) == 0;
}

}  // namespace ovsxdp::dp

// Live: broadcast the packet to its copy group, unchanged; the copies do the rest.
extern "C" [[gnu::noinline]] int ovsxdp_fork_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  // The kernel's broadcast clones the first buffer of a frame only: a
  // multi-buffer (jumbo) frame cannot be copied to several ports.
  if (action::frame_length(ctx) > action::linear_length(ctx)) {
    dp::count(OVSXDP_C_DROP_FORK_JUMBO);
    return XDP_DROP;
  }
  void* group = bpf_map_lookup_elem(&dp_fork_groups, &st->set_slot);
  u32 sequence = 0;
  ovsxdp_copy_context* c = group ? dp::open_copy_context(*st, sequence) : nullptr;
  if (!c || !dp::put_frame_tag(ctx, OVSXDP_COPY_TAG_MAGIC, sequence, c->frame_head)) {
    dp::count(OVSXDP_C_DROP_FORK);
    return XDP_DROP;
  }
  dp::count(OVSXDP_C_FORKED);
  if (const auto* info = map_lookup<ovsxdp_fork_info>(&dp_fork_info, st->set_slot); info && info->copies_without_port)
    dp::count(OVSXDP_C_DROP_NO_PORT, info->copies_without_port);
  return static_cast<int>(bpf_redirect_map(group, 0, BPF_F_BROADCAST));
}

// Trace: run every copy here, in emission order, each from the saved frame.
extern "C" [[gnu::noinline]] int ovsxdp_fork_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  void* plans = dp::fork_plans_of(st->set_slot);
  const ovsxdp_action_set* set = dp::set_of(*st);
  const u32 zero = 0;
  ovsxdp_saved_frame* saved = map_lookup<ovsxdp_saved_frame>(&dp_saved_frame, zero);
  u32 sequence = 0;
  ovsxdp_copy_context* c = plans && set && saved ? dp::open_copy_context(*st, sequence) : nullptr;
  const u32 length = action::frame_length(ctx);
  if (!c || length > OVSXDP_SAVED_FRAME_MAX || length == 0) {
    dp::count(OVSXDP_C_DROP_FORK);
    return XDP_DROP;
  }
  if (bpf_xdp_load_bytes(ctx, 0, saved->bytes, length)) return dp::drop_internal();
  saved->length = length;
  dp::count(OVSXDP_C_FORKED);
  int verdict = XDP_DROP;
  bpf_iter_num it;
  bpf_iter_num_new(&it, 0, OVSXDP_FORK_MAX_COPIES);
  while (const int* i = bpf_iter_num_next(&it)) {
    const ovsxdp_copy_plan_key key{0, static_cast<u32>(*i)};
    const auto* plan = static_cast<const ovsxdp_copy_plan*>(bpf_map_lookup_elem(plans, &key));
    if (!plan) break;
    // Back to the frame as it was at the fork.
    if (!dp::restore_frame(ctx, saved->bytes, saved->length)) {
      verdict = dp::drop_internal();
      break;
    }
    __builtin_memcpy(st, &c->state, sizeof *st);
    if (dp::run_copy<dp::trace_sink>(ctx, st, set, plan, c) == XDP_REDIRECT) verdict = XDP_REDIRECT;
  }
  bpf_iter_num_destroy(&it);
  return verdict;
}

// The copy egress program's body: which copy this is, then its plan.
extern "C" [[gnu::noinline]] int ovsxdp_copy_packet(struct xdp_md* ctx) {
  using namespace ovsxdp;
  u32 sequence = 0;
  if (!dp::read_frame_tag(ctx, OVSXDP_COPY_TAG_MAGIC, sequence)) {
    dp::count(OVSXDP_C_COPY_LOST);
    return XDP_DROP;
  }
  ovsxdp_copy_context* c = map_lookup<ovsxdp_copy_context>(&dp_copy_contexts, sequence % OVSXDP_COPY_CONTEXTS);
  if (!c || c->sequence != sequence || !dp::remove_frame_tag(ctx, c->frame_head)) {
    dp::count(OVSXDP_C_COPY_LOST);
    return XDP_DROP;
  }
  void* plans = dp::fork_plans_of(c->state.set_slot);
  const ovsxdp_action_set* set = dp::set_of(c->state);
  const u32 ifindex = ctx->egress_ifindex;
  ovsxdp_copy_plan_key key{ifindex, 0};
  const ovsxdp_copy_plan* plan = plans ? static_cast<const ovsxdp_copy_plan*>(bpf_map_lookup_elem(plans, &key)) : nullptr;
  if (plan && plan->repeats > 1) {
    // Several copies to this interface: take the first not yet taken.
    const ovsxdp_copy_plan* chosen = nullptr;
#pragma unroll
    for (u32 k = 0; k < OVSXDP_COPY_MAX_REPEATS; k++) {
      key.index = k;
      const auto* p = static_cast<const ovsxdp_copy_plan*>(bpf_map_lookup_elem(plans, &key));
      if (!p) break;
      if (!dp::bit_test(c->copies_taken, p->copy_index)) {
        dp::bit_set(c->copies_taken, p->copy_index);
        chosen = p;
        break;
      }
    }
    plan = chosen;
  }
  ovsxdp_exec_state* st = map_lookup<ovsxdp_exec_state>(&dp_scratch, static_cast<u32>(OVSXDP_PROGRAM_COPY));
  if (!plan || !set || !st) {
    dp::count(OVSXDP_C_COPY_LOST);
    return XDP_DROP;
  }
  __builtin_memcpy(st, &c->state, sizeof *st);
  return dp::run_copy<dp::live_sink>(ctx, st, set, plan, c);
}
