// Where the pipeline's results go. The live sink transmits (bpf_redirect_map)
// and hands upcalls to userspace through a ring buffer; the trace sink
// records every would-be transmission and upcall, with the frame's bytes, in
// a ring buffer the host reads after a BPF_PROG_TEST_RUN. Nothing else in
// the pipeline differs between the datapath and its trace variant.
#pragma once

#include "ovsxdp/actions/meter.h"
#include "ovsxdp/actions/trunc.h"
#include "ovsxdp/bpf/kfuncs.h"
#include "ovsxdp/datapath/maps.h"
#include "ovsxdp/flow/hash.h"

namespace ovsxdp::dp {

inline constexpr int kRecirculate = 0x100;  // executor result: look up again
// Trace runs: the pass forked. The trace program runs the copies itself
// (ovsxdp_fork_trace), outside the pass's call chain: copies run actions,
// conntrack among them, and the 512-byte stack is shared by the whole chain.
inline constexpr int kTraceFork = 0x300;

OVSXDP_INLINE u32 min_u32(u32 a, u32 b) { return a < b ? a : b; }

// Bytes of userspace() userdata, copied to the stack (bounded for the verifier).
OVSXDP_INLINE u32 copy_userdata(const ovsxdp_action_set& set, u32 off, u8 (&out)[OVSXDP_USERDATA_MAX]) {
  const auto* a = action::record_at<ovsxdp_action_userspace>(set, off);
  if (!a) return 0;
  const u32 length = min_u32(a->userdata_len, OVSXDP_USERDATA_MAX);
  const u32 start = off + sizeof(ovsxdp_action_userspace);
  __builtin_memset(out, 0, sizeof(out));
#pragma unroll
  for (u32 i = 0; i < OVSXDP_USERDATA_MAX; i++) {
    u32 at = start + i;
    opaque(at);  // bound the index actually used, not a value clang derived earlier
    if (i >= length || at >= OVSXDP_ACTIONS_MAX_BYTES) break;
    out[i] = set.bytes[at];
  }
  return length;
}

// The ring an upcall goes to: a userspace() action's pid names channel
// pid - 1 when there is one; everything else spreads by the flow key's hash
// (so one flow's packets stay in order on one channel). Null: no channels.
OVSXDP_INLINE void* upcall_channel(const ovsxdp_exec_state& st, u32 reason, u32 pid) {
  const ovsxdp_info* info = map_lookup<ovsxdp_info>(&dp_info, 0u);
  const u32 n = info ? min_u32(info->upcall_channels, OVSXDP_UPCALL_CHANNELS_MAX) : 0;
  if (!n) return nullptr;
  u32 channel = 0;
  if (reason == OVSXDP_UPCALL_ACTION && pid >= 1 && pid <= n) channel = pid - 1;
  else channel = flow::packet_hash(st.key) % n;
  return bpf_map_lookup_elem(&dp_upcall_channels, &channel);
}

// An upcall record with up to OVSXDP_UPCALL_PACKET_MAX bytes of the frame
// (`packet_len` bytes of it count: a pending trunc shortens the copy only).
OVSXDP_INLINE void emit_upcall(xdp_md* ctx, ovsxdp_exec_state& st, u32 reason, u32 pid, const u8* userdata, u32 userdata_len) {
  u32 length = action::frame_length(ctx);
  if (st.cutlen && st.cutlen < length) length -= st.cutlen;
  const u32 captured = min_u32(length, OVSXDP_UPCALL_PACKET_MAX);
  void* ring = upcall_channel(st, reason, pid);
  if (!ring) {
    count(OVSXDP_C_LOST);
    return;
  }
  bpf_dynptr record, frame;
  if (bpf_ringbuf_reserve_dynptr(ring, sizeof(ovsxdp_upcall) + captured, 0, &record)) {
    bpf_ringbuf_discard_dynptr(&record, 0);
    count(OVSXDP_C_LOST);
    return;
  }
  struct {
    u32 reason, in_port, packet_len, captured_len, pid, userdata_len;
    u64 nonce;
  } head{reason, st.in_port, length, captured, pid, userdata_len, st.nonce};
  static_assert(sizeof(head) == __builtin_offsetof(ovsxdp_upcall, key));
  long err = bpf_dynptr_write(&record, 0, &head, sizeof(head), 0);
  err |= bpf_dynptr_write(&record, __builtin_offsetof(ovsxdp_upcall, key), &st.key, sizeof(st.key), 0);
  if (userdata) err |= bpf_dynptr_write(&record, __builtin_offsetof(ovsxdp_upcall, userdata), const_cast<u8*>(userdata), OVSXDP_USERDATA_MAX, 0);
  if (!err && captured) {
    err = bpf_dynptr_from_xdp(ctx, 0, &frame);
    if (!err) err = bpf_dynptr_copy(&record, sizeof(ovsxdp_upcall), &frame, 0, captured);
  }
  if (err) {
    bpf_ringbuf_discard_dynptr(&record, 0);
    count(OVSXDP_C_LOST);
    return;
  }
  bpf_ringbuf_submit_dynptr(&record, 0);
}

// A trace event with the whole frame (trace runs are short frames in tests and tools).
OVSXDP_INLINE void emit_trace(xdp_md* ctx, ovsxdp_exec_state& st, u32 kind, u32 port) {
  u32 length = action::frame_length(ctx);
  if (kind == OVSXDP_TRACE_UPCALL && st.cutlen && st.cutlen < length) length -= st.cutlen;
  const u32 captured = min_u32(length, OVSXDP_UPCALL_PACKET_MAX);
  bpf_dynptr record, frame;
  if (bpf_ringbuf_reserve_dynptr(&dp_trace_events, sizeof(ovsxdp_trace_event) + captured, 0, &record)) {
    bpf_ringbuf_discard_dynptr(&record, 0);
    count(OVSXDP_C_LOST);
    return;
  }
  ovsxdp_trace_event event{st.nonce, kind, port, captured, st.sequence++};
  long err = bpf_dynptr_write(&record, 0, &event, sizeof(event), 0);
  if (!err && captured) {
    err = bpf_dynptr_from_xdp(ctx, 0, &frame);
    if (!err) err = bpf_dynptr_copy(&record, sizeof(event), &frame, 0, captured);
  }
  if (err) {
    bpf_ringbuf_discard_dynptr(&record, 0);
    count(OVSXDP_C_LOST);
    return;
  }
  bpf_ringbuf_submit_dynptr(&record, 0);
}

// What the live and the trace sink share before a frame leaves.
OVSXDP_INLINE int prepare_output(xdp_md* ctx, ovsxdp_exec_state& st) {
  if (st.key.mac_proto != OVSXDP_MAC_ETHERNET) {
    count(OVSXDP_C_DROP_L3_ON_ETHERNET);
    return XDP_DROP;
  }
  if (action::apply_trunc(ctx, st) < 0) {
    count(OVSXDP_C_DROP_ACTION);
    return XDP_DROP;
  }
  return XDP_PASS;
}

OVSXDP_INLINE int miss_verdict() {
  if (ovsxdp_miss_policy == OVSXDP_MISS_PASS) {
    count(OVSXDP_C_MISS_PASSED);
    return XDP_PASS;
  }
  count(OVSXDP_C_MISS_DROPPED);
  return XDP_DROP;
}

// Meters: a meter id that is not configured lets everything through (OVS).
OVSXDP_INLINE bool meter_pass(u32 meter_id, u32 bytes, bool charge) {
  ovsxdp_meter* m = map_lookup<ovsxdp_meter>(&dp_meters, meter_id);
  if (!m || !m->flags) return true;
  return action::meter_admit(*m, bpf_ktime_get_ns(), bytes, charge);
}

}  // namespace ovsxdp::dp

