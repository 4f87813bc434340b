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
  st->nonce = nonce;
  return st;
}

// Runs the pipeline on the packet in `ctx`. `first` (execute programs) is
// the action list of the first pass instead of a lookup.
template <class Sink>
OVSXDP_INLINE int run(xdp_md* ctx, ovsxdp_exec_state* st, const ovsxdp_action_set* first) {
#pragma nounroll
  for (u32 pass = 0; pass < OVSXDP_RECURSION_LIMIT; pass++) {
    if (flow::extract(ctx, st->key, st->layout) != flow::extract_status::ok) {
      count(OVSXDP_C_DROP_MALFORMED);
      return XDP_DROP;
    }
    const ovsxdp_action_set* set = nullptr;
    if (pass == 0 && first) {
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

// A packet arriving on a port: the whole datapath for one frame.
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
  return run<Sink>(ctx, st, nullptr);
}

// Reads and strips the ovsxdp_xdp_meta the host put in front of a trace or
// execute frame. Returns false when it is absent or not ours.
OVSXDP_INLINE bool take_metadata(xdp_md* ctx, ovsxdp_xdp_meta& meta) {
  const u8* data_meta = reinterpret_cast<const u8*>(static_cast<long>(ctx->data_meta));
  const u8* data = reinterpret_cast<const u8*>(static_cast<long>(ctx->data));
  const u8* limit = data_meta + sizeof(ovsxdp_xdp_meta);
  opaque(limit);
  if (limit > data) return false;
  __builtin_memcpy(&meta, data_meta, sizeof(meta));
  if (meta.magic != OVSXDP_META_MAGIC) return false;
  return bpf_xdp_adjust_meta(ctx, sizeof(ovsxdp_xdp_meta)) == 0;
}

}  // namespace ovsxdp::dp
