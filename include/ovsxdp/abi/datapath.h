// The datapath's map layouts, counters and ring-buffer records, shared by the
// BPF programs (bpf-src/datapath.bpf.cpp) and the host runtime
// (host/datapath/). Changing anything here changes the pinned-map ABI:
// bump OVSXDP_ABI_VERSION.
#pragma once

#include <linux/bpf.h> /* struct bpf_spin_lock */
#include <linux/types.h>

#include "ovsxdp/abi/actions.h"
#include "ovsxdp/abi/conntrack.h"
#include "ovsxdp/abi/flow_key.h"

#define OVSXDP_ABI_VERSION 5  /* 5: conntrack table and counters; 4: upcall channels, port generation, internal ports */
#define OVSXDP_INFO_MAGIC 0x6f767378u      /* "ovsx" */

/* Passes through the pipeline per packet: the first lookup plus recirculations
 * (OVS_RECURSION_LIMIT in Linux). A packet that would start a sixth pass is
 * dropped and counted. */
#define OVSXDP_RECURSION_LIMIT 5
/* Upper bound of the mask loop; the configured mask count must not exceed it. */
#define OVSXDP_MASKS_LIMIT 512
#define OVSXDP_LOOKUP_CACHE_ENTRIES 256     /* per CPU, as Linux's mask cache */
/* Packet bytes copied into an upcall or a trace event: the whole frame, jumbo
 * frames included, so the slow path can send on what it received. */
#define OVSXDP_UPCALL_PACKET_MAX 65535
/* Bytes of a frame the trace program saves at a fork to replay every copy. */
#define OVSXDP_SAVED_FRAME_MAX 4096
#define OVSXDP_NO_FLOW 0xffffffffu          /* lookup result: miss */
#define OVSXDP_NO_PORT 0xffffffffu

/* Default sizes; every one is configurable when a datapath is created. */
#define OVSXDP_DEFAULT_MAX_FLOWS 200000     /* OVS's default flow limit */
#define OVSXDP_DEFAULT_MAX_MASKS 64
#define OVSXDP_DEFAULT_MAX_ACTION_SETS 16384  /* 2 KiB each */
#define OVSXDP_DEFAULT_MAX_PORTS 1024
#define OVSXDP_DEFAULT_UPCALL_RING (4u << 20)  /* bytes per upcall channel */
/* Upcall channels (ring buffers in an array of maps): at most this many. */
#define OVSXDP_UPCALL_CHANNELS_MAX 64
#define OVSXDP_DEFAULT_MAX_METERS 1024
#define OVSXDP_NO_SET 0xffffffffu

/* Copies (datapath/fork.h). A fork broadcasts the frame to the action set's
 * copy group; each copy runs a short list of steps in its egress program. */
#define OVSXDP_FORK_MAX_COPIES 256      /* copies one fork can make (devmap entries) */
#define OVSXDP_COPY_MAX_STEPS 30        /* actions one copy runs, its emission included */
#define OVSXDP_COPY_MAX_REPEATS 8       /* copies of one fork to the same interface */
#define OVSXDP_COPY_CONTEXTS 256        /* per CPU: forks in flight between a program and the flush */
#define OVSXDP_COPY_TAG_MAGIC 0x4f56434fu   /* "OVCO": the frame tag of a copy */

/* Recirculation of copies. A copy that recirculates (output:2,recirc(1);
 * clone(...,recirc(1))) cannot re-enter the pipeline from its devmap egress
 * program, so it leaves through the datapath's loop device: a veth pair
 * whose receiving end runs the datapath program, which finds the copy's
 * state in a recirculation context named by the frame's tag. */
#define OVSXDP_RECIRC_CONTEXTS 1024          /* in flight between a copy and the loop's receive, all CPUs */
#define OVSXDP_RECIRC_TAG_MAGIC 0x4f565243u  /* "OVRC": the frame tag of a recirculating copy */
#define OVSXDP_TRACE_DEFERRED 8              /* recirculating copies one trace run replays */
#define OVSXDP_SLOT_LOOP 0xffffffffu        /* port_ifindex slot of the loop device's receiving end (no stats) */

