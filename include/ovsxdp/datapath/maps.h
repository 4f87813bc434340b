// The datapath's BPF maps. Include from exactly one *.bpf.cpp (map
// definitions are objects). Sizes here are defaults: the host sets the real
// ones from the datapath's options before loading (bpf_map__set_max_entries).
#pragma once

#include "ovsxdp/abi/datapath.h"
#include "ovsxdp/conntrack/packet.h"
#include "ovsxdp/bpf/program.h"
#include "ovsxdp/datapath/state.h"

#define OVSXDP_MAP(NAME, TYPE, KEY, VALUE, ENTRIES, FLAGS) \
  struct NAME##_def {                                      \
    __uint(type, TYPE);                                    \
    __uint(max_entries, ENTRIES);                          \
    __uint(map_flags, FLAGS);                              \
    __type(key, KEY);                                      \
    __type(value, VALUE);                                  \
  };                                                       \
  NAME##_def NAME SEC(".maps")

struct ovsxdp_lookup_cache_entry {
  __u32 hash;   // packet_hash of the last packet that used this entry
  __u32 value;  // the mask its flow was found in, or the flow slot (ovsxdp_lookup_cache)
};

// Mask slots probed by lookups (tuple-space search).
OVSXDP_MAP(dp_masks, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_mask, OVSXDP_DEFAULT_MAX_MASKS, BPF_F_MMAPABLE);
// {mask, masked-key hash} -> flow slot.
OVSXDP_MAP(dp_megaflows, BPF_MAP_TYPE_HASH, struct ovsxdp_megaflow_id, __u32, OVSXDP_DEFAULT_MAX_FLOWS, 0);
// Flow slots: masked key, mask, action-set slot, UFID.
OVSXDP_MAP(dp_flows, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_flow, OVSXDP_DEFAULT_MAX_FLOWS, BPF_F_MMAPABLE);
// Per-flow statistics, per CPU: no shared cache line, no lock.
OVSXDP_MAP(dp_flow_stats, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_flow_stats, OVSXDP_DEFAULT_MAX_FLOWS, 0);
// Immutable, deduplicated action lists.
OVSXDP_MAP(dp_action_sets, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_action_set, OVSXDP_DEFAULT_MAX_ACTION_SETS, BPF_F_MMAPABLE);
// Datapath counters (enum ovsxdp_counter), per CPU.
OVSXDP_MAP(dp_counters, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64, OVSXDP_COUNTER_MAX, 0);
// The mask or flow that answered the last lookup of a packet hash, per CPU.
OVSXDP_MAP(dp_lookup_cache, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_lookup_cache_entry, OVSXDP_LOOKUP_CACHE_ENTRIES, 0);
// Output ports: port number -> interface (bpf_redirect_map target).
OVSXDP_MAP(dp_ports, BPF_MAP_TYPE_DEVMAP_HASH, __u32, struct bpf_devmap_val, OVSXDP_DEFAULT_MAX_PORTS, 0);
// Input ports: ifindex -> port number.
OVSXDP_MAP(dp_port_ifindex, BPF_MAP_TYPE_HASH, __u32, struct ovsxdp_port_ref, OVSXDP_DEFAULT_MAX_PORTS, 0);
// Port names, modes and offload records, for the host's tools (BPF reads
// only the stats slot: an output knows its port number, not the slot).
OVSXDP_MAP(dp_port_info, BPF_MAP_TYPE_HASH, __u32, struct ovsxdp_port_info, OVSXDP_DEFAULT_MAX_PORTS, 0);
// Per-port packet counts, per CPU, by the slot the host gave the port
// (2 x max_ports entries: a port numbered below max_ports has its number as
// slot, so an output finds its entry without a hash lookup; others get one
// of the upper half).
OVSXDP_MAP(dp_port_stats, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_port_stats, 2 * OVSXDP_DEFAULT_MAX_PORTS, 0);
// Packets for the execute programs, by run nonce.
OVSXDP_MAP(dp_exec_requests, BPF_MAP_TYPE_HASH, __u64, struct ovsxdp_execute_request, 64, 0);
// What the datapath is: sizes, policy, mask count, writers' generation.
OVSXDP_MAP(dp_info, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_info, 1, BPF_F_MMAPABLE);
// Working state of each program kind, per CPU (a program never nests with itself).
OVSXDP_MAP(dp_scratch, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_exec_state, OVSXDP_PROGRAM_KINDS, 0);