// Forks (datapath/fork.h): the rest of the list runs once per copy.
extern "C" int ovsxdp_fork_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st);
extern "C" int ovsxdp_fork_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st);
// ct() (datapath/executor.h).
extern "C" int ovsxdp_do_ct_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st, const struct ovsxdp_action_set* set, __u32 off);
extern "C" int ovsxdp_do_ct_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st, const struct ovsxdp_action_set* set, __u32 off);
// A copy that recirculates (datapath/recirc.h).
extern "C" int ovsxdp_copy_recirc_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 recirc_id);
extern "C" int ovsxdp_copy_recirc_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 recirc_id);

// ---- live sink: transmit, upcall to the ring buffer ----

extern "C" [[gnu::noinline]] int ovsxdp_meter_live(__u32 meter_id, __u32 bytes) { return ovsxdp::dp::meter_pass(meter_id, bytes, true); }

// A copy's own output, in its egress program: the frame leaves on this device.
extern "C" [[gnu::noinline]] int ovsxdp_copy_output_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 port) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  if (dp::prepare_output(ctx, *st) != XDP_PASS) return XDP_DROP;
  dp::count(OVSXDP_C_OUTPUT);
  dp::count_tx(port, action::frame_length(ctx));
  return XDP_PASS;
}

extern "C" [[gnu::noinline]] int ovsxdp_output_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 port) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  if (dp::prepare_output(ctx, *st) != XDP_PASS) return XDP_DROP;
  if (bpf_redirect_map(&dp_ports, port, 0) != XDP_REDIRECT) {
    dp::count(OVSXDP_C_DROP_NO_PORT);
    return XDP_DROP;
  }
  dp::count(OVSXDP_C_OUTPUT);
  dp::count_tx(port, action::frame_length(ctx));
  return XDP_REDIRECT;
}

