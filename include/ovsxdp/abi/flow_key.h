// The flow key: what the datapath extracts from a packet plus its metadata.
// Shared byte-for-byte by the BPF programs (map keys/values) and the host, so
// it is a plain C struct at global scope (BTF cannot carry C++ names) with no
// implicit padding.
//
// Layout is by 8-byte word because megaflow masks hash word by word: a mask
// records which words it touches, and the fields a typical megaflow matches
// (recirc_id, in_port, Ethernet, IP scalars, addresses, ports) sit in words
// 0-11, while rarely matched conntrack and tunnel metadata sit behind them.
// Multi-byte packet fields are kept in network byte order, as on the wire.
#pragma once

#include <linux/types.h>

#define OVSXDP_MPLS_LABEL_DEPTH 3   /* LSEs kept in the key (MPLS_LABEL_DEPTH in Linux) */
#define OVSXDP_TUN_OPTS_MAX 64      /* tunnel option bytes kept in the key (Linux: 255) */
#define OVSXDP_NSH_CONTEXT_WORDS 4  /* NSH MD type 1 context words kept in the key */

/* ip_frag values (OVS_FRAG_TYPE_*). */
enum ovsxdp_frag_type : __u8 {
  OVSXDP_FRAG_NONE = 0,
  OVSXDP_FRAG_FIRST = 1,
  OVSXDP_FRAG_LATER = 2,
};

/* mac_proto values: what the packet starts with (OVS packet_type). */
enum ovsxdp_mac_proto : __u8 {
  OVSXDP_MAC_ETHERNET = 0,
  OVSXDP_MAC_NONE = 1, /* L3 packet after pop_eth */
};

/* ct_state bits (OVS_CS_F_*). */
enum ovsxdp_ct_state_bits : __u8 {
  OVSXDP_CS_NEW = 0x01,
  OVSXDP_CS_ESTABLISHED = 0x02,
  OVSXDP_CS_RELATED = 0x04,
  OVSXDP_CS_REPLY_DIR = 0x08,
  OVSXDP_CS_INVALID = 0x10,
  OVSXDP_CS_TRACKED = 0x20,
  OVSXDP_CS_SRC_NAT = 0x40,
  OVSXDP_CS_DST_NAT = 0x80,
};

/* tun_flags bits (FLOW_TNL_F_* in OVS). */
enum ovsxdp_tunnel_flags : __u16 {
  OVSXDP_TNL_DONT_FRAGMENT = 1 << 1,
  OVSXDP_TNL_CSUM = 1 << 2,
  OVSXDP_TNL_KEY = 1 << 3,
  OVSXDP_TNL_OAM = 1 << 0,
};

/* NSH (RFC 8300) next-protocol values (Linux TUN_P_*). */
enum ovsxdp_nsh_np : __u8 {
  OVSXDP_NSH_NP_IPV4 = 1,
  OVSXDP_NSH_NP_IPV6 = 2,
  OVSXDP_NSH_NP_ETHERNET = 3,
  OVSXDP_NSH_NP_NSH = 4,
  OVSXDP_NSH_NP_MPLS = 5,
};

/* Ethernet type of 802.3 frames without a SNAP ethertype (ETH_P_802_2 in Linux). */
#define OVSXDP_ETH_TYPE_802_2 0x0004
/* 802.1Q "present" bit the key sets in a vlan tci (VLAN_CFI_MASK). */
#define OVSXDP_VLAN_PRESENT 0x1000

struct ovsxdp_flow_key {
  /* w0-w2: datapath metadata */
  __u32 recirc_id;
  __u32 in_port;    /* datapath port number */
  __u32 skb_mark;
  __u32 priority;   /* skb_priority */
  __u32 dp_hash;
  __u8 ct_state;    /* OVSXDP_CS_* */
  __u8 ct_orig_proto;
  __u16 ct_zone;

  /* w3-w5: link layer */
  __u8 eth_src[6];
  __u8 eth_dst[6];
  __be16 eth_type;  /* innermost ethertype, after any VLAN tags */
  __u8 mac_proto;   /* enum ovsxdp_mac_proto */
  __u8 mpls_labels; /* bit i set when nw.mpls.lse[i] holds an LSE (Linux num_labels_mask) */
  __be16 vlan_tpid; /* outer tag; 0 = untagged */
  __be16 vlan_tci;  /* with OVSXDP_VLAN_PRESENT set when tagged */
  __be16 cvlan_tpid;
  __be16 cvlan_tci;