/* Programs built from the pipeline; each has its own scratch slot. */
enum ovsxdp_program_kind : __u32 {
  OVSXDP_PROGRAM_DATAPATH = 0,     /* attached to ports: lookup, execute, transmit */
  OVSXDP_PROGRAM_TRACE = 1,        /* BPF_PROG_TEST_RUN: lookup, execute, record outputs */
  OVSXDP_PROGRAM_EXECUTE = 2,      /* BPF_PROG_TEST_RUN live frames: given actions, transmit */
  OVSXDP_PROGRAM_EXECUTE_TRACE = 3, /* BPF_PROG_TEST_RUN: given actions, record outputs */
  OVSXDP_PROGRAM_COPY = 4,         /* devmap egress program: one copy of a forked packet */
  OVSXDP_PROGRAM_KINDS = 5,
};

/* masks: ARRAY [max_masks], mmapable. A slot is probed when `active` is 1. */
struct ovsxdp_mask {
  struct ovsxdp_flow_key mask;
  __u8 words[OVSXDP_FLOW_KEY_WORDS];  /* indices of the mask's nonzero words */
  __u8 n_words;
  __u8 active;
  __u32 refcount;                     /* flows using the mask (host-managed) */
  __u32 pad[2];
};

/* A flow's unique identifier (OVS UFID: 128 bits). */
struct ovsxdp_ufid {
  __u64 words[2];
};

/* megaflows: HASH {mask, hash of the masked key} -> flow slot. */
struct ovsxdp_megaflow_id {
  __u32 mask_index;
  __u32 pad;
  __u64 hash;
};

enum ovsxdp_flow_state : __u32 {
  OVSXDP_FLOW_FREE = 0,
  OVSXDP_FLOW_LIVE = 1,
  OVSXDP_FLOW_DYING = 2,  /* unlinked; freed after a grace period */
};

#define OVSXDP_FLOW_UFID_PRESENT 1  /* installed with a UFID (else one was derived) */

/* flows: ARRAY [max_flows], mmapable, indexed by flow slot. */
struct ovsxdp_flow {
  struct ovsxdp_flow_key key;  /* masked */
  __u32 mask_index;
  __u32 actions;               /* action-set slot; mod-flow swaps it atomically */
  __u32 state;                 /* enum ovsxdp_flow_state */
  __u32 flags;                 /* OVSXDP_FLOW_* */
  struct ovsxdp_ufid ufid;
  __u64 hash;                  /* megaflow hash, as in the megaflows key */
};

/* flow_stats: PERCPU_ARRAY [max_flows]. */
struct ovsxdp_flow_stats {
  __u64 packets;
  __u64 bytes;
  __u64 used_ns;      /* CLOCK_MONOTONIC_COARSE of the last hit (one tick resolution); 0 = never */
  __u16 tcp_flags;    /* OR of TCP flags seen, host order */
  __u16 pad[3];
};

/* action_sets: ARRAY [max_action_sets], mmapable. Immutable while referenced:
 * changing a flow's actions means a new set and an atomic swap. */
#define OVSXDP_SET_FORKS 1  /* has a fork record: a copy group and plans exist for its slot */
struct ovsxdp_action_set {
  __u16 length;        /* bytes used in `bytes` */
  __u16 flags;         /* OVSXDP_SET_* (host-managed) */
  __u32 refcount;      /* flows using it (host-managed); 0 = free */
  __u64 content_hash;  /* for deduplication (host-managed) */
  __u8 bytes[OVSXDP_ACTIONS_MAX_BYTES];
};