// Conntrack: connections by original-direction tuple (abi/conntrack.h).
OVSXDP_MAP(dp_conntrack, BPF_MAP_TYPE_LRU_HASH, struct ovsxdp_ct_tuple, struct ovsxdp_ct_entry, OVSXDP_DEFAULT_MAX_CONNS, 0);
// The tracker's working space, per CPU: tuples and entries are too big for
// the stack the pipeline's call chain shares.
struct ovsxdp_ct_wscale_scan {  // a SYN's options (conntrack.h), on the stack: bpf_loop wants it there
  __u8 options[ovsxdp::conntrack::kTcpOptionsMax];
  __u32 length;
  __u32 next;
  __u8 wscale;
};
struct ovsxdp_ct_scratch {
  struct ovsxdp_ct_tuple reversed;
  struct ovsxdp_ct_entry entry;
  ovsxdp::conntrack::ct_packet packet;
};
OVSXDP_MAP(dp_ct_scratch, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_ct_scratch, 1, 0);

// Meters (OVS meter table), by meter id; a spin lock in each.
OVSXDP_MAP(dp_meters, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_meter, OVSXDP_DEFAULT_MAX_METERS, 0);

// Copy groups, by action-set slot: the interfaces a fork broadcasts to, each
// entry with the copy egress program. Inner maps are made by the host.
struct dp_fork_group_def {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, OVSXDP_FORK_MAX_COPIES);
  __type(key, __u32);
  __type(value, struct bpf_devmap_val);
};
struct dp_fork_groups_def {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, OVSXDP_DEFAULT_MAX_ACTION_SETS);
  __type(key, __u32);
  __array(values, dp_fork_group_def);
};
dp_fork_groups_def dp_fork_groups SEC(".maps");

// How many copies each fork makes, and how many of them have no port.
OVSXDP_MAP(dp_fork_info, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_fork_info, OVSXDP_DEFAULT_MAX_ACTION_SETS, 0);

// Copy plans, by action-set slot: what each copy of a fork runs.
struct dp_fork_plan_def {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(map_flags, BPF_F_NO_PREALLOC);  // most groups use a few of the entries
  __uint(max_entries, 2 * OVSXDP_FORK_MAX_COPIES);
  __type(key, struct ovsxdp_copy_plan_key);
  __type(value, struct ovsxdp_copy_plan);
};
struct dp_fork_plans_def {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, OVSXDP_DEFAULT_MAX_ACTION_SETS);
  __type(key, __u32);
  __array(values, dp_fork_plan_def);
};
dp_fork_plans_def dp_fork_plans SEC(".maps");

// Forks in flight on this CPU, by sequence number modulo OVSXDP_COPY_CONTEXTS.
OVSXDP_MAP(dp_copy_contexts, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_copy_context, OVSXDP_COPY_CONTEXTS, 0);
// This CPU's last fork sequence number.
OVSXDP_MAP(dp_fork_sequence, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u32, 1, 0);

// The frame at a fork, for trace runs: each copy starts from it again.
struct ovsxdp_saved_frame {
  __u32 length;
  __u8 bytes[OVSXDP_SAVED_FRAME_MAX];
};
OVSXDP_MAP(dp_saved_frame, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_saved_frame, 1, 0);

// Recirculating copies between a copy's egress program and the loop device's
// receiving end (which may run on another CPU), and the sequence numbering them.
OVSXDP_MAP(dp_recirc_contexts, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_recirc_context, OVSXDP_RECIRC_CONTEXTS, 0);
OVSXDP_MAP(dp_recirc_sequence, BPF_MAP_TYPE_ARRAY, __u32, __u64, 1, 0);

// Trace runs replay recirculating copies after the packet's own pass (a BPF
// program cannot re-enter the pipeline from inside it): frame and state of each.
struct ovsxdp_deferred_copy {
  __u32 length;
  __u32 pad;
  struct ovsxdp_exec_state state;
  __u8 bytes[OVSXDP_SAVED_FRAME_MAX];
};
OVSXDP_MAP(dp_trace_deferred, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct ovsxdp_deferred_copy, OVSXDP_TRACE_DEFERRED, 0);
// How many of them this CPU's trace run has queued.
OVSXDP_MAP(dp_trace_deferred_count, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u32, 1, 0);