  /* w6-w7: network and transport scalars */
  __u8 ip_proto;    /* also ARP opcode (low 8 bits) */
  __u8 ip_tos;      /* IPv4 tos / IPv6 traffic class */
  __u8 ip_ttl;      /* IPv4 ttl / IPv6 hop limit */
  __u8 ip_frag;     /* enum ovsxdp_frag_type */
  __be16 tp_src;    /* L4 source port; ICMP/ICMPv6 type */
  __be16 tp_dst;    /* L4 destination port; ICMP/ICMPv6 code */
  __be16 tcp_flags; /* low 12 bits of TCP header word 6 */
  __u16 pad0;
  __be32 ipv6_label; /* 20-bit flow label */

  /* w8-w11: addresses */
  union {
    struct { __be32 src, dst; __u8 pad[24]; } ipv4; /* also ARP sip/tip */
    struct { __u8 src[16], dst[16]; } ipv6;
    struct { __be32 lse[OVSXDP_MPLS_LABEL_DEPTH]; __u8 pad[20]; } mpls;
    /* NSH base header fields and MD type 1 context (Linux struct ovs_key_nsh);
     * flags and ttl as the header's 2- and 6-bit fields, path_hdr = SPI << 8 | SI. */
    struct {
      __u8 flags, ttl, mdtype, np;
      __be32 path_hdr;
      __be32 context[OVSXDP_NSH_CONTEXT_WORDS];
      __u8 pad[8];
    } nsh;
  } nw; /* every member spans the union: no byte is padding */

  /* w12-w15: protocol-specific extras; ct_orig shares space with ARP/ND as in Linux */
  union {
    struct { __u8 sha[6], tha[6]; __u8 pad[20]; } arp;
    struct { __u8 target[16]; __u8 sll[6]; __u8 tll[6]; __u8 pad[4]; } nd;
    struct { __be32 src, dst; __u8 pad[24]; } ct_orig_ipv4;
    struct { __u8 src[16], dst[16]; } ct_orig_ipv6;
  } nw_ext;

  /* w16-w18: conntrack */
  __be16 ct_orig_tp_src;
  __be16 ct_orig_tp_dst;
  __u32 ct_mark;
  __u8 ct_labels[16];

  /* w19-w33: tunnel metadata */
  __be64 tun_id;
  union {
    struct { __be32 src, dst; __u8 pad[24]; } ipv4;
    struct { __u8 src[16], dst[16]; } ipv6;
  } tun;
  __u16 tun_flags;  /* enum ovsxdp_tunnel_flags */
  __u8 tun_tos;
  __u8 tun_ttl;
  __be16 tun_tp_src;
  __be16 tun_tp_dst;
  __u8 tun_proto;   /* 0 none, 4 IPv4 outer, 6 IPv6 outer */
  __u8 tun_opts_len;
  __u8 tun_opts_kind; /* 0 none, 1 Geneve TLVs, 2 VXLAN GBP */
  __u8 pad1[5];
  __u8 tun_opts[OVSXDP_TUN_OPTS_MAX];
};

#define OVSXDP_FLOW_KEY_WORDS (sizeof(struct ovsxdp_flow_key) / 8)

#ifdef __cplusplus
#define OVSXDP_KEY_AT(field, offset) \
  static_assert(__builtin_offsetof(ovsxdp_flow_key, field) == (offset), "flow key layout: " #field)
OVSXDP_KEY_AT(recirc_id, 0);
OVSXDP_KEY_AT(dp_hash, 16);
OVSXDP_KEY_AT(eth_src, 24);
OVSXDP_KEY_AT(eth_type, 36);
OVSXDP_KEY_AT(vlan_tpid, 40);
OVSXDP_KEY_AT(ip_proto, 48);
OVSXDP_KEY_AT(tcp_flags, 56);
OVSXDP_KEY_AT(ipv6_label, 60);
OVSXDP_KEY_AT(nw, 64);
OVSXDP_KEY_AT(nw_ext, 96);
OVSXDP_KEY_AT(ct_orig_tp_src, 128);
OVSXDP_KEY_AT(ct_labels, 136);
OVSXDP_KEY_AT(tun_id, 152);
OVSXDP_KEY_AT(tun, 160);
OVSXDP_KEY_AT(tun_flags, 192);
OVSXDP_KEY_AT(tun_proto, 200);
OVSXDP_KEY_AT(tun_opts, 208);
#undef OVSXDP_KEY_AT
static_assert(sizeof(ovsxdp_flow_key) == 272, "flow key size is part of the map ABI");
static_assert(sizeof(ovsxdp_flow_key) % 8 == 0, "masked hashing works on 8-byte words");
static_assert(OVSXDP_FLOW_KEY_WORDS <= 64, "a mask's word bitmap is one u64");
static_assert(__has_unique_object_representations(ovsxdp_flow_key), "flow key must have no padding");
#endif

/* First word of the packet-derived part; the parser rewrites words from here. */
#define OVSXDP_FLOW_KEY_PACKET_OFFSET 24
#define OVSXDP_FLOW_KEY_PACKET_END 96