/* counters: PERCPU_ARRAY [OVSXDP_COUNTER_MAX] of __u64. */
enum ovsxdp_counter {
  OVSXDP_C_HIT = 0,             /* lookups that found a flow */
  OVSXDP_C_MISSED,              /* lookups that found none (upcalled) */
  OVSXDP_C_LOST,                /* upcalls lost: ring buffer full */
  OVSXDP_C_MASK_PROBES,         /* masks probed by lookups that hit */
  OVSXDP_C_CACHE_HIT,           /* lookups answered by the lookup cache */
  OVSXDP_C_CACHE_MISS,
  OVSXDP_C_MISS_DROPPED,        /* missed packets dropped (policy) */
  OVSXDP_C_MISS_PASSED,         /* missed packets passed to the kernel stack (policy) */
  OVSXDP_C_DROP_MALFORMED,      /* no flow key: runt frame, VLAN ethertype on an L3 packet, bad NSH header */
  OVSXDP_C_DROP_RECURSION,      /* recirculated past OVSXDP_RECURSION_LIMIT */
  OVSXDP_C_DROP_ACTION,         /* an action failed (bad record, packet too short, no room) */
  OVSXDP_C_DROP_EXPLICIT,       /* drop action */
  OVSXDP_C_DROP_NO_OUTPUT,      /* action list ended without output */
  OVSXDP_C_DROP_NO_PORT,        /* output to a port not in the datapath */
  OVSXDP_C_DROP_L3_ON_ETHERNET, /* output of a packet without Ethernet header */
  OVSXDP_C_DROP_TTL,            /* dec_ttl hit 1 with an empty le_1 list */
  OVSXDP_C_DROP_INTERNAL,       /* a map entry or record the datapath relies on was missing, or a tag from RX metadata
                                   could not be written into the frame: fail closed */
  OVSXDP_C_UNKNOWN_INGRESS,     /* arrived on an interface that is not a port: passed */
  OVSXDP_C_UPCALL_ACTION,       /* userspace() actions sent */
  OVSXDP_C_OUTPUT,              /* packets output */
  OVSXDP_C_RECIRCULATED,        /* recirc actions executed */
  OVSXDP_C_EXECUTED,            /* packets run by the execute program */
  OVSXDP_C_EXECUTE_NO_REQUEST,  /* execute runs without a request */
  OVSXDP_C_FORKED,              /* packets broadcast to a copy group */
  OVSXDP_C_COPY_SKIPPED,        /* copies whose sample, check_pkt_len, dec_ttl or meter branch was not taken */
  OVSXDP_C_COPY_LOST,           /* copies without their fork's context or plan (should stay 0) */
  OVSXDP_C_DROP_METER,          /* packets over a meter's rate */
  OVSXDP_C_DROP_FORK,           /* forks that could not broadcast (no group, no metadata room) */
  OVSXDP_C_DROP_FORK_JUMBO,     /* forks of multi-buffer frames: the kernel broadcasts single-buffer frames only */
  OVSXDP_C_RECIRC_LOST,         /* recirculating copies whose context was gone or overwritten on the loop */
  OVSXDP_C_LOOP_FOREIGN,        /* frames on the loop device that no copy of ours sent: dropped */
  OVSXDP_C_DROP_DEFERRED,       /* trace runs: recirculating copies beyond OVSXDP_TRACE_DEFERRED */
  /* Frames output to a port that the kernel dropped after the program
   * returned, seen by the datapath's tracing programs (per port too). */
  OVSXDP_C_TX_DROP_MTU,         /* larger than the egress device's MTU (-EMSGSIZE at redirect) */
  OVSXDP_C_TX_DROP_DOWN,        /* egress device down (-ENETDOWN at redirect) */
  OVSXDP_C_TX_DROP_REFUSED,     /* the device takes no XDP frames (-EOPNOTSUPP at redirect: e.g. a veth whose peer runs
                                   neither XDP nor GRO) or its driver dropped them at transmit (a full ring) */
  OVSXDP_C_TX_DROP_OTHER,       /* any other redirect error */
  OVSXDP_C_VLAN_FROM_METADATA,  /* frames whose outer VLAN tag arrived as RX metadata (skb, NIC), written into the frame */
  OVSXDP_C_CT_TRACKED,          /* packets through ct() */
  OVSXDP_C_CT_INVALID,          /* of them, marked invalid (bad TCP flags or window, ICMP reply without request or error without connection, truncated) */
  OVSXDP_C_CT_COMMITTED,        /* connections stored by ct(commit) */
  OVSXDP_C_CT_COMMIT_RACE,      /* commits that found the connection stored by another CPU meanwhile (one entry kept) */
  OVSXDP_C_CT_EXPIRED,          /* entries found past their timeout and removed */
  OVSXDP_C_CT_UNTRACKABLE,      /* ct() on a packet that is not IP, or an IP fragment: +trk+inv */
  OVSXDP_C_CT_RELATED,          /* ICMP errors quoting a packet of a known connection: +rel (without one: ct_invalid) */
  OVSXDP_COUNTER_MAX,           /* host: keep counter_name() in step */
};

