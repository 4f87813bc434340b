// The action encoding: what the host writes and the BPF executor runs.
//
// An action list is a flat byte array of 4-byte-aligned records. Every record
// starts with struct ovsxdp_action_header; `words` is the record's length in
// 4-byte words, header included, so the executor can step over any record.
// Nested lists (dec_ttl's le_1 branch, clone, sample, check_pkt_len's two
// branches) follow their owner inline; the owner gives their lengths in bytes. Records are plain C structs
// shared byte-for-byte by BPF and host.
#pragma once

#include <linux/types.h>

#define OVSXDP_ACTIONS_MAX_BYTES 2048 /* one action list, nested lists included (a 64-port flood with per-port tags fits) */
#define OVSXDP_ACTIONS_MAX_COUNT 64   /* records one pass may execute */
#define OVSXDP_USERDATA_MAX 64        /* bytes of userspace() userdata kept */

enum ovsxdp_action_type : __u8 {
  OVSXDP_ACTION_OUTPUT = 1,
  OVSXDP_ACTION_DROP = 2,
  OVSXDP_ACTION_PUSH_VLAN = 3,
  OVSXDP_ACTION_POP_VLAN = 4,
  OVSXDP_ACTION_SET = 5,        /* arg: enum ovsxdp_set_target; value and mask follow */
  OVSXDP_ACTION_DEC_TTL = 6,    /* arg: bytes of the le_1 list that follows */
  OVSXDP_ACTION_TRUNC = 7,
  OVSXDP_ACTION_HASH = 8,
  OVSXDP_ACTION_PUSH_MPLS = 9,
  OVSXDP_ACTION_POP_MPLS = 10,
  OVSXDP_ACTION_ADD_MPLS = 11,
  OVSXDP_ACTION_PUSH_ETH = 12,
  OVSXDP_ACTION_POP_ETH = 13,
  OVSXDP_ACTION_RECIRC = 14,
  OVSXDP_ACTION_USERSPACE = 15,
  OVSXDP_ACTION_CT_CLEAR = 16,
  OVSXDP_ACTION_CLONE = 17,          /* arg: bytes of the nested list that follows */
  OVSXDP_ACTION_SAMPLE = 18,         /* arg: bytes of the nested list that follows */
  OVSXDP_ACTION_CHECK_PKT_LEN = 19,  /* the gt list, then the le list, follow */
  OVSXDP_ACTION_METER = 20,
  /* Inserted by the host, never written by users: the packet is broadcast
   * here to the action set's copy group and the rest of the list runs once
   * per copy, in the copies' egress programs (see datapath/fork.h). */
  OVSXDP_ACTION_FORK = 21,
  OVSXDP_ACTION_PUSH_NSH = 22,  /* arg: bytes of the NSH header the record carries */
  OVSXDP_ACTION_POP_NSH = 23,
  OVSXDP_ACTION_CT = 24,        /* arg: enum ovsxdp_ct_action_flags */
  OVSXDP_ACTION_TYPE_MAX = 24,
};

/* What a set/set_masked action writes (arg of OVSXDP_ACTION_SET). */
enum ovsxdp_set_target : __u16 {
  OVSXDP_SET_ETHERNET = 1,
  OVSXDP_SET_IPV4 = 2,
  OVSXDP_SET_IPV6 = 3,
  OVSXDP_SET_TCP = 4,
  OVSXDP_SET_UDP = 5,
  OVSXDP_SET_SCTP = 6,
  OVSXDP_SET_MPLS = 7,
  OVSXDP_SET_SKB_MARK = 8,
  OVSXDP_SET_PRIORITY = 9,
  /* Targets the Linux datapath refuses; executed as Open vSwitch's userspace
   * datapath does (see actions/set_arp_nd_icmp.h). */
  OVSXDP_SET_ARP = 10,
  OVSXDP_SET_ND = 11,
  OVSXDP_SET_ICMP = 12,
  OVSXDP_SET_ICMPV6 = 13,
  OVSXDP_SET_TARGET_MAX = 13,
};

