/* The ovsxdp host library's C API: what Open vSwitch's dpif provider
 * (ovs/dpif-ovsxdp.c) calls. Keys, masks and actions travel in the kernel
 * datapath's netlink attribute format (OVS_KEY_ATTR_*, OVS_ACTION_ATTR_* of
 * linux/openvswitch.h), as dpif-netlink sends them to openvswitch.ko.
 *
 * Errors: every function returning int returns 0 or a positive errno value;
 * on failure ovsxdp_last_error() gives this thread's message for the call
 * (what failed, with which argument, what to do). No C++ exception crosses
 * this API.
 *
 * Threads: one handle may be used by any number of threads at once
 * (ovs-vswitchd's main thread, handlers and revalidators), except where a
 * function says otherwise. */
#ifndef OVSXDP_CAPI_H
#define OVSXDP_CAPI_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* This thread's message for its last failing call ("" if none). */
const char *ovsxdp_last_error(void);

/* ---- datapaths ---- */
struct ovsxdp_dp;

struct ovsxdp_dp_config {
  uint32_t max_flows;   /* 0: the library's default */
  uint32_t max_ports;   /* 0: default */
  uint32_t max_meters;  /* 0: default */
  bool upcall_misses;   /* misses go to the upcall channels (ovs-vswitchd); else dropped and counted */
};

/* Opens datapath `name` (pinned in bpffs, mounted here when missing). When
 * it does not exist: creates it if `create`, else ENOENT. An existing one is
 * adopted as it is: ports, flows and meters kept, `config` ignored (sizes are
 * fixed at creation). `*created` (may be NULL) says which happened.
 * upcall_misses false is EINVAL: ovsxdp always sends misses to its channels.
 * The environment variables OVSXDP_BPFFS and OVSXDP_RUN_DIR, when set, replace
 * /sys/fs/bpf and /run/ovsxdp (tests, sandboxes); every function that names a
 * datapath by name (open, enumerate, destroy) uses them. */
int ovsxdp_dp_open(const char *name, bool create, const struct ovsxdp_dp_config *config,
                   struct ovsxdp_dp **dp, bool *created);
/* Releases the handle; the datapath keeps forwarding from its pins. */
void ovsxdp_dp_close(struct ovsxdp_dp *dp);
/* Detaches every port, removes internal ports' devices and every pin. The
 * handle stays valid only for ovsxdp_dp_close(). */
int ovsxdp_dp_destroy(struct ovsxdp_dp *dp);
/* Names of the existing datapaths: calls `cb` once per name. */
int ovsxdp_dp_enumerate(void (*cb)(const char *name, void *aux), void *aux);

struct ovsxdp_dp_stats {
  uint64_t n_hit, n_missed, n_lost;  /* as dpif_dp_stats */
  uint64_t n_flows;
  uint64_t n_mask_hit;               /* masks probed by hits */
  uint32_t n_masks;
  uint64_t n_cache_hit;
};
int ovsxdp_dp_get_stats(struct ovsxdp_dp *dp, struct ovsxdp_dp_stats *stats);

/* ---- ports ---- */
#define OVSXDP_PORT_NAME_MAX 16
#define OVSXDP_ANY_PORT UINT32_MAX

enum ovsxdp_port_type {
  OVSXDP_PORT_SYSTEM = 0,    /* an existing device (veth, ...) */
  OVSXDP_PORT_INTERNAL = 1,  /* a device the datapath creates (the bridge's local port) */
};

struct ovsxdp_port {
  uint32_t port_no;
  enum ovsxdp_port_type type;
  char name[OVSXDP_PORT_NAME_MAX];
  uint32_t ifindex;
};

/* Adds `name` (an existing device for SYSTEM; created for INTERNAL, or
 * adopted when an internal port of that name already exists). `*port_no`:
 * in, the number wanted or OVSXDP_ANY_PORT; out, the number given.
 * EEXIST: name or number in use; ENODEV: no such device; EFBIG: no free number. */
