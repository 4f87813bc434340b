// The datapath pipeline: extract the flow key, look it up, run the flow's
// actions, and on recirc do it again with the new recirc_id, at most
// OVSXDP_RECURSION_LIMIT passes (Linux ovs_dp_process_packet).
#pragma once

#include "ovsxdp/datapath/executor.h"
#include "ovsxdp/datapath/megaflow.h"

namespace ovsxdp::dp {

template <class Sink>
OVSXDP_INLINE int execute(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set);
template <>
OVSXDP_INLINE int execute<live_sink>(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set) {
  return ovsxdp_run_actions_live(ctx, st, set);
}
template <>
OVSXDP_INLINE int execute<trace_sink>(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* set) {
  return ovsxdp_run_actions_trace(ctx, st, set);
}

OVSXDP_INLINE void record_hit(u32 slot, const ovsxdp_exec_state& st, u32 bytes) {
  if (ovsxdp_flow_stats* s = map_lookup<ovsxdp_flow_stats>(&dp_flow_stats, slot)) {
    s->packets++;
    s->bytes += bytes;
    s->used_ns = bpf_ktime_get_coarse_ns();  // a clocksource read per packet costs ~10 ns on a VM
    s->tcp_flags |= ntoh16(st.key.tcp_flags);
  }
}

// The scratch state of program `kind`, reset for a new packet arriving on `in_port`.
OVSXDP_INLINE ovsxdp_exec_state* begin_packet(u32 kind, u32 in_port, u64 nonce) {
  ovsxdp_exec_state* st = map_lookup<ovsxdp_exec_state>(&dp_scratch, kind);
  if (!st) return nullptr;
  zero(st->key);
  st->key.in_port = in_port;
  st->in_port = in_port;
  st->cutlen = 0;
  st->recirc_id = 0;
  st->drop_reason = 0;
  st->sequence = 0;
  st->set_slot = OVSXDP_NO_SET;
  st->pass = 0;
  st->nonce = nonce;
  return st;
}

// Runs the pipeline on the packet in `ctx`, from pass st->pass (a copy that
// recirculated resumes where it left). `first` (execute programs) is the
// action list of the first pass instead of a lookup.
template <class Sink>
OVSXDP_INLINE int run(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* first) {
  const u32 start = st->pass;
#pragma nounroll
  for (u32 pass = 0; pass < OVSXDP_RECURSION_LIMIT; pass++) {
    if (pass < start) continue;
    st->pass = pass;
    if (flow::extract(ctx, st->key, st->layout) != flow::extract_status::ok) {
      count(OVSXDP_C_DROP_MALFORMED);
      return XDP_DROP;
    }
    const ovsxdp_action_set* set = nullptr;
    if (pass == start && first) {
      set = first;
    } else {
      const u32 slot = ovsxdp_megaflow_lookup(&st->key);
      if (slot == OVSXDP_NO_FLOW) {
        count(OVSXDP_C_MISSED);
        return Sink::miss(ctx, st);
      }
      count(OVSXDP_C_HIT);
      const ovsxdp_flow* flow = map_lookup<ovsxdp_flow>(&dp_flows, slot);
      if (!flow) return drop_internal();
      st->set_slot = flow->actions;
      set = map_lookup<ovsxdp_action_set>(&dp_action_sets, flow->actions);
      if (!set) {
        count(OVSXDP_C_DROP_ACTION);
        return XDP_DROP;
      }
      record_hit(slot, *st, action::frame_length(ctx));
    }
    const int verdict = execute<Sink>(ctx, st, set);
    if (verdict != kRecirculate) return verdict;
    st->key.recirc_id = st->recirc_id;
  }
  count(OVSXDP_C_DROP_RECURSION);
  return XDP_DROP;
}

}  // namespace ovsxdp::dp

// A trace run's passes, for the packet and then for each recirculating copy
// it queued: a global function, so the verifier checks the pipeline once, and
// the trace program's own frame stays small (copies run four calls deep).
extern "C" [[gnu::noinline]] int ovsxdp_trace_passes(struct xdp_md* ctx, struct ovsxdp_exec_state* st,
                                                     const struct ovsxdp_action_set* first) {
  if (!st) return ovsxdp::dp::drop_internal();
  return ovsxdp::dp::run<ovsxdp::dp::trace_sink>(ctx, st, first);
}