enum ovsxdp_hash_alg : __u32 {
  OVSXDP_HASH_L4 = 0,      /* OVS_HASH_ALG_L4 */
  OVSXDP_HASH_SYM_L4 = 1,  /* OVS_HASH_ALG_SYM_L4 */
};

struct ovsxdp_action_header {
  __u8 type;   /* enum ovsxdp_action_type */
  __u8 words;  /* record length in 4-byte words, header included */
  __u16 arg;   /* type-specific */
};

struct ovsxdp_action_output {
  struct ovsxdp_action_header h;
  __u32 port;  /* datapath port number */
};

struct ovsxdp_action_drop {
  struct ovsxdp_action_header h;  /* arg: reason (OVS xlate error), informational */
};

struct ovsxdp_action_push_vlan {
  struct ovsxdp_action_header h;
  __be16 tpid;  /* 0x8100 or 0x88a8 */
  __be16 tci;   /* with the present bit (0x1000) set; it is cleared on the wire */
};

struct ovsxdp_action_pop_vlan {
  struct ovsxdp_action_header h;
};

/* set targets: the fields each one writes, as value then mask (new = value | (old & ~mask)). */
struct ovsxdp_set_ethernet {
  __u8 src[6];
  __u8 dst[6];
};
struct ovsxdp_set_ipv4 {
  __be32 src;
  __be32 dst;
  __u8 tos;
  __u8 ttl;
  /* Not writable: kept so that a full set (OVS prints proto and frag in it)
   * dumps as installed; install checks them as Linux does. Never executed. */
  __u8 proto;
  __u8 frag;
};
struct ovsxdp_set_ipv6 {
  __u8 src[16];
  __u8 dst[16];
  __be32 label;  /* low 20 bits */
  __u8 tclass;
  __u8 hlimit;
  __u8 proto;   /* not writable; see struct ovsxdp_set_ipv4 */
  __u8 frag;
};
struct ovsxdp_set_transport {  /* tcp, udp, sctp */
  __be16 src;
  __be16 dst;
};
struct ovsxdp_set_mpls {
  __be32 lse;  /* top label stack entry */
};
struct ovsxdp_set_u32 {  /* skb_mark, priority */
  __u32 value;
};
struct ovsxdp_set_arp {
  __be32 sip;
  __be32 tip;
  __u8 sha[6];
  __u8 tha[6];
  __be16 op;  /* the whole opcode (the flow key keeps only its low 8 bits) */
  __u16 pad;  /* zero */
};
struct ovsxdp_set_nd {  /* sll/tll go to the first link-layer option, if there is one */
  __u8 target[16];
  __u8 sll[6];
  __u8 tll[6];
};
struct ovsxdp_set_icmp {  /* icmp, icmpv6 */
  __u8 type;
  __u8 code;
  __u16 pad;  /* zero */
};

struct ovsxdp_action_set_ethernet {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_ethernet value, mask;
};
struct ovsxdp_action_set_ipv4 {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_ipv4 value, mask;
};
struct ovsxdp_action_set_ipv6 {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_ipv6 value, mask;
};
struct ovsxdp_action_set_transport {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_transport value, mask;
};
struct ovsxdp_action_set_mpls {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_mpls value, mask;
};
struct ovsxdp_action_set_u32 {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_u32 value, mask;
};
struct ovsxdp_action_set_arp {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_arp value, mask;
};
struct ovsxdp_action_set_nd {
  struct ovsxdp_action_header h;
  struct ovsxdp_set_nd value, mask;
};
struct ovsxdp_action_set_icmp {
  struct ovsxdp_action_header h;  /* arg: OVSXDP_SET_ICMP or OVSXDP_SET_ICMPV6 */
  struct ovsxdp_set_icmp value, mask;
};

struct ovsxdp_action_dec_ttl {
  struct ovsxdp_action_header h;  /* arg: bytes of the le_1 list following this record */
};