int ovsxdp_port_add(struct ovsxdp_dp *dp, const char *name, enum ovsxdp_port_type type, uint32_t *port_no);
/* Removes a port (an internal port's device too). ENOENT: no such port. */
int ovsxdp_port_del(struct ovsxdp_dp *dp, uint32_t port_no);
int ovsxdp_port_query_by_number(struct ovsxdp_dp *dp, uint32_t port_no, struct ovsxdp_port *port);  /* ENOENT */
int ovsxdp_port_query_by_name(struct ovsxdp_dp *dp, const char *name, struct ovsxdp_port *port);    /* ENOENT */
/* All ports, in port-number order: `*ports` is malloc'ed (free with ovsxdp_free). */
int ovsxdp_port_dump(struct ovsxdp_dp *dp, struct ovsxdp_port **ports, size_t *n_ports);
/* A number that changes whenever a port is added or removed by anyone
 * (another process included): ofproto re-dumps the ports when it moves.
 * UINT64_MAX when it cannot be read (the message says why). */
uint64_t ovsxdp_port_generation(struct ovsxdp_dp *dp);

/* Veth ports whose peer came up after they were added take no XDP frames
 * until the peer's GRO is switched again (a kernel quirk: veth_open does not
 * mark the port a redirect target). Checks the ports not yet known to be
 * ready and fixes those whose peer is up; cheap once all are. Call it when
 * links change (ofproto's port_poll). Returns how many still wait. */
int ovsxdp_port_refresh(struct ovsxdp_dp *dp, size_t *n_waiting);

/* ---- flows ---- */
struct ovsxdp_dp_flow_stats {
  uint64_t n_packets;
  uint64_t n_bytes;
  long long used;     /* CLOCK_MONOTONIC ms of the last hit (OVS time_msec()), 0 = never */
  uint16_t tcp_flags;
};

#define OVSXDP_PUT_CREATE 1      /* may create */
#define OVSXDP_PUT_MODIFY 2      /* may replace the actions of an existing flow */
#define OVSXDP_PUT_ZERO_STATS 4  /* with MODIFY: zero the statistics */
#define OVSXDP_PUT_PROBE 8       /* a feature probe: refusals are expected (no logging) */

/* Installs or modifies a flow. `ufid` (16 bytes) may be NULL: one is derived
 * from the match. `old_stats` (may be NULL) gets a modified flow's statistics
 * before the change; `*created` (may be NULL) says whether it was created.
 * EEXIST: exists and no MODIFY; ENOENT: absent and no CREATE; EINVAL: a key,
 * mask or action list the kernel datapath would refuse, or one ovsxdp cannot
 * execute (the message names the attribute); EFBIG: table full. */
int ovsxdp_flow_put(struct ovsxdp_dp *dp, unsigned flags,
                    const void *key, size_t key_len, const void *mask, size_t mask_len,
                    const void *actions, size_t actions_len, const void *ufid,
                    struct ovsxdp_dp_flow_stats *old_stats, bool *created);
/* Deletes the flow named by `ufid` (when not NULL) or by its exact key.
 * ENOENT: no such flow. `stats` (may be NULL) gets its final statistics. */
int ovsxdp_flow_del(struct ovsxdp_dp *dp, const void *key, size_t key_len, const void *ufid,
                    struct ovsxdp_dp_flow_stats *stats);
int ovsxdp_flow_flush(struct ovsxdp_dp *dp);

/* A flow as dumped: pointers into buffers owned by whoever returned it.
 * (ovsxdp_dp_flow, ovsxdp_dp_flow_stats: ovsxdp_flow and ovsxdp_flow_stats
 * are the pinned maps' records in include/ovsxdp/abi/datapath.h.) */
