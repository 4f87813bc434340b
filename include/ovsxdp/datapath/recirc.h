// Recirculation of copies: `output:2,recirc(1)`, `clone(set(...),recirc(1)),...`.
//
// Linux clones the packet and runs the recirculated pass right away. Here a
// copy runs in a devmap egress program, which can transmit but not re-enter
// the pipeline, so a recirculating copy leaves through the datapath's loop
// device (a veth pair): its egress program stores the copy's key (with the
// new recirc_id) and pass count in a recirculation context, names it in the
// frame's tag (datapath/frame_tag.h) and sends the frame into the loop; the datapath
// program on the loop's other end finds the context and runs the next pass
// as for any packet. Contexts are shared by all CPUs (the loop's receive may
// run elsewhere): a sequence number written last, checked before and after
// reading, tells a stale or overwritten one.
//
// Trace runs cannot send frames anywhere: a recirculating copy is queued
// (frame and state) and run after the packet's own pass, in order.
#pragma once

#include "ovsxdp/datapath/fork.h"

namespace ovsxdp::dp {

// ovsxdp_loop_resume's answer for an execute request sent through the loop.
inline constexpr int kLoopExecute = 0x200;

}  // namespace ovsxdp::dp

// Live: the copy leaves through the loop device, its state in a context.
extern "C" [[gnu::noinline]] int ovsxdp_copy_recirc_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 recirc_id) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  const u32 zero = 0;
  u64* counter = map_lookup<u64>(&dp_recirc_sequence, zero);
  if (!counter) return dp::drop_internal();
  const u64 sequence = __sync_fetch_and_add(counter, 1) + 1;
  const u32 slot = static_cast<u32>(sequence % OVSXDP_RECIRC_CONTEXTS);
  ovsxdp_recirc_context* c = map_lookup<ovsxdp_recirc_context>(&dp_recirc_contexts, slot);
  if (!c) return dp::drop_internal();
  c->sequence = 0;  // being written: a reader that raced with us sees it change
  asm volatile("" ::: "memory");
  __builtin_memcpy(&c->key, &st->key, sizeof c->key);
  c->key.recirc_id = recirc_id;
  c->pass = st->pass;
  c->cutlen = st->cutlen;
  const bool tagged = dp::put_frame_tag(ctx, OVSXDP_RECIRC_TAG_MAGIC, static_cast<u32>(sequence), c->frame_head);
  asm volatile("" ::: "memory");
  c->sequence = sequence;
  if (!tagged) {
    dp::count(OVSXDP_C_DROP_FORK);
    return XDP_DROP;
  }
  dp::count(OVSXDP_C_RECIRCULATED);
  return XDP_PASS;
}

// The loop's receiving end: the state of the copy that sent this frame.
// Returns 0 to run the next pass, else the verdict (counted).
extern "C" [[gnu::noinline]] int ovsxdp_loop_resume(struct xdp_md* ctx, struct ovsxdp_exec_state* st) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  u32 tag_sequence = 0;
  if (!dp::read_frame_tag(ctx, OVSXDP_RECIRC_TAG_MAGIC, tag_sequence)) {
    // No copy sent this: an execute request from the host, or a stranger.
    const auto* x = cursor(frame_of(ctx)).at<ovsxdp_loop_execute>(0);
    if (!x || x->ethertype != be16_c<OVSXDP_LOOP_EXECUTE_ETHERTYPE> || x->magic != OVSXDP_LOOP_EXECUTE_MAGIC) {
      dp::count(OVSXDP_C_LOOP_FOREIGN);  // e.g. the loop devices' own stack traffic
      return XDP_DROP;
    }
    st->nonce = x->nonce;
    st->in_port = x->in_port;
    st->key.in_port = x->in_port;
    if (bpf_xdp_adjust_head(ctx, sizeof(ovsxdp_loop_execute))) return dp::drop_internal();
    return dp::kLoopExecute;
  }
  const ovsxdp_recirc_context* c = map_lookup<ovsxdp_recirc_context>(&dp_recirc_contexts, tag_sequence % OVSXDP_RECIRC_CONTEXTS);
  if (!c) return dp::drop_internal();
  const u64 before = c->sequence;
  asm volatile("" ::: "memory");
  if (static_cast<u32>(before) != tag_sequence) {
    dp::count(OVSXDP_C_RECIRC_LOST);
    return XDP_DROP;
  }
  __builtin_memcpy(&st->key, &c->key, sizeof st->key);
  st->pass = c->pass + 1;
  st->cutlen = c->cutlen;
  u8 frame_head[sizeof(ovsxdp_frame_tag)];
  __builtin_memcpy(frame_head, c->frame_head, sizeof frame_head);
  asm volatile("" ::: "memory");
  if (c->sequence != before || !dp::remove_frame_tag(ctx, frame_head)) {
    dp::count(OVSXDP_C_RECIRC_LOST);
    return XDP_DROP;
  }
  st->in_port = st->key.in_port;
  st->recirc_id = 0;
  st->drop_reason = 0;
  st->sequence = 0;
  st->set_slot = OVSXDP_NO_SET;
  st->nonce = 0;
  return 0;
}

// Trace: queue the copy (frame and state) for after the packet's own pass.
extern "C" [[gnu::noinline]] int ovsxdp_copy_recirc_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 recirc_id) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  const u32 zero = 0;
  u32* queued = map_lookup<u32>(&dp_trace_deferred_count, zero);
  if (!queued) return dp::drop_internal();
  const u32 n = *queued;
  const u32 length = action::frame_length(ctx);
  ovsxdp_deferred_copy* d = n < OVSXDP_TRACE_DEFERRED ? map_lookup<ovsxdp_deferred_copy>(&dp_trace_deferred, n) : nullptr;
  if (!d || length == 0 || length > OVSXDP_SAVED_FRAME_MAX) {
    dp::count(OVSXDP_C_DROP_DEFERRED);
    return XDP_DROP;
  }
  if (bpf_xdp_load_bytes(ctx, 0, d->bytes, length)) return dp::drop_internal();
  d->length = length;
  __builtin_memcpy(&d->state, st, sizeof *st);
  d->state.key.recirc_id = recirc_id;
  d->state.pass = st->pass + 1;
  d->state.recirc_id = 0;
  *queued = n + 1;
  dp::count(OVSXDP_C_RECIRCULATED);
  return XDP_PASS;  // nothing emitted yet: the queued pass emits what it emits
}

// Trace: the queued copy `index` into ctx and st; 0 when there is none.
extern "C" [[gnu::noinline]] int ovsxdp_trace_resume(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 index) {
  using namespace ovsxdp;
  if (!st) return 0;
  const u32 zero = 0;
  const u32* queued = map_lookup<u32>(&dp_trace_deferred_count, zero);
  if (!queued || index >= *queued || index >= OVSXDP_TRACE_DEFERRED) return 0;
  const ovsxdp_deferred_copy* d = map_lookup<ovsxdp_deferred_copy>(&dp_trace_deferred, index);
  if (!d || !dp::restore_frame(ctx, d->bytes, d->length)) {
    dp::drop_internal();
    return 0;
  }
  __builtin_memcpy(st, &d->state, sizeof *st);
  return 1;
}