struct ovsxdp_action_trunc {
  struct ovsxdp_action_header h;
  __u32 max_len;  /* >= 14 */
};

struct ovsxdp_action_hash {
  struct ovsxdp_action_header h;
  __u32 alg;    /* enum ovsxdp_hash_alg */
  __u32 basis;
};

struct ovsxdp_action_push_mpls {
  struct ovsxdp_action_header h;
  __be32 lse;
  __be16 ethertype;  /* 0x8847 or 0x8848 */
  __u16 pad;
};

struct ovsxdp_action_pop_mpls {
  struct ovsxdp_action_header h;
  __be16 ethertype;  /* of what follows the popped LSE */
  __u16 pad;
};

#define OVSXDP_ADD_MPLS_L3_TUNNEL 1  /* add_mpls on an L3 packet (OVS_MPLS_L3_TUNNEL_FLAG_MASK) */
struct ovsxdp_action_add_mpls {
  struct ovsxdp_action_header h;
  __be32 lse;
  __be16 ethertype;
  __u16 flags;
};

struct ovsxdp_action_push_eth {
  struct ovsxdp_action_header h;
  __u8 src[6];
  __u8 dst[6];
};

struct ovsxdp_action_pop_eth {
  struct ovsxdp_action_header h;
};

struct ovsxdp_action_recirc {
  struct ovsxdp_action_header h;
  __u32 recirc_id;
};

#define OVSXDP_USERSPACE_HAS_TUNNEL_PORT 1
#define OVSXDP_USERSPACE_ATTACH_ACTIONS 2
/* Set by the host on upcalls run in place inside a clone or sample that
 * more actions follow: the copy's pending trunc is spent, the original's is not. */
#define OVSXDP_USERSPACE_KEEP_CUTLEN 4
struct ovsxdp_action_userspace {
  struct ovsxdp_action_header h;
  __u32 pid;
  __u16 userdata_len;
  __u16 flags;          /* OVSXDP_USERSPACE_* */
  __u32 tunnel_out_port;
  __u8 userdata[];      /* userdata_len bytes, padded to 4 */
};

struct ovsxdp_action_ct_clear {
  struct ovsxdp_action_header h;
};

/* ct(...) (Linux ovs_ct_execute): track the packet in `zone`; commit stores
 * the connection and writes mark and labels under their masks. */
enum ovsxdp_ct_action_flags : __u16 {
  OVSXDP_CT_COMMIT = 1 << 0,
  OVSXDP_CT_FORCE_COMMIT = 1 << 1, /* a reply-direction packet restarts the connection as original */
  OVSXDP_CT_SET_MARK = 1 << 2,
  OVSXDP_CT_SET_LABELS = 1 << 3,
};
struct ovsxdp_action_ct {
  struct ovsxdp_action_header h; /* arg: enum ovsxdp_ct_action_flags */
  __u16 zone;
  __u16 pad;
  __u32 mark, mark_mask;
  __u8 labels[16], labels_mask[16];
};

/* Set by the host on a clone, sample or check_pkt_len that runs in place but
 * that nothing after it can observe (its nested list only changes a copy
 * nobody sends): the executor steps over it. */
#define OVSXDP_NESTED_INVISIBLE 1

struct ovsxdp_action_clone {
  struct ovsxdp_action_header h;  /* arg: bytes of the nested list */
  __u32 flags;                    /* OVSXDP_NESTED_* */
};

#define OVSXDP_SAMPLE_ALWAYS 0xffffffffu
struct ovsxdp_action_sample {
  struct ovsxdp_action_header h;  /* arg: bytes of the nested list */
  __u32 probability;              /* of UINT32_MAX: OVSXDP_SAMPLE_ALWAYS always, 0 never */
  __u32 flags;                    /* OVSXDP_NESTED_* */
};