struct ovsxdp_dp_flow {
  const void *key; size_t key_len;     /* netlink OVS_KEY_ATTR_* */
  const void *mask; size_t mask_len;   /* netlink OVS_KEY_ATTR_* */
  const void *actions; size_t actions_len;  /* netlink OVS_ACTION_ATTR_* */
  uint8_t ufid[16];
  bool ufid_present;                   /* installed with this UFID (else derived) */
  struct ovsxdp_dp_flow_stats stats;
};

/* Gets one flow by `ufid` or exact key; buffers live in `*buffer`
 * (malloc'ed; free with ovsxdp_free). ENOENT: no such flow. */
int ovsxdp_flow_get(struct ovsxdp_dp *dp, const void *key, size_t key_len, const void *ufid,
                    struct ovsxdp_dp_flow *flow, void **buffer);

/* Threaded dumps (dpif flow_dump_*): a dump is shared by several threads,
 * each with its own dump thread; every flow present for the whole dump is
 * returned exactly once. */
struct ovsxdp_flow_dump;
struct ovsxdp_flow_dump_thread;
int ovsxdp_flow_dump_start(struct ovsxdp_dp *dp, struct ovsxdp_flow_dump **dump);
void ovsxdp_flow_dump_finish(struct ovsxdp_flow_dump *dump);
struct ovsxdp_flow_dump_thread *ovsxdp_flow_dump_thread_create(struct ovsxdp_flow_dump *dump);
void ovsxdp_flow_dump_thread_destroy(struct ovsxdp_flow_dump_thread *thread);
/* Fills up to `max` flows; returns how many (0: the dump is over). The
 * flows' buffers stay valid until the next call on this thread. A flow the
 * netlink encoder cannot write is left out, with its error as this thread's
 * last error. */
int ovsxdp_flow_dump_next(struct ovsxdp_flow_dump_thread *thread, struct ovsxdp_dp_flow *flows, int max);

/* ---- packets ---- */
/* Runs `actions` on `packet` as the datapath would, really transmitting.
 * `key` supplies metadata (in_port, recirc_id, skb_mark, ...), netlink. */
int ovsxdp_execute(struct ovsxdp_dp *dp, const void *packet, size_t packet_len,
                   const void *key, size_t key_len, const void *actions, size_t actions_len);

/* ---- upcalls ---- */
/* Sets the number of upcall channels (ofproto's handler threads); each is a
 * BPF ring buffer with its own poll fd. Misses are spread over the channels
 * by flow hash; a userspace() action goes to the channel its pid names. */
int ovsxdp_upcall_set_channels(struct ovsxdp_dp *dp, uint32_t n_channels);
/* The pid userspace() actions sent from `port_no` should carry: ofproto's
 * dpif_port_get_pid. Channel hash % n_channels, as pid channel + 1; 0 when
 * the datapath has no channel (or on failure). */
uint32_t ovsxdp_upcall_pid(struct ovsxdp_dp *dp, uint32_t port_no, uint32_t hash);
/* The channel's pollable fd (readable when an upcall waits); -1 if none. */
int ovsxdp_upcall_fd(struct ovsxdp_dp *dp, uint32_t channel);

enum ovsxdp_upcall_type { OVSXDP_UPCALL_TYPE_MISS = 0, OVSXDP_UPCALL_TYPE_ACTION = 1 };
struct ovsxdp_upcall_msg {
  enum ovsxdp_upcall_type type;
  const void *packet; size_t packet_len;
  const void *key; size_t key_len;            /* netlink OVS_KEY_ATTR_*: the packet's full key */
  const void *userdata; size_t userdata_len;  /* OVS_USERSPACE_ATTR_USERDATA, ACTION only */
  uint32_t pid;
};
/* Takes one upcall from `channel`: EAGAIN when none waits. Buffers stay
 * valid until the next recv on that channel. One thread per channel. */
int ovsxdp_upcall_recv(struct ovsxdp_dp *dp, uint32_t channel, struct ovsxdp_upcall_msg *upcall);
/* Discards every upcall waiting on every channel. */
int ovsxdp_upcall_purge(struct ovsxdp_dp *dp);