/* ports: DEVMAP_HASH port_no -> struct bpf_devmap_val.
 * port_by_ifindex: HASH ifindex -> struct ovsxdp_port_ref.
 * port_info: HASH port_no -> struct ovsxdp_port_info (BPF reads only `slot`).
 * port_stats: PERCPU_ARRAY [2 * max_ports] by slot -> struct ovsxdp_port_stats:
 * a port numbered below max_ports has its number as slot, others one of
 * max_ports..2*max_ports-1. */
struct ovsxdp_port_ref {
  __u32 port_no;
  __u32 slot;  /* the port's entry in port_stats */
};

enum ovsxdp_xdp_mode : __u32 {
  OVSXDP_XDP_NONE = 0,  /* port known, no program attached (e.g. a test port) */
  OVSXDP_XDP_NATIVE = 1,
  OVSXDP_XDP_GENERIC = 2,
};

/* The program a port runs. */
enum ovsxdp_port_program : __u32 {
  OVSXDP_PORT_PROGRAM_DATAPATH = 0, /* ovsxdp_datapath, shared by every port */
  /* ovsxdp_datapath_vlan_md, an instance bound to the port's device
   * (BPF_F_XDP_DEV_BOUND_ONLY): it reads a VLAN tag the device delivers as RX
   * metadata (bpf_xdp_metadata_rx_vlan_tag) and writes it into the frame, for
   * a port whose tags can arrive that way and whose offload cannot be
   * switched off. */
  OVSXDP_PORT_PROGRAM_VLAN_MD = 1,
};

/* Offloads add_port changed so that frames reach XDP as the wire carries
 * them (an XDP frame has no checksum-offload state and no VLAN metadata),
 * restored when the port goes. Each bit: this feature was in the state the
 * datapath changed it from (on, or for GRO off) and was changed. */
#define OVSXDP_OFFLOAD_PEER_TX_CSUM_IPV4 (1u << 0)   /* tx-checksum-ipv4 off on the veth peer */
#define OVSXDP_OFFLOAD_PEER_TX_CSUM_IP   (1u << 1)   /* tx-checksum-ip-generic */
#define OVSXDP_OFFLOAD_PEER_TX_CSUM_IPV6 (1u << 2)   /* tx-checksum-ipv6 */
#define OVSXDP_OFFLOAD_PEER_TX_CSUM_FCOE (1u << 3)   /* tx-checksum-fcoe-crc */
#define OVSXDP_OFFLOAD_PEER_TX_CSUM_SCTP (1u << 4)   /* tx-checksum-sctp */
#define OVSXDP_OFFLOAD_PEER_TX_VLAN      (1u << 5)   /* tx-vlan-hw-insert off on the peer */
#define OVSXDP_OFFLOAD_PEER_TX_VLAN_STAG (1u << 6)   /* tx-vlan-stag-hw-insert */
#define OVSXDP_OFFLOAD_PEER_GRO_ON       (1u << 7)   /* rx-gro turned ON on the peer: its NAPI takes redirected frames */
#define OVSXDP_OFFLOAD_RX_VLAN           (1u << 8)   /* rx-vlan-hw-parse off on the port itself */
#define OVSXDP_OFFLOAD_RX_VLAN_STAG      (1u << 9)   /* rx-vlan-stag-hw-parse */
#define OVSXDP_OFFLOAD_PEER_BITS         0xffu