struct ovsxdp_action_check_pkt_len {
  struct ovsxdp_action_header h;
  __u16 max_len;   /* frame length (VLAN tags included) > max_len: gt branch */
  __u16 gt_bytes;  /* the gt list follows this record, then the le list */
  __u16 le_bytes;
  __u16 flags;     /* OVSXDP_NESTED_* */
};

struct ovsxdp_action_meter {
  struct ovsxdp_action_header h;
  __u32 meter_id;
};

/* The largest NSH header: its length field counts 4-byte words in 6 bits.
 * (Linux's buffer holds 256 bytes, but a 256-byte header's length wraps to 0.) */
#define OVSXDP_NSH_HEADER_MAX 252

/* push_nsh: the header is built by the host (version 0, its length set);
 * the executor copies it in front of the packet and writes its next
 * protocol, which Linux takes from the packet, not from the action. */
struct ovsxdp_action_push_nsh {
  struct ovsxdp_action_header h;  /* arg: header bytes, 8..OVSXDP_NSH_HEADER_MAX, a multiple of 4 */
  __u8 header[];
};

struct ovsxdp_action_pop_nsh {
  struct ovsxdp_action_header h;
};

struct ovsxdp_action_fork {
  struct ovsxdp_action_header h;  /* arg: copies in the group (informational) */
};

#ifdef __cplusplus
static_assert(sizeof(ovsxdp_action_header) == 4);
static_assert(sizeof(ovsxdp_action_clone) == 8 && sizeof(ovsxdp_action_fork) == 4);
static_assert(sizeof(ovsxdp_action_sample) == 12 && sizeof(ovsxdp_action_meter) == 8);
static_assert(sizeof(ovsxdp_action_check_pkt_len) == 12);
static_assert(sizeof(ovsxdp_action_output) == 8);
static_assert(sizeof(ovsxdp_action_push_vlan) == 8);
static_assert(sizeof(ovsxdp_set_ipv4) == 12 && sizeof(ovsxdp_set_ipv6) == 40 && sizeof(ovsxdp_set_ethernet) == 12);
static_assert(sizeof(ovsxdp_action_set_ethernet) == 28);
static_assert(sizeof(ovsxdp_action_set_ipv4) == 28);
static_assert(sizeof(ovsxdp_action_set_ipv6) == 84);
static_assert(sizeof(ovsxdp_action_set_transport) == 12);
static_assert(sizeof(ovsxdp_action_set_mpls) == 12);
static_assert(sizeof(ovsxdp_action_set_u32) == 12);
static_assert(sizeof(ovsxdp_action_trunc) == 8);
static_assert(sizeof(ovsxdp_action_hash) == 12);
static_assert(sizeof(ovsxdp_action_push_mpls) == 12 && sizeof(ovsxdp_action_add_mpls) == 12);
static_assert(sizeof(ovsxdp_action_pop_mpls) == 8);
static_assert(sizeof(ovsxdp_action_push_eth) == 16);
static_assert(sizeof(ovsxdp_action_recirc) == 8);
static_assert(sizeof(ovsxdp_action_userspace) == 16);
static_assert(sizeof(ovsxdp_set_arp) == 24 && sizeof(ovsxdp_set_nd) == 28 && sizeof(ovsxdp_set_icmp) == 4);
static_assert(sizeof(ovsxdp_action_set_arp) == 52 && sizeof(ovsxdp_action_set_nd) == 60 && sizeof(ovsxdp_action_set_icmp) == 12);
static_assert(sizeof(ovsxdp_action_push_nsh) == 4 && sizeof(ovsxdp_action_pop_nsh) == 4);
static_assert(sizeof(ovsxdp_action_ct) == 48);
static_assert(sizeof(ovsxdp_action_push_nsh) + OVSXDP_NSH_HEADER_MAX <= 255 * 4 && OVSXDP_NSH_HEADER_MAX == 63 * 4);
static_assert(OVSXDP_ACTIONS_MAX_BYTES % 4 == 0 && OVSXDP_ACTIONS_MAX_BYTES / 4 <= 255 * 4);
#endif