/* ---- meters (one drop band, OVS semantics) ---- */
struct ovsxdp_meter_features {
  uint32_t max_meters;
  uint32_t max_bands;
  bool kbps, pktps, burst, stats;
};
/* All zero on failure (NULL dp). */
void ovsxdp_meter_get_features(struct ovsxdp_dp *dp, struct ovsxdp_meter_features *features);
struct ovsxdp_meter_stats {
  uint64_t packets, bytes;            /* everything metered */
  uint64_t band_packets, band_bytes;  /* dropped by the band */
  uint32_t duration_sec;              /* since configured */
};
#define OVSXDP_METER_KBPS 1
#define OVSXDP_METER_PKTPS 2
#define OVSXDP_METER_BURST 4
#define OVSXDP_METER_STATS 8
/* Adds or replaces meter `id` with one drop band of `rate` (kbit/s or
 * packets/s) and `burst` (0: the rate). EINVAL names what is unsupported. */
int ovsxdp_meter_set(struct ovsxdp_dp *dp, uint32_t id, unsigned flags, uint32_t rate, uint32_t burst);
int ovsxdp_meter_get(struct ovsxdp_dp *dp, uint32_t id, struct ovsxdp_meter_stats *stats);  /* ENOENT */
int ovsxdp_meter_del(struct ovsxdp_dp *dp, uint32_t id, struct ovsxdp_meter_stats *stats);  /* ENOENT; stats may be NULL */

/* ---- conntrack (ct() actions' connections) ---- */
/* A connection's tuple in one direction, as ct_dpif_tuple holds it. */
struct ovsxdp_ct_conn_tuple {
  uint8_t family;                /* 4 (IPv4) or 6 (IPv6) */
  uint8_t proto;                 /* IPPROTO_* */
  uint8_t src[16], dst[16];      /* IPv4: the first 4 bytes */
  uint16_t src_port, dst_port;   /* network byte order; 0 for ICMP and port-less protocols */
  uint16_t icmp_id;              /* network byte order; ICMP and ICMPv6 queries */
  uint8_t icmp_type, icmp_code;  /* the reply direction has the answer's type */
};
struct ovsxdp_ct_conn {
  struct ovsxdp_ct_conn_tuple orig, reply;
  uint16_t zone;
  uint32_t mark;
  uint8_t labels[16];                /* as OVS_KEY_ATTR_CT_LABELS carries them */
  uint64_t packets_orig, bytes_orig, packets_reply, bytes_reply;
  uint64_t start_ns;                 /* CLOCK_REALTIME nanoseconds of its creation */
  uint32_t timeout_sec;              /* seconds until it expires */
  uint8_t tcp_state_orig, tcp_state_reply;    /* CT_DPIF_TCPS_* of each end (TCP only) */
  uint8_t tcp_wscale_orig, tcp_wscale_reply;  /* window scale shifts */
};
/* A snapshot of the live connections (of `*zone` when not NULL): `*conns` is
 * malloc'ed (free with ovsxdp_free), `*n_conns` of them. */
int ovsxdp_ct_dump(struct ovsxdp_dp *dp, const uint16_t *zone, struct ovsxdp_ct_conn **conns, size_t *n_conns);
/* Without `tuple`: removes every connection, or those of `*zone`. With it:
 * the connection of `*zone` (zone 0 when NULL) whose original or reply
 * direction is `tuple`; ENOENT when there is none. */
int ovsxdp_ct_flush(struct ovsxdp_dp *dp, const uint16_t *zone, const struct ovsxdp_ct_conn_tuple *tuple);
/* The table's capacity (fixed at creation) and how many connections live. */
int ovsxdp_ct_get_maxconns(struct ovsxdp_dp *dp, uint32_t *maxconns);
int ovsxdp_ct_get_nconns(struct ovsxdp_dp *dp, uint32_t *nconns);

void ovsxdp_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