namespace ovsxdp::dp {

// Trace runs: the packet's passes, then each recirculating copy they queued
// (ovsxdp_copy_recirc_trace), in order, as live copies would run afterwards.
OVSXDP_INLINE int run_trace(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* first) {
  const u32 zero = 0;
  u32* queued = map_lookup<u32>(&dp_trace_deferred_count, zero);
  if (!queued) return drop_internal();
  *queued = 0;
  int verdict = ovsxdp_trace_passes(ctx, st, first);
  if (verdict == kTraceFork) verdict = ovsxdp_fork_trace(ctx, st);
  bool output = false;
  bpf_iter_num it;
  bpf_iter_num_new(&it, 0, OVSXDP_TRACE_DEFERRED);
  while (const int* job = bpf_iter_num_next(&it)) {
    if (!ovsxdp_trace_resume(ctx, st, static_cast<u32>(*job))) break;
    int resumed = ovsxdp_trace_passes(ctx, st, nullptr);
    if (resumed == kTraceFork) resumed = ovsxdp_fork_trace(ctx, st);
    output = resumed == XDP_REDIRECT || output;
  }
  bpf_iter_num_destroy(&it);
  return output ? XDP_REDIRECT : verdict;
}

// The execute request st->nonce, its key metadata put into st: the action
// list to run first (nullptr, counted, when there is none).
OVSXDP_INLINE const ovsxdp_action_set* begin_request(ovsxdp_exec_state* st, ovsxdp_execute_request*& request) {
  request = map_lookup<ovsxdp_execute_request>(&dp_exec_requests, st->nonce);
  if (!request) {
    count(OVSXDP_C_EXECUTE_NO_REQUEST);
    return nullptr;
  }
  const u32 in_port = st->in_port;
  copy(st->key, request->metadata);
  st->key.in_port = in_port;
  count(OVSXDP_C_EXECUTED);
  // Lists that fork run from an action set: the copies find their plans by its slot.
  if (request->set_slot == OVSXDP_NO_SET) return &request->actions;
  st->set_slot = request->set_slot;
  const ovsxdp_action_set* set = map_lookup<ovsxdp_action_set>(&dp_action_sets, request->set_slot);
  if (!set) drop_internal();
  return set;
}

// Live-frame test runs and frames sent through the loop report no verdict of
// their own: the program leaves it in the request.
OVSXDP_INLINE void end_request(ovsxdp_execute_request* request, int verdict) {
  request->verdict = static_cast<u32>(verdict);
  __sync_fetch_and_add(&request->executions, 1);
}

// A packet arriving on a port: the whole datapath for one frame. On the
// loop device it is a recirculating copy, which resumes its own state.
template <class Sink>
OVSXDP_INLINE int port_packet(xdp_md* ctx) {
  const u32 ifindex = ctx->ingress_ifindex;
  const ovsxdp_port_ref* port = map_lookup<ovsxdp_port_ref>(&dp_port_ifindex, ifindex);
  if (!port) {
    count(OVSXDP_C_UNKNOWN_INGRESS);
    return XDP_PASS;
  }
  if (ovsxdp_port_stats* s = port_stats(port->slot)) {
    s->rx_packets++;
    s->rx_bytes += action::frame_length(ctx);
  }
  ovsxdp_exec_state* st = begin_packet(OVSXDP_PROGRAM_DATAPATH, port->port_no, 0);
  if (!st) return drop_internal();
  const ovsxdp_action_set* first = nullptr;
  ovsxdp_execute_request* request = nullptr;
  if (port->slot == OVSXDP_SLOT_LOOP) {
    const int resumed = ovsxdp_loop_resume(ctx, st);
    if (resumed == kLoopExecute) {  // the host executes a packet too large for a test run
      first = begin_request(st, request);
      if (!first) return XDP_DROP;
    } else if (resumed) {
      return resumed;
    }
  }
  const int verdict = run<Sink>(ctx, st, first);
  if (request) end_request(request, verdict);
  return verdict;
}


// Reads the ovsxdp_xdp_meta the host put in front of a trace or execute
// frame. Returns false when it is absent or not ours. It stays where it is:
// some kernels refuse bpf_xdp_adjust_meta to XDP programs (6.18.44), and
// what a frame's metadata holds reaches only XDP programs and, on an skb,
// BPF programs that look for it (copies and recirculations carry a frame
// tag of their own, datapath/frame_tag.h).
OVSXDP_INLINE bool take_metadata(const xdp_md* ctx, ovsxdp_xdp_meta& meta) {
  const u8* data_meta = reinterpret_cast<const u8*>(static_cast<long>(ctx->data_meta));
  const u8* data = reinterpret_cast<const u8*>(static_cast<long>(ctx->data));
  const u8* limit = data_meta + sizeof(ovsxdp_xdp_meta);
  opaque(limit);
  if (limit > data) return false;
  __builtin_memcpy(&meta, data_meta, sizeof(meta));
  return meta.magic == OVSXDP_META_MAGIC;
}

}  // namespace ovsxdp::dp