// Upcall channels (one per handler thread of the slow path): ring buffers,
// made by the host (all of the template's size), used while below
// info->upcall_channels.
struct dp_upcall_ring_def {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, OVSXDP_DEFAULT_UPCALL_RING);
};
struct dp_upcall_channels_def {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, OVSXDP_UPCALL_CHANNELS_MAX);
  __type(key, __u32);
  __array(values, dp_upcall_ring_def);
};
dp_upcall_channels_def dp_upcall_channels SEC(".maps");

struct dp_trace_events_def {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1u << 20);
};
dp_trace_events_def dp_trace_events SEC(".maps");

OVSXDP_BTF_TYPE(ovsxdp_mask);
OVSXDP_BTF_TYPE(ovsxdp_flow);
OVSXDP_BTF_TYPE(ovsxdp_flow_stats);
OVSXDP_BTF_TYPE(ovsxdp_action_set);
OVSXDP_BTF_TYPE(ovsxdp_lookup_cache_entry);
OVSXDP_BTF_TYPE(ovsxdp_port_ref);
OVSXDP_BTF_TYPE(ovsxdp_port_info);
OVSXDP_BTF_TYPE(ovsxdp_port_stats);
OVSXDP_BTF_TYPE(ovsxdp_execute_request);
OVSXDP_BTF_TYPE(ovsxdp_info);
OVSXDP_BTF_TYPE(ovsxdp_exec_state);
OVSXDP_BTF_TYPE(ovsxdp_megaflow_id);
OVSXDP_BTF_TYPE(ovsxdp_ufid);
OVSXDP_BTF_TYPE(bpf_devmap_val);
OVSXDP_BTF_TYPE(ovsxdp_meter);
OVSXDP_BTF_TYPE(ovsxdp_copy_context);
OVSXDP_BTF_TYPE(ovsxdp_copy_plan);
OVSXDP_BTF_TYPE(ovsxdp_copy_plan_key);
OVSXDP_BTF_TYPE(ovsxdp_fork_info);
OVSXDP_BTF_TYPE(ovsxdp_recirc_context);
OVSXDP_BTF_TYPE(ovsxdp_ct_tuple);
OVSXDP_BTF_TYPE(ovsxdp_ct_entry);
OVSXDP_BTF_TYPE(ovsxdp_ct_scratch);
OVSXDP_BTF_TYPE(ovsxdp_deferred_copy);
OVSXDP_BTF_TYPE(ovsxdp_saved_frame);
OVSXDP_BTF_TYPE(dp_fork_group_def);
OVSXDP_BTF_TYPE(dp_fork_plan_def);
OVSXDP_BTF_TYPE(dp_upcall_ring_def);

// Load-time policy (set by the host before load; rodata, so the verifier
// prunes what a setting turns off).
extern "C" const volatile __u32 ovsxdp_miss_policy = OVSXDP_MISS_DROP;
extern "C" const volatile __u32 ovsxdp_lookup_cache = OVSXDP_CACHE_FLOW;
extern "C" const volatile __u32 ovsxdp_max_ports = OVSXDP_DEFAULT_MAX_PORTS;

namespace ovsxdp::dp {

OVSXDP_INLINE void count(u32 counter, u64 n = 1) {
  if (u64* c = map_lookup<u64>(&dp_counters, counter)) *c += n;
}

OVSXDP_INLINE ovsxdp_port_stats* port_stats(u32 slot) { return map_lookup<ovsxdp_port_stats>(&dp_port_stats, slot); }

// A frame the datapath sends to port `port_no` (its number, as outputs name it).
OVSXDP_INLINE void count_tx(u32 port_no, u32 bytes) {
  u32 slot = port_no;
  if (port_no >= ovsxdp_max_ports) {
    const ovsxdp_port_info* info = map_lookup<ovsxdp_port_info>(&dp_port_info, port_no);
    if (!info) return;
    slot = info->slot;
  }
  if (ovsxdp_port_stats* s = port_stats(slot)) {
    s->tx_packets++;
    s->tx_bytes += bytes;
  }
}

// Something the datapath relies on is missing (a map entry, a record in
// bounds): drop, never pass, and count it.
OVSXDP_INLINE int drop_internal() {
  count(OVSXDP_C_DROP_INTERNAL);
  return XDP_DROP;
}

}  // namespace ovsxdp::dp