extern "C" [[gnu::noinline]] int ovsxdp_userspace_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st,
                                                       const struct ovsxdp_action_set* set, __u32 off) {
  using namespace ovsxdp;
  if (!st || !set) return -1;
  const auto* a = action::record_at<ovsxdp_action_userspace>(*set, off);
  if (!a) return action::fail(*st, OVSXDP_C_DROP_ACTION);
  u8 userdata[OVSXDP_USERDATA_MAX];
  const u32 length = dp::copy_userdata(*set, off, userdata);
  dp::emit_upcall(ctx, *st, OVSXDP_UPCALL_ACTION, a->pid, userdata, length);
  if (!(a->flags & OVSXDP_USERSPACE_KEEP_CUTLEN)) st->cutlen = 0;
  dp::count(OVSXDP_C_UPCALL_ACTION);
  return 0;
}

extern "C" [[gnu::noinline]] int ovsxdp_miss_live(struct xdp_md* ctx, struct ovsxdp_exec_state* st) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  dp::emit_upcall(ctx, *st, OVSXDP_UPCALL_MISS, 0, nullptr, 0);
  return dp::miss_verdict();
}

// ---- trace sink: record what would be sent ----

// Trace runs ask the meter without spending its tokens.
extern "C" [[gnu::noinline]] int ovsxdp_meter_trace(__u32 meter_id, __u32 bytes) { return ovsxdp::dp::meter_pass(meter_id, bytes, false); }

extern "C" [[gnu::noinline]] int ovsxdp_output_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 port) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  if (dp::prepare_output(ctx, *st) != XDP_PASS) return XDP_DROP;
  if (!bpf_map_lookup_elem(&dp_ports, &port)) {
    dp::count(OVSXDP_C_DROP_NO_PORT);
    return XDP_DROP;
  }
  dp::emit_trace(ctx, *st, OVSXDP_TRACE_OUTPUT, port);
  dp::count(OVSXDP_C_OUTPUT);
  return XDP_REDIRECT;
}

