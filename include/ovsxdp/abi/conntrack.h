// Conntrack table layout, shared by the BPF tracker (include/ovsxdp/conntrack/)
// and the host's dump, flush and limit commands (host/datapath/conntrack.cpp).
//
// One entry per connection, keyed by its original-direction tuple; a packet
// of the reply direction finds it under its reversed tuple. The table is an
// LRU hash: when it is full, inserting evicts the least recently used entry
// (Linux's early_drop, without its preference for unassured entries).
// Timestamps are CLOCK_MONOTONIC_COARSE nanoseconds (bpf_ktime_get_coarse_ns):
// expiry needs seconds, and the coarse clock costs no clock-source read.
#pragma once

#include <linux/types.h>

#define OVSXDP_DEFAULT_MAX_CONNS 65536

enum ovsxdp_ct_family : __u8 {
  OVSXDP_CT_IPV4 = 4,
  OVSXDP_CT_IPV6 = 6,
};

/* A connection's tuple in one direction. IPv4 addresses fill the first 4
 * bytes of src/dst, the rest is zero. ICMP echo and ICMPv6 echo carry the
 * identifier in both ports (so reversing the tuple keeps it); other
 * protocols without ports carry zeros. */
struct ovsxdp_ct_tuple {
  __u8 src[16];
  __u8 dst[16];
  __be16 src_port;
  __be16 dst_port;
  __u16 zone;
  __u8 proto;
  __u8 family; /* enum ovsxdp_ct_family */
};

/* TCP window tracking of one end (OVS lib/conntrack-tcp.c, from pf). */
struct ovsxdp_ct_tcp_peer {
  __u32 seqlo;    /* highest sequence number sent */
  __u32 seqhi;    /* highest sequence number the other end allows */
  __u32 max_win;  /* largest window seen, unscaled */
  __u8 wscale;    /* OVSXDP_CT_WSCALE_* and the shift */
  __u8 state;     /* enum ovsxdp_ct_tcp_state */
  __u8 pad[2];
};

#define OVSXDP_CT_WSCALE_FLAG 0x80
#define OVSXDP_CT_WSCALE_UNKNOWN 0x40
#define OVSXDP_CT_WSCALE_MASK 0x0f

/* The pf states OVS's conntrack reports (CT_DPIF_TCPS_*). */
enum ovsxdp_ct_tcp_state : __u8 {
  OVSXDP_TCPS_CLOSED = 0,
  OVSXDP_TCPS_LISTEN = 1,
  OVSXDP_TCPS_SYN_SENT = 2,
  OVSXDP_TCPS_SYN_RECV = 3,
  OVSXDP_TCPS_ESTABLISHED = 4,
  OVSXDP_TCPS_CLOSE_WAIT = 5,
  OVSXDP_TCPS_FIN_WAIT_1 = 6,
  OVSXDP_TCPS_CLOSING = 7,
  OVSXDP_TCPS_LAST_ACK = 8,
  OVSXDP_TCPS_FIN_WAIT_2 = 9,
  OVSXDP_TCPS_TIME_WAIT = 10,
};

/* Timeout classes, with OVS's default policy (lib/conntrack-tp.c). */
enum ovsxdp_ct_timeout : __u8 {
  OVSXDP_CT_TM_TCP_SYN_SENT = 0,    /* 30 s */
  OVSXDP_CT_TM_TCP_SYN_RECV = 1,    /* 30 s */
  OVSXDP_CT_TM_TCP_ESTABLISHED = 2, /* 24 h */
  OVSXDP_CT_TM_TCP_FIN_WAIT = 3,    /* 15 min */
  OVSXDP_CT_TM_TCP_TIME_WAIT = 4,   /* 45 s */
  OVSXDP_CT_TM_TCP_CLOSE = 5,       /* 30 s */
  OVSXDP_CT_TM_UDP_FIRST = 6,       /* 60 s: also other protocols */
  OVSXDP_CT_TM_UDP_SINGLE = 7,      /* 60 s */
  OVSXDP_CT_TM_UDP_MULTIPLE = 8,    /* 30 s */
  OVSXDP_CT_TM_ICMP_FIRST = 9,      /* 60 s */
  OVSXDP_CT_TM_ICMP_REPLY = 10,     /* 30 s */
  OVSXDP_CT_TM_COUNT = 11,
};

/* Per-protocol progress of ICMP and other connections (OVS's other_state,
 * icmp_state). */
enum ovsxdp_ct_simple_state : __u8 {
  OVSXDP_CT_FIRST = 0,
  OVSXDP_CT_MULTIPLE = 1, /* more packets, original direction only */
  OVSXDP_CT_BIDIR = 2,    /* a reply was seen */
};

enum ovsxdp_ct_entry_flags : __u8 {
  OVSXDP_CT_SEEN_REPLY = 1 << 0,
};

struct ovsxdp_ct_entry {
  __u64 expires_ns;  /* coarse monotonic; past it the entry is gone */
  __u64 created_ns;
  __u64 packets[2];  /* [0] original direction, [1] reply */
  __u64 bytes[2];
  struct ovsxdp_ct_tcp_peer tcp[2]; /* [0] the originator, [1] the responder */
  __u32 mark;
  __u8 labels[16];
  __be16 orig_tp_src; /* ct_tuple's ports as OVS reports them: ICMP type and code */
  __be16 orig_tp_dst;
  __u8 flags;         /* enum ovsxdp_ct_entry_flags */
  __u8 timeout;       /* enum ovsxdp_ct_timeout in force */
  __u8 simple_state;  /* enum ovsxdp_ct_simple_state (ICMP, UDP, other) */
  __u8 pad[5];
};

#ifdef __cplusplus
static_assert(sizeof(struct ovsxdp_ct_tuple) == 40, "conntrack tuple is part of the pinned-map ABI");
static_assert(sizeof(struct ovsxdp_ct_tcp_peer) == 16, "conntrack TCP peer is part of the pinned-map ABI");
static_assert(sizeof(struct ovsxdp_ct_entry) == 112, "conntrack entry is part of the pinned-map ABI");
static_assert(__has_unique_object_representations(ovsxdp_ct_tuple), "conntrack tuple is a hash key: no padding");
#endif