struct ovsxdp_port_info {
  __u32 port_no;
  __u32 ifindex;
  __u32 xdp_mode;  /* enum ovsxdp_xdp_mode */
  __u32 slot;      /* the port's entry in port_stats */
  char name[16];
  /* Written before the change it records, so a writer that dies midway
   * leaves enough to undo it. */
  __u32 offloads;      /* OVSXDP_OFFLOAD_* */
  __u32 peer_ifindex;  /* the veth peer changed, in its namespace */
  __s32 peer_nsid;     /* that namespace's id as seen from the port's; -1: the same namespace */
  __u32 program;       /* enum ovsxdp_port_program */
  __u64 peer_netns;    /* inode of the peer's namespace, to recognise it again */
  __u32 kind;          /* enum ovsxdp_port_kind */
  __u32 reserved;
  /* An internal port: `name` is the host-facing veth end, `device` (ifindex)
   * its hidden peer, which runs the datapath program; both go with the port. */
  char device[16];
};

enum ovsxdp_port_kind : __u32 {
  OVSXDP_PORT_KIND_SYSTEM = 0,
  OVSXDP_PORT_KIND_INTERNAL = 1,
};

/* port_stats: what the datapath did with each port's frames. */
struct ovsxdp_port_stats {
  __u64 rx_packets, rx_bytes;  /* frames that arrived on the port and entered the pipeline */
  __u64 tx_packets, tx_bytes;  /* frames the datapath sent to the port (outputs and copies) */
  /* Of those, what the kernel dropped after the program returned (tracing programs). */
  __u64 tx_drop_mtu, tx_drop_down, tx_drop_refused, tx_drop_other;
};

/* Upcall reasons (OVS_PACKET_CMD_MISS / _ACTION). */
enum ovsxdp_upcall_reason : __u32 {
  OVSXDP_UPCALL_MISS = 1,
  OVSXDP_UPCALL_ACTION = 2,
};

/* upcall channels: RINGBUFs of these, each followed by captured_len packet bytes. */
struct ovsxdp_upcall {
  __u32 reason;         /* enum ovsxdp_upcall_reason */
  __u32 in_port;
  __u32 packet_len;     /* on the wire (after any trunc) */
  __u32 captured_len;   /* bytes that follow this record */
  __u32 pid;            /* userspace(pid=) */
  __u32 userdata_len;
  __u64 nonce;          /* 0, or the trace/execute run that made it */
  struct ovsxdp_flow_key key;
  __u8 userdata[OVSXDP_USERDATA_MAX];
};

/* Trace runs (the trace program, BPF_PROG_TEST_RUN) record what the live
 * datapath would do: trace_events RINGBUF of these, each followed by bytes. */
enum ovsxdp_trace_kind : __u32 {
  OVSXDP_TRACE_OUTPUT = 1,  /* port = output port */
  OVSXDP_TRACE_UPCALL = 2,  /* port = upcall reason */
};
struct ovsxdp_trace_event {
  __u64 nonce;        /* the run it belongs to */
  __u32 kind;         /* enum ovsxdp_trace_kind */
  __u32 port;
  __u32 length;       /* bytes that follow */
  __u32 sequence;     /* emission order within the run */
};

/* XDP metadata in front of frames given to the trace and execute programs. */
#define OVSXDP_META_MAGIC 0x4f564d44u  /* "OVMD" */
struct ovsxdp_xdp_meta {
  __u32 magic;
  __u32 in_port;
  __u64 nonce;
};

/* execute_requests: HASH nonce -> request, for the execute program. */
struct ovsxdp_execute_request {
  struct ovsxdp_flow_key metadata;  /* recirc_id, dp_hash, skb_mark, priority, ct_*, tunnel */
  struct ovsxdp_action_set actions;
  /* Written by the program: live-frame test runs report no return value. */
  __u32 verdict;
  __u32 executions;
  __u32 set_slot;  /* OVSXDP_NO_SET: run `actions`; else this action set (lists that fork need one) */
  __u32 pad;
};

/* meters: ARRAY [max_meters] (OVS meter semantics, one drop band). Rates are
 * kept in nano-units: a kbps bucket holds bits * 10^6 (rate kbit/s * ns),
 * a pktps bucket packets * 10^9. flags == 0: no meter (the action is a no-op). */