extern "C" [[gnu::noinline]] int ovsxdp_userspace_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st,
                                                        const struct ovsxdp_action_set* set, __u32 off) {
  using namespace ovsxdp;
  if (!st || !set) return -1;
  const auto* a = action::record_at<ovsxdp_action_userspace>(*set, off);
  if (!a) return action::fail(*st, OVSXDP_C_DROP_ACTION);
  dp::emit_trace(ctx, *st, OVSXDP_TRACE_UPCALL, OVSXDP_UPCALL_ACTION);
  if (!(a->flags & OVSXDP_USERSPACE_KEEP_CUTLEN)) st->cutlen = 0;
  dp::count(OVSXDP_C_UPCALL_ACTION);
  return 0;
}

extern "C" [[gnu::noinline]] int ovsxdp_miss_trace(struct xdp_md* ctx, struct ovsxdp_exec_state* st) {
  using namespace ovsxdp;
  if (!st) return dp::drop_internal();
  dp::emit_trace(ctx, *st, OVSXDP_TRACE_UPCALL, OVSXDP_UPCALL_MISS);
  return dp::miss_verdict();
}

namespace ovsxdp::dp {

struct live_sink {
  OVSXDP_INLINE static int output(xdp_md* ctx, ovsxdp_exec_state* st, u32 port) { return ovsxdp_output_live(ctx, st, port); }
  OVSXDP_INLINE static int userspace(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, u32 off) {
    return ovsxdp_userspace_live(ctx, st, set, off);
  }
  OVSXDP_INLINE static int miss(xdp_md* ctx, ovsxdp_exec_state* st) { return ovsxdp_miss_live(ctx, st); }
  OVSXDP_INLINE static bool meter(u32 meter_id, u32 bytes) { return ovsxdp_meter_live(meter_id, bytes) != 0; }
  OVSXDP_INLINE static int fork(xdp_md* ctx, ovsxdp_exec_state* st) { return ovsxdp_fork_live(ctx, st); }
  OVSXDP_INLINE static int conntrack(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, u32 off) {
    return ovsxdp_do_ct_live(ctx, st, set, off);
  }
  OVSXDP_INLINE static int copy_output(xdp_md* ctx, ovsxdp_exec_state* st, u32 port) { return ovsxdp_copy_output_live(ctx, st, port); }
  OVSXDP_INLINE static int copy_recirc(xdp_md* ctx, ovsxdp_exec_state* st, u32 id) { return ovsxdp_copy_recirc_live(ctx, st, id); }
};

struct trace_sink {
  OVSXDP_INLINE static int output(xdp_md* ctx, ovsxdp_exec_state* st, u32 port) { return ovsxdp_output_trace(ctx, st, port); }
  OVSXDP_INLINE static int userspace(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, u32 off) {
    return ovsxdp_userspace_trace(ctx, st, set, off);
  }
  OVSXDP_INLINE static int miss(xdp_md* ctx, ovsxdp_exec_state* st) { return ovsxdp_miss_trace(ctx, st); }
  OVSXDP_INLINE static bool meter(u32 meter_id, u32 bytes) { return ovsxdp_meter_trace(meter_id, bytes) != 0; }
  OVSXDP_INLINE static int fork(xdp_md*, ovsxdp_exec_state*) { return kTraceFork; }
  OVSXDP_INLINE static int conntrack(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set, u32 off) {
    return ovsxdp_do_ct_trace(ctx, st, set, off);
  }
  OVSXDP_INLINE static int copy_output(xdp_md* ctx, ovsxdp_exec_state* st, u32 port) { return ovsxdp_output_trace(ctx, st, port); }
  OVSXDP_INLINE static int copy_recirc(xdp_md* ctx, ovsxdp_exec_state* st, u32 id) { return ovsxdp_copy_recirc_trace(ctx, st, id); }
};

}  // namespace ovsxdp::dp