#define OVSXDP_METER_KBPS 1
#define OVSXDP_METER_PKTPS 2
#define OVSXDP_METER_BURST 4
#define OVSXDP_METER_STATS 8
struct ovsxdp_meter {
  struct bpf_spin_lock lock;
  __u32 flags;          /* OVSXDP_METER_*; 0 = not configured */
  __u32 rate;           /* band rate, kbit/s or packets/s */
  __u32 burst;          /* band burst size, kbit or packets */
  __u64 bucket;         /* tokens, nano-units */
  __u64 max_bucket;     /* burst in nano-units */
  __u64 last_ns;        /* bpf_ktime_get_ns of the last refill */
  __u64 packets, bytes; /* everything the meter saw */
  __u64 band_packets, band_bytes;  /* over the rate: dropped */
  __u64 created_ns;     /* CLOCK_MONOTONIC */
};

/* recirc_contexts: ARRAY [OVSXDP_RECIRC_CONTEXTS]: a recirculating copy's
 * key (metadata and the new recirc_id) and pass count, written by the copy's
 * egress program, read by the loop's receiving program, possibly on another
 * CPU: `sequence` is written last and checked before and after reading. */
struct ovsxdp_recirc_context {
  __u64 sequence;  /* 0: free; else the one the frame's tag names (its low 32 bits) */
  __u32 pass;      /* the pass the copy was made in */
  __u32 cutlen;    /* a pending trunc: the recirculated packet keeps it, as Linux's clone does */
  struct ovsxdp_flow_key key;
  __u8 frame_head[8]; /* the frame's first 8 bytes, which the tag took the place of */
};

/* What names a copy's or a recirculating copy's context: it takes the place
 * of the frame's first 8 bytes, which the context keeps and the receiving
 * program puts back (datapath/frame_tag.h). */
struct ovsxdp_frame_tag {
  __u32 magic;     /* OVSXDP_COPY_TAG_MAGIC or OVSXDP_RECIRC_TAG_MAGIC */
  __u32 sequence;  /* the context's */
};

/* A frame the host sends into the loop device to execute actions on a packet
 * too large for a live-frame test run (jumbo frames): this header, then the
 * packet. The loop's program strips it and runs the execute request `nonce`. */
#define OVSXDP_LOOP_EXECUTE_ETHERTYPE 0x88b5  /* IEEE 802 local experimental */
#define OVSXDP_LOOP_EXECUTE_MAGIC 0x4f564558u /* "OVEX" */
struct ovsxdp_loop_execute {
  __u8 dst[6], src[6];
  __be16 ethertype;  /* OVSXDP_LOOP_EXECUTE_ETHERTYPE */
  __u16 pad;
  __u32 magic;       /* OVSXDP_LOOP_EXECUTE_MAGIC */
  __u32 in_port;
  __u64 nonce;
};

/* fork_plans inner map key: a copy by interface and occurrence (copies of
 * one fork to the same interface are told apart by the order their egress
 * programs run in), or, with ifindex 0, by copy index (trace runs them in
 * emission order). */
struct ovsxdp_copy_plan_key {
  __u32 ifindex;
  __u32 index;
};
/* A step: byte offset of a record in the parent action set, plus what the
 * copy needs from a branching record. */
#define OVSXDP_STEP_OFFSET 0x0fff
#define OVSXDP_STEP_GT 0x1000           /* check_pkt_len: this copy is in the gt branch */
#define OVSXDP_STEP_TTL_EXPIRED 0x2000  /* dec_ttl: this copy is in the le_1 branch */
struct ovsxdp_copy_plan {
  __u16 copy_index;
  __u16 n_steps;
  __u16 repeats;  /* copies of this fork to the same interface */
  __u16 carrier;  /* 1: emits an upcall only; the frame is not transmitted */
  __u16 steps[OVSXDP_COPY_MAX_STEPS];
};

/* fork_info: ARRAY [max_action_sets], by action-set slot, rebuilt with the
 * copy group: copies whose output port is not in the datapath have no devmap
 * entry, so the fork counts them (drop_no_port) instead. */
struct ovsxdp_fork_info {
  __u32 copies;
  __u32 copies_without_port;
};

enum ovsxdp_miss_policy : __u32 {
  OVSXDP_MISS_DROP = 0,
  OVSXDP_MISS_PASS = 1,
};

/* What the per-CPU lookup cache in front of the megaflow search remembers
 * for a packet hash (a load-time choice). */
enum ovsxdp_lookup_cache : __u32 {
  OVSXDP_CACHE_NONE = 0, /* every lookup searches the masks in order */
  OVSXDP_CACHE_MASK = 1, /* the mask that found the flow (Linux's mask cache): one probe */
  OVSXDP_CACHE_FLOW = 2, /* the flow itself: a verification, no hash table lookup */
};

/* info: ARRAY [1], mmapable: what the datapath is, its writers' generation,
 * and the order in which lookups probe the masks. */
struct ovsxdp_info {
  __u32 magic;
  __u32 abi_version;
  __u32 max_flows;
  __u32 max_masks;
  __u32 max_action_sets;
  __u32 max_ports;
  __u32 miss_policy;    /* enum ovsxdp_miss_policy */
  __u32 upcall_ring;
  __u32 n_masks;        /* entries of mask_order in use; read by BPF */
  __u32 lookup_cache;   /* enum ovsxdp_lookup_cache */
  __u32 writer_pid;     /* nonzero while a writer is between its first and last change */
  __u32 max_meters;
  __u32 loop_ifindex_tx; /* the loop device's end copies leave through (0: none) */
  __u32 loop_ifindex_rx; /* its other end, where the datapath program picks them up */
  __u32 upcall_channels; /* ring buffers of upcall_channels in use (read by BPF; 0: upcalls are lost) */
  __u32 upcall_version;  /* bumped whenever the rings are replaced (handles reopen theirs) */
  __u32 max_conns;       /* conntrack table size (LRU: a full table evicts) */
  __u32 reserved0;
  __u64 generation;     /* bumped by every write under the datapath lock */
  __u64 created_ns;     /* CLOCK_REALTIME */
  __u64 port_generation; /* bumped by every port add and remove */
  /* Active mask slots, densely, in probe order (read by BPF). A removal moves
   * the last entry into the hole; a position freed that way is written again
   * only after an RCU grace period, so a lookup never skips a live mask. */
  __u16 mask_order[OVSXDP_MASKS_LIMIT];
};

#ifdef __cplusplus
static_assert(sizeof(ovsxdp_mask) == 320);
static_assert(__has_unique_object_representations(ovsxdp_mask));
static_assert(sizeof(ovsxdp_megaflow_id) == 16 && __has_unique_object_representations(ovsxdp_megaflow_id));
static_assert(sizeof(ovsxdp_flow) == 272 + 16 + 16 + 8 && __has_unique_object_representations(ovsxdp_flow));
static_assert(sizeof(ovsxdp_flow_stats) == 32);
static_assert(sizeof(ovsxdp_action_set) == 16 + OVSXDP_ACTIONS_MAX_BYTES);
static_assert(sizeof(ovsxdp_upcall) == 32 + 272 + OVSXDP_USERDATA_MAX);
static_assert(sizeof(ovsxdp_trace_event) == 24);
static_assert(sizeof(ovsxdp_xdp_meta) == 16);
static_assert(sizeof(ovsxdp_execute_request) == 272 + 16 + OVSXDP_ACTIONS_MAX_BYTES + 16);
static_assert(sizeof(ovsxdp_meter) == 80);
static_assert(sizeof(ovsxdp_copy_plan_key) == 8 && sizeof(ovsxdp_copy_plan) == 8 + 2 * OVSXDP_COPY_MAX_STEPS);
static_assert(OVSXDP_ACTIONS_MAX_BYTES - 1 <= OVSXDP_STEP_OFFSET);
static_assert(sizeof(ovsxdp_info) == 96 + 2 * OVSXDP_MASKS_LIMIT && __has_unique_object_representations(ovsxdp_info));
static_assert(sizeof(ovsxdp_recirc_context) == 16 + 272 + 8 && sizeof(ovsxdp_frame_tag) == 8);
static_assert(sizeof(ovsxdp_loop_execute) == 32);
static_assert(sizeof(ovsxdp_port_info) == 80 && __has_unique_object_representations(ovsxdp_port_info));
static_assert(sizeof(ovsxdp_port_stats) == 64);
static_assert(sizeof(ovsxdp_fork_info) == 8);
static_assert(OVSXDP_FLOW_KEY_WORDS == 34);
#endif
