/* The ovsxdp datapath (datapath_type=ovsxdp) for ovs-vswitchd: a dpif
 * provider over ovsxdp's C API (ovsxdp_capi.h), which keeps the datapath in
 * XDP programs and pinned BPF maps. Built into Open vSwitch's lib/ by
 * ovsxdp's build (cmake/OpenVSwitch.cmake), registered by
 * ovs/openvswitch-3.1.patch.
 *
 * It follows lib/dpif-netlink.c: keys, masks and actions cross the C API in
 * the kernel datapath's netlink format, upcalls arrive on one channel per
 * handler thread, and the datapath outlives ovs-vswitchd (pinned in bpffs):
 * the next ovs-vswitchd adopts it with its ports and flows.
 *
 * Logging: start-up is silent above DBG (OVS's system tests fail on any
 * INFO line); failures log the C API's message at WARN (rate-limited),
 * except feature probes, whose refusals are expected. */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <ovsxdp_capi.h>

#include "ct-dpif.h"
#include "dp-packet.h"
#include "dpif-provider.h"
#include "fat-rwlock.h"
#include "hash.h"
#include "netdev.h"
#include "netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpif_ovsxdp);

static struct vlog_rate_limit error_rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* How often port_poll_wait wakes to compare the port generation: ports
 * added by another process (ovsxdp-dpctl) have no notification. */
#define PORT_POLL_INTERVAL_MS 1000
/* ... and how often while a veth port waits for its peer to come up. */
#define PORT_WAITING_POLL_MS 50

struct dpif_ovsxdp {
    struct dpif dpif;
    struct ovsxdp_dp *dp;

    /* Upcall channels: the count is changed by the main thread while
     * handlers receive, so they hold this lock to read. */
    struct fat_rwlock upcall_lock;
    uint32_t n_handlers;        /* handlers_set; 0 until set. */
    bool recv_enabled;          /* recv_set. */
    uint32_t n_channels;        /* What the C API has now. */

    /* Set by destroy: the datapath is gone, its handle waits for close. */
    bool destroyed;

    /* port_poll: the generation ofproto last saw. */
    struct ovs_mutex port_mutex;
    uint64_t port_generation OVS_GUARDED;
    size_t ports_waiting OVS_GUARDED;   /* Veth ports whose peer is down. */
};

static struct dpif_ovsxdp *
dpif_ovsxdp_cast(const struct dpif *dpif)
{
    dpif_assert_class(dpif, &dpif_ovsxdp_class);
    return CONTAINER_OF(dpif, struct dpif_ovsxdp, dpif);
}

/* Logs a failed C API call, with the library's message: at WARN, or at DBG
 * when 'quiet' (feature probes and refusals the caller expects). */
static void
log_failure(const struct dpif *dpif, const char *what, int error, bool quiet)
{
    if (!error) {
        return;
    }
    if (quiet) {
        VLOG_DBG("%s: %s failed (%s): %s", dpif_name(dpif), what,
                 ovs_strerror(error), ovsxdp_last_error());
    } else {
        VLOG_WARN_RL(&error_rl, "%s: %s failed (%s): %s", dpif_name(dpif), what,
                     ovs_strerror(error), ovsxdp_last_error());
    }
}

/* ---- datapaths ---- */

/* ofproto-dpif deletes every datapath of its type that enumerate lists,
 * other than its backer ("ovs-ovsxdp"). ovsxdp datapaths made with
 * ovsxdp-dpctl for other uses are not ovs-vswitchd's to delete, so only
 * the names ofproto gives its backers ("ovs-" and the type) are listed. */
static void
enumerate_cb(const char *name, void *all_dps_)
{
    struct sset *all_dps = all_dps_;

    if (!strncmp(name, "ovs-", 4)) {
        sset_add(all_dps, name);
    }
}

static int
dpif_ovsxdp_enumerate(struct sset *all_dps,
                      const struct dpif_class *dpif_class OVS_UNUSED)
{
    int error = ovsxdp_dp_enumerate(enumerate_cb, all_dps);

    if (error) {
        VLOG_WARN_RL(&error_rl, "enumerating ovsxdp datapaths failed (%s): %s",
                     ovs_strerror(error), ovsxdp_last_error());
    }
    return error;
}

/* Internal ports stay "internal": the C API creates a Linux device (a veth
 * whose peer carries the XDP program), which netdev-linux's internal class
 * drives as it drives the kernel datapath's internal devices. */
static const char *
dpif_ovsxdp_port_open_type(const struct dpif_class *dpif_class OVS_UNUSED,
                           const char *type)
{
    return type;
}

static int
dpif_ovsxdp_open(const struct dpif_class *dpif_class, const char *name,
                 bool create, struct dpif **dpifp)
{
    struct ovsxdp_dp_config config = { .upcall_misses = true };
    struct ovsxdp_dp *dp;
    bool created = false;
    int error;

    error = ovsxdp_dp_open(name, create, &config, &dp, &created);
    if (error) {
        if (error != ENOENT) {
            VLOG_WARN_RL(&error_rl, "%s: opening the ovsxdp datapath failed (%s): %s",
                         name, ovs_strerror(error), ovsxdp_last_error());
        }
        return error;
    }
    if (create && !created) {
        /* As the kernel datapath: dpif_create_and_open() opens it again
         * without 'create', and adopts it as it is (no flush). */
        ovsxdp_dp_close(dp);
        return EEXIST;
    }
    VLOG_DBG("%s: %s the ovsxdp datapath", name, created ? "created" : "adopted");

    struct dpif_ovsxdp *dpif = xzalloc(sizeof *dpif);
    uint32_t id = hash_string(name, 0);
    dpif_init(&dpif->dpif, dpif_class, name, id >> 8, id & 0xff);
    dpif->dp = dp;
    fat_rwlock_init(&dpif->upcall_lock);
    ovs_mutex_init(&dpif->port_mutex);
    dpif->port_generation = ovsxdp_port_generation(dp);
    *dpifp = &dpif->dpif;
    return 0;
}

static void
dpif_ovsxdp_close(struct dpif *dpif_)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);

    ovsxdp_dp_close(dpif->dp);
    fat_rwlock_destroy(&dpif->upcall_lock);
    ovs_mutex_destroy(&dpif->port_mutex);
    free(dpif);
}

static int
dpif_ovsxdp_destroy(struct dpif *dpif_)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    int error = ovsxdp_dp_destroy(dpif->dp);

    dpif->destroyed = true;
    log_failure(dpif_, "destroying the datapath", error, false);
    return error;
}

static int
dpif_ovsxdp_get_stats(const struct dpif *dpif_, struct dpif_dp_stats *stats)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_dp_stats s;
    int error = ovsxdp_dp_get_stats(dpif->dp, &s);

    if (error) {
        log_failure(dpif_, "reading the datapath's statistics", error, false);
        return error;
    }
    memset(stats, 0, sizeof *stats);
    stats->n_hit = s.n_hit;
    stats->n_missed = s.n_missed;
    stats->n_lost = s.n_lost;
    stats->n_flows = s.n_flows;
    stats->n_mask_hit = s.n_mask_hit;
    stats->n_masks = s.n_masks;
    stats->n_cache_hit = s.n_cache_hit;
    return 0;
}

/* ---- ports ---- */

static const char *
port_type_name(enum ovsxdp_port_type type)
{
    return type == OVSXDP_PORT_INTERNAL ? "internal" : "system";
}

static void
port_to_dpif_port(const struct ovsxdp_port *p, struct dpif_port *port)
{
    port->name = xstrdup(p->name);
    port->type = xstrdup(port_type_name(p->type));
    port->port_no = u32_to_odp(p->port_no);
}

static int
dpif_ovsxdp_port_add(struct dpif *dpif_, struct netdev *netdev,
                     odp_port_t *port_nop)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    const char *name = netdev_get_name(netdev);
    const char *type = netdev_get_type(netdev);
    enum ovsxdp_port_type port_type;

    if (!strcmp(type, "internal")) {
        port_type = OVSXDP_PORT_INTERNAL;
    } else if (!strcmp(type, "system") || !strcmp(type, "tap")) {
        /* A tap device is an existing Linux device like any other. */
        port_type = OVSXDP_PORT_SYSTEM;
    } else {
        VLOG_WARN_RL(&error_rl, "%s: cannot add port `%s': ovsxdp has no ports "
                     "of type `%s' (it has system and internal ports)",
                     dpif_name(dpif_), name, type);
        return EINVAL;
    }

    uint32_t port_no = (*port_nop == ODPP_NONE ? OVSXDP_ANY_PORT
                        : odp_to_u32(*port_nop));
    int error = ovsxdp_port_add(dpif->dp, name, port_type, &port_no);
    if (error) {
        log_failure(dpif_, "adding a port", error, false);
        return error;
    }
    *port_nop = u32_to_odp(port_no);
    return 0;
}

static int
dpif_ovsxdp_port_del(struct dpif *dpif_, odp_port_t port_no)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    int error = ovsxdp_port_del(dpif->dp, odp_to_u32(port_no));

    log_failure(dpif_, "removing a port", error, error == ENOENT);
    return error;
}

static int
dpif_ovsxdp_port_query_by_number(const struct dpif *dpif_, odp_port_t port_no,
                                 struct dpif_port *port)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_port p;
    int error = ovsxdp_port_query_by_number(dpif->dp, odp_to_u32(port_no), &p);

    if (error) {
        log_failure(dpif_, "querying a port by number", error, error == ENOENT);
        return error;
    }
    if (port) {
        port_to_dpif_port(&p, port);
    }
    return 0;
}

static int
dpif_ovsxdp_port_query_by_name(const struct dpif *dpif_, const char *devname,
                               struct dpif_port *port)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_port p;
    int error = ovsxdp_port_query_by_name(dpif->dp, devname, &p);

    if (error) {
        /* ENODEV, as the kernel datapath says of a name it does not have. */
        if (error == ENOENT) {
            return ENODEV;
        }
        log_failure(dpif_, "querying a port by name", error, false);
        return error;
    }
    if (port) {
        port_to_dpif_port(&p, port);
    }
    return 0;
}

static uint32_t
dpif_ovsxdp_port_get_pid(const struct dpif *dpif_, odp_port_t port_no)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);

    /* Spread ports' userspace() upcalls over the channels, as dpif-netlink
     * gives each port its own handler. */
    return ovsxdp_upcall_pid(dpif->dp, odp_to_u32(port_no),
                             hash_int(odp_to_u32(port_no), 0));
}

struct port_dump_state {
    struct ovsxdp_port *ports;
    size_t n_ports;
    size_t next;
    struct dpif_port last;      /* Owned until the next call. */
};

static int
dpif_ovsxdp_port_dump_start(const struct dpif *dpif_, void **statep)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct port_dump_state *state = xzalloc(sizeof *state);
    /* ofproto may still walk the ports of a datapath it just deleted
     * (del-br of its last bridge): a destroyed datapath has none. */
    int error = (dpif->destroyed ? 0
                 : ovsxdp_port_dump(dpif->dp, &state->ports, &state->n_ports));

    if (error) {
        log_failure(dpif_, "dumping the ports", error, false);
        free(state);
        return error;
    }
    *statep = state;
    return 0;
}

static int
dpif_ovsxdp_port_dump_next(const struct dpif *dpif_ OVS_UNUSED, void *state_,
                           struct dpif_port *port)
{
    struct port_dump_state *state = state_;

    dpif_port_destroy(&state->last);
    memset(&state->last, 0, sizeof state->last);
    if (state->next >= state->n_ports) {
        return EOF;
    }
    port_to_dpif_port(&state->ports[state->next++], &state->last);
    *port = state->last;
    return 0;
}

static int
dpif_ovsxdp_port_dump_done(const struct dpif *dpif_ OVS_UNUSED, void *state_)
{
    struct port_dump_state *state = state_;

    dpif_port_destroy(&state->last);
    ovsxdp_free(state->ports);
    free(state);
    return 0;
}

/* The C API counts port changes (by any process) without naming them:
 * ENOBUFS makes ofproto re-dump the ports. */
static int
dpif_ovsxdp_port_poll(const struct dpif *dpif_, char **devnamep OVS_UNUSED)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    uint64_t generation = ovsxdp_port_generation(dpif->dp);
    size_t waiting = 0;
    int error = EAGAIN;

    /* A veth port added while its peer was down takes no XDP frames until
     * the peer is up and its GRO switched again (ovsxdp_port_refresh). */
    if (!dpif->destroyed && ovsxdp_port_refresh(dpif->dp, &waiting)) {
        log_failure(dpif_, "refreshing the ports", EIO, true);
    }
    ovs_mutex_lock(&dpif->port_mutex);
    dpif->ports_waiting = waiting;
    if (generation != dpif->port_generation) {
        dpif->port_generation = generation;
        error = ENOBUFS;
    }
    ovs_mutex_unlock(&dpif->port_mutex);
    return error;
}

static void
dpif_ovsxdp_port_poll_wait(const struct dpif *dpif_)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    uint64_t generation = ovsxdp_port_generation(dpif->dp);
    bool changed;

    size_t waiting;

    ovs_mutex_lock(&dpif->port_mutex);
    changed = generation != dpif->port_generation;
    waiting = dpif->ports_waiting;
    ovs_mutex_unlock(&dpif->port_mutex);
    if (changed) {
        poll_immediate_wake();
    } else if (waiting) {
        poll_timer_wait(PORT_WAITING_POLL_MS);
    } else {
        poll_timer_wait(PORT_POLL_INTERVAL_MS);
    }
}

/* ---- flows ---- */

static void
stats_from_capi(struct dpif_flow_stats *stats, const struct ovsxdp_dp_flow_stats *s)
{
    stats->n_packets = s->n_packets;
    stats->n_bytes = s->n_bytes;
    stats->used = s->used;
    stats->tcp_flags = s->tcp_flags;
}

static int
dpif_ovsxdp_flow_flush(struct dpif *dpif_)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    int error = ovsxdp_flow_flush(dpif->dp);

    log_failure(dpif_, "flushing the flows", error, false);
    return error;
}

static void
flow_from_capi(struct dpif_flow *flow, const struct ovsxdp_dp_flow *f, bool terse)
{
    memset(flow, 0, sizeof *flow);
    /* A terse dump gives what the revalidators need of a flow they know by
     * its UFID; a flow without one is known only by its key. */
    if (!terse || !f->ufid_present) {
        flow->key = f->key;
        flow->key_len = f->key_len;
        flow->mask = f->mask;
        flow->mask_len = f->mask_len;
        flow->actions = f->actions;
        flow->actions_len = f->actions_len;
    }
    memcpy(&flow->ufid, f->ufid, sizeof flow->ufid);
    flow->ufid_present = f->ufid_present;
    flow->pmd_id = PMD_ID_NULL;
    stats_from_capi(&flow->stats, &f->stats);
    flow->attrs.offloaded = false;
    flow->attrs.dp_layer = "ovs";
    flow->attrs.dp_extra_info = NULL;
}

struct dpif_ovsxdp_flow_dump {
    struct dpif_flow_dump up;
    struct ovsxdp_flow_dump *dump;   /* NULL if the start failed. */
    int error;
};

struct dpif_ovsxdp_flow_dump_thread {
    struct dpif_flow_dump_thread up;
    struct dpif_ovsxdp_flow_dump *dump;
    struct ovsxdp_flow_dump_thread *thread;
    struct ovsxdp_dp_flow *flows;
    int max_flows;
};

static struct dpif_ovsxdp_flow_dump *
flow_dump_cast(struct dpif_flow_dump *dump)
{
    return CONTAINER_OF(dump, struct dpif_ovsxdp_flow_dump, up);
}

static struct dpif_ovsxdp_flow_dump_thread *
flow_dump_thread_cast(struct dpif_flow_dump_thread *thread)
{
    return CONTAINER_OF(thread, struct dpif_ovsxdp_flow_dump_thread, up);
}

static struct dpif_flow_dump *
dpif_ovsxdp_flow_dump_create(const struct dpif *dpif_, bool terse,
                             struct dpif_flow_dump_types *types OVS_UNUSED)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct dpif_ovsxdp_flow_dump *dump = xzalloc(sizeof *dump);

    dpif_flow_dump_init(&dump->up, dpif_);
    dump->up.terse = terse;
    dump->error = ovsxdp_flow_dump_start(dpif->dp, &dump->dump);
    if (dump->error) {
        log_failure(dpif_, "starting a flow dump", dump->error, false);
        dump->dump = NULL;
    }
    return &dump->up;
}

static int
dpif_ovsxdp_flow_dump_destroy(struct dpif_flow_dump *dump_)
{
    struct dpif_ovsxdp_flow_dump *dump = flow_dump_cast(dump_);
    int error = dump->error;

    if (dump->dump) {
        ovsxdp_flow_dump_finish(dump->dump);
    }
    free(dump);
    return error;
}

static struct dpif_flow_dump_thread *
dpif_ovsxdp_flow_dump_thread_create(struct dpif_flow_dump *dump_)
{
    struct dpif_ovsxdp_flow_dump *dump = flow_dump_cast(dump_);
    struct dpif_ovsxdp_flow_dump_thread *thread = xzalloc(sizeof *thread);

    dpif_flow_dump_thread_init(&thread->up, &dump->up);
    thread->dump = dump;
    if (dump->dump) {
        thread->thread = ovsxdp_flow_dump_thread_create(dump->dump);
    }
    return &thread->up;
}

static void
dpif_ovsxdp_flow_dump_thread_destroy(struct dpif_flow_dump_thread *thread_)
{
    struct dpif_ovsxdp_flow_dump_thread *thread = flow_dump_thread_cast(thread_);

    if (thread->thread) {
        ovsxdp_flow_dump_thread_destroy(thread->thread);
    }
    free(thread->flows);
    free(thread);
}

static int
dpif_ovsxdp_flow_dump_next(struct dpif_flow_dump_thread *thread_,
                           struct dpif_flow *flows, int max_flows)
{
    struct dpif_ovsxdp_flow_dump_thread *thread = flow_dump_thread_cast(thread_);

    if (!thread->thread || max_flows <= 0) {
        return 0;
    }
    if (thread->max_flows < max_flows) {
        free(thread->flows);
        thread->flows = xcalloc(max_flows, sizeof *thread->flows);
        thread->max_flows = max_flows;
    }
    int n = ovsxdp_flow_dump_next(thread->thread, thread->flows, max_flows);
    if (n < 0) {
        thread->dump->error = -n;
        log_failure(&dpif_ovsxdp_cast(thread->up.dpif)->dpif, "dumping the flows",
                    -n, false);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        flow_from_capi(&flows[i], &thread->flows[i], thread->dump->up.terse);
    }
    return n;
}

/* At DBG, each flow operation with its flow in OVS's text: what a probe or
 * a handler asked and what ovsxdp answered. */
static void
log_flow_op(const struct dpif_ovsxdp *dpif, const char *op, const void *key,
            size_t key_len, const void *mask, size_t mask_len,
            const void *actions, size_t actions_len, int error)
{
    if (!VLOG_IS_DBG_ENABLED()) {
        return;
    }
    struct ds ds = DS_EMPTY_INITIALIZER;
    if (key_len) {
        odp_flow_format(key, key_len, mask, mask_len, NULL, &ds, true);
    }
    if (actions) {
        ds_put_cstr(&ds, ", actions:");
        format_odp_actions(&ds, actions, actions_len, NULL);
    }
    VLOG_DBG("%s: %s %s: %s", dpif_name(&dpif->dpif), op, ds_cstr(&ds),
             error ? ovs_strerror(error) : "ok");
    ds_destroy(&ds);
}

static unsigned
put_flags_to_capi(enum dpif_flow_put_flags flags)
{
    return ((flags & DPIF_FP_CREATE ? OVSXDP_PUT_CREATE : 0)
            | (flags & DPIF_FP_MODIFY ? OVSXDP_PUT_MODIFY : 0)
            | (flags & DPIF_FP_ZERO_STATS ? OVSXDP_PUT_ZERO_STATS : 0)
            | (flags & DPIF_FP_PROBE ? OVSXDP_PUT_PROBE : 0));
}

static int
flow_put(struct dpif_ovsxdp *dpif, struct dpif_flow_put *put)
{
    struct ovsxdp_dp_flow_stats old_stats;
    bool created = false;
    int error;

    memset(&old_stats, 0, sizeof old_stats);
    error = ovsxdp_flow_put(dpif->dp, put_flags_to_capi(put->flags),
                            put->key, put->key_len, put->mask, put->mask_len,
                            put->actions, put->actions_len, put->ufid,
                            &old_stats, &created);
    log_flow_op(dpif, "put", put->key, put->key_len, put->mask, put->mask_len,
                put->actions, put->actions_len, error);
    /* EEXIST: a handler raced another to install the same flow. */
    log_failure(&dpif->dpif, "installing a flow", error,
                (put->flags & DPIF_FP_PROBE) || error == EEXIST);
    if (!error && put->stats) {
        /* A new flow has no statistics; a modified one had these. */
        memset(put->stats, 0, sizeof *put->stats);
        if (!created) {
            stats_from_capi(put->stats, &old_stats);
        }
    }
    return error;
}

static int
flow_del(struct dpif_ovsxdp *dpif, struct dpif_flow_del *del)
{
    struct ovsxdp_dp_flow_stats stats;
    int error;

    memset(&stats, 0, sizeof stats);
    error = ovsxdp_flow_del(dpif->dp, del->key, del->key_len, del->ufid, &stats);
    log_flow_op(dpif, "del", del->key, del->key_len, NULL, 0, NULL, 0, error);
    /* ENOENT: the flow expired or was deleted by another thread. */
    log_failure(&dpif->dpif, "deleting a flow", error, error == ENOENT);
    if (!error && del->stats) {
        memset(del->stats, 0, sizeof *del->stats);
        stats_from_capi(del->stats, &stats);
    }
    return error;
}

/* The flow's attributes go into the caller's buffer, which owns them. */
static int
flow_get(struct dpif_ovsxdp *dpif, struct dpif_flow_get *get)
{
    struct ovsxdp_dp_flow f;
    void *buffer = NULL;
    int error;

    error = ovsxdp_flow_get(dpif->dp, get->key, get->key_len, get->ufid, &f, &buffer);
    log_flow_op(dpif, "get", get->key, get->key_len, NULL, 0, NULL, 0, error);
    if (error) {
        log_failure(&dpif->dpif, "getting a flow", error, error == ENOENT);
        ovsxdp_free(buffer);
        return error;
    }
    size_t size = f.key_len + f.mask_len + f.actions_len;
    if (get->buffer->source == OFPBUF_STACK && ofpbuf_tailroom(get->buffer) < size) {
        /* A stack buffer cannot grow (dpif_probe_feature's is 2 kB). */
        VLOG_WARN_RL(&error_rl, "%s: a flow of %"PRIuSIZE" bytes does not fit the "
                     "caller's %"PRIuSIZE"-byte buffer", dpif_name(&dpif->dpif),
                     size, ofpbuf_tailroom(get->buffer));
        ovsxdp_free(buffer);
        return ENOSPC;
    }
    ofpbuf_prealloc_tailroom(get->buffer, size);
    struct ovsxdp_dp_flow copy = f;
    copy.key = ofpbuf_put(get->buffer, f.key, f.key_len);
    copy.mask = ofpbuf_put(get->buffer, f.mask, f.mask_len);
    copy.actions = ofpbuf_put(get->buffer, f.actions, f.actions_len);
    ovsxdp_free(buffer);
    flow_from_capi(get->flow, &copy, false);
    return 0;
}

static int
execute(struct dpif_ovsxdp *dpif, struct dpif_execute *exec)
{
    uint64_t key_stub[1024 / 8];
    struct ofpbuf key;
    int error;

    /* The packet's metadata (in_port, skb_mark, recirc_id, ...) as a key. */
    ofpbuf_use_stub(&key, key_stub, sizeof key_stub);
    odp_key_from_dp_packet(&key, exec->packet);
    error = ovsxdp_execute(dpif->dp, dp_packet_data(exec->packet),
                           dp_packet_size(exec->packet), key.data, key.size,
                           exec->actions, exec->actions_len);
    ofpbuf_uninit(&key);
    log_failure(&dpif->dpif, "executing actions on a packet", error, exec->probe);
    return error;
}

static void
dpif_ovsxdp_operate(struct dpif *dpif_, struct dpif_op **ops, size_t n_ops,
                    enum dpif_offload_type offload_type OVS_UNUSED)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);

    for (size_t i = 0; i < n_ops; i++) {
        struct dpif_op *op = ops[i];

        switch (op->type) {
        case DPIF_OP_FLOW_PUT:
            op->error = flow_put(dpif, &op->flow_put);
            break;
        case DPIF_OP_FLOW_DEL:
            op->error = flow_del(dpif, &op->flow_del);
            break;
        case DPIF_OP_FLOW_GET:
            op->error = flow_get(dpif, &op->flow_get);
            break;
        case DPIF_OP_EXECUTE:
            op->error = execute(dpif, &op->execute);
            break;
        default:
            op->error = EOPNOTSUPP;
            break;
        }
    }
}

/* ---- upcalls ---- */

/* With the upcall lock held for writing: the channels the C API should
 * have, one per handler while receiving is enabled. */
static int
refresh_channels(struct dpif_ovsxdp *dpif)
{
    uint32_t n = dpif->recv_enabled ? MAX(dpif->n_handlers, 1) : 0;
    int error = 0;

    if (n && n != dpif->n_channels) {
        error = ovsxdp_upcall_set_channels(dpif->dp, n);
        if (error) {
            log_failure(&dpif->dpif, "setting up the upcall channels", error, false);
        } else {
            dpif->n_channels = n;
        }
    }
    return error;
}

static int
dpif_ovsxdp_recv_set(struct dpif *dpif_, bool enable)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    int error;

    fat_rwlock_wrlock(&dpif->upcall_lock);
    dpif->recv_enabled = enable;
    error = refresh_channels(dpif);
    fat_rwlock_unlock(&dpif->upcall_lock);
    return error;
}

static int
dpif_ovsxdp_handlers_set(struct dpif *dpif_, uint32_t n_handlers)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    int error;

    fat_rwlock_wrlock(&dpif->upcall_lock);
    dpif->n_handlers = n_handlers;
    error = refresh_channels(dpif);
    fat_rwlock_unlock(&dpif->upcall_lock);
    return error;
}

/* The upcall's packet, key and userdata, copied into 'buf' (which the
 * caller owns and reuses); pointers are taken once it has room for all. */
static void
upcall_from_capi(struct dpif_upcall *upcall, const struct ovsxdp_upcall_msg *msg,
                 struct ofpbuf *buf)
{
    /* Headroom lets the packet grow at its front (a pushed header) without
     * a copy, as dpif-netlink's packets can by the netlink header. */
    enum { HEADROOM = 64 };
    size_t userdata_size = msg->userdata ? NLA_ALIGN(NLA_HDRLEN + msg->userdata_len) : 0;

    ofpbuf_clear(buf);
    ofpbuf_prealloc_tailroom(buf, NLA_ALIGN(msg->key_len) + userdata_size
                             + HEADROOM + msg->packet_len);

    memset(upcall, 0, sizeof *upcall);
    upcall->type = msg->type == OVSXDP_UPCALL_TYPE_ACTION ? DPIF_UC_ACTION : DPIF_UC_MISS;
    upcall->key = ofpbuf_put(buf, msg->key, msg->key_len);
    upcall->key_len = msg->key_len;
    ofpbuf_put_zeros(buf, NLA_ALIGN(msg->key_len) - msg->key_len);
    odp_flow_key_hash(upcall->key, upcall->key_len, &upcall->ufid);
    if (msg->userdata) {
        size_t offset = buf->size;
        nl_msg_put_unspec(buf, OVS_USERSPACE_ATTR_USERDATA, msg->userdata,
                          msg->userdata_len);
        upcall->userdata = ofpbuf_at_assert(buf, offset, NLA_HDRLEN);
    }
    void *base = ofpbuf_put_uninit(buf, HEADROOM + msg->packet_len);
    memcpy((char *) base + HEADROOM, msg->packet, msg->packet_len);
    dp_packet_use_stub(&upcall->packet, base, HEADROOM + msg->packet_len);
    dp_packet_set_data(&upcall->packet, (char *) base + HEADROOM);
    dp_packet_set_size(&upcall->packet, msg->packet_len);

    /* A packet with no Ethernet header (after pop_eth) is told by its key,
     * as with the kernel: no OVS_KEY_ATTR_ETHERNET, its EtherType alone.
     * ofproto re-extracts the flow from the packet, so its type must say so. */
    if (nl_attr_find__(upcall->key, upcall->key_len, OVS_KEY_ATTR_ETHERNET)) {
        upcall->packet.packet_type = htonl(PT_ETH);
    } else {
        const struct nlattr *ethertype = nl_attr_find__(upcall->key, upcall->key_len,
                                                        OVS_KEY_ATTR_ETHERTYPE);
        upcall->packet.packet_type =
            PACKET_TYPE_BE(OFPHTN_ETHERTYPE, ethertype ? ntohs(nl_attr_get_be16(ethertype)) : 0);
        dp_packet_set_l3(&upcall->packet, dp_packet_data(&upcall->packet));
    }
}

static int
dpif_ovsxdp_recv(struct dpif *dpif_, uint32_t handler_id,
                 struct dpif_upcall *upcall, struct ofpbuf *buf)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_upcall_msg msg;
    int error = EAGAIN;

    fat_rwlock_rdlock(&dpif->upcall_lock);
    if (dpif->recv_enabled && handler_id < dpif->n_channels) {
        error = ovsxdp_upcall_recv(dpif->dp, handler_id, &msg);
        if (!error) {
            upcall_from_capi(upcall, &msg, buf);
        } else if (error != EAGAIN) {
            log_failure(dpif_, "receiving an upcall", error, false);
        }
    }
    fat_rwlock_unlock(&dpif->upcall_lock);
    return error;
}

static void
dpif_ovsxdp_recv_wait(struct dpif *dpif_, uint32_t handler_id)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);

    fat_rwlock_rdlock(&dpif->upcall_lock);
    if (dpif->recv_enabled && handler_id < dpif->n_channels) {
        int fd = ovsxdp_upcall_fd(dpif->dp, handler_id);
        if (fd >= 0) {
            poll_fd_wait(fd, POLLIN);
        }
    }
    fat_rwlock_unlock(&dpif->upcall_lock);
}

static void
dpif_ovsxdp_recv_purge(struct dpif *dpif_)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);

    fat_rwlock_wrlock(&dpif->upcall_lock);
    if (dpif->n_channels) {
        log_failure(dpif_, "purging the upcalls", ovsxdp_upcall_purge(dpif->dp), false);
    }
    fat_rwlock_unlock(&dpif->upcall_lock);
}

/* ---- meters: one drop band each ---- */

static void
dpif_ovsxdp_meter_get_features(const struct dpif *dpif_,
                               struct ofputil_meter_features *features)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_meter_features f;

    memset(&f, 0, sizeof f);
    ovsxdp_meter_get_features(dpif->dp, &f);
    features->max_meters = f.max_meters;
    features->band_types = f.max_bands ? 1 << OFPMBT13_DROP : 0;
    features->capabilities = ((f.kbps ? OFPMF13_KBPS : 0) | (f.pktps ? OFPMF13_PKTPS : 0)
                              | (f.burst ? OFPMF13_BURST : 0)
                              | (f.stats ? OFPMF13_STATS : 0));
    features->max_bands = MIN(f.max_bands, UINT8_MAX);
    features->max_color = 0;
}

static int
dpif_ovsxdp_meter_set(struct dpif *dpif_, ofproto_meter_id meter_id,
                      struct ofputil_meter_config *config)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);

    if (config->n_bands != 1 || config->bands[0].type != OFPMBT13_DROP) {
        VLOG_WARN_RL(&error_rl, "%s: meter %"PRIu32": ovsxdp meters have exactly "
                     "one band, of type drop (this one has %"PRIu16" bands)",
                     dpif_name(dpif_), meter_id.uint32, config->n_bands);
        return config->n_bands == 1 ? ENODEV : EINVAL;
    }
    unsigned flags = ((config->flags & OFPMF13_KBPS ? OVSXDP_METER_KBPS : 0)
                      | (config->flags & OFPMF13_PKTPS ? OVSXDP_METER_PKTPS : 0)
                      | (config->flags & OFPMF13_BURST ? OVSXDP_METER_BURST : 0)
                      | (config->flags & OFPMF13_STATS ? OVSXDP_METER_STATS : 0));
    if (config->flags & ~(OFPMF13_KBPS | OFPMF13_PKTPS | OFPMF13_BURST | OFPMF13_STATS)) {
        return EBADF;           /* As dpif-netlink: flags it does not know. */
    }
    const struct ofputil_meter_band *band = &config->bands[0];
    int error = ovsxdp_meter_set(dpif->dp, meter_id.uint32, flags, band->rate,
                                 config->flags & OFPMF13_BURST ? band->burst_size : 0);
    log_failure(dpif_, "setting a meter", error, false);
    return error;
}

static void
meter_stats_from_capi(struct ofputil_meter_stats *stats, uint16_t n_bands,
                      const struct ovsxdp_meter_stats *s)
{
    stats->packet_in_count = s->packets;
    stats->byte_in_count = s->bytes;
    stats->duration_sec = s->duration_sec;
    stats->duration_nsec = 0;
    stats->n_bands = MIN(n_bands, 1);
    if (stats->n_bands) {
        stats->bands[0].packet_count = s->band_packets;
        stats->bands[0].byte_count = s->band_bytes;
    }
}

static int
dpif_ovsxdp_meter_get(const struct dpif *dpif_, ofproto_meter_id meter_id,
                      struct ofputil_meter_stats *stats, uint16_t n_bands)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_meter_stats s;
    int error = ovsxdp_meter_get(dpif->dp, meter_id.uint32, &s);

    if (error) {
        log_failure(dpif_, "reading a meter", error, error == ENOENT);
        return error;
    }
    if (stats) {
        meter_stats_from_capi(stats, n_bands, &s);
    }
    return 0;
}

static int
dpif_ovsxdp_meter_del(struct dpif *dpif_, ofproto_meter_id meter_id,
                      struct ofputil_meter_stats *stats, uint16_t n_bands)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_meter_stats s;
    int error = ovsxdp_meter_del(dpif->dp, meter_id.uint32, &s);

    if (error) {
        log_failure(dpif_, "deleting a meter", error, error == ENOENT);
        return error;
    }
    if (stats) {
        meter_stats_from_capi(stats, n_bands, &s);
    }
    return 0;
}

/* Conntrack: ovsxdp's own tracker (the datapath's ct() actions). A dump
 * is a snapshot taken at ct_dump_start. */
struct dpif_ovsxdp_ct_dump {
    struct ct_dpif_dump_state up;
    struct ovsxdp_ct_conn *conns;
    size_t n_conns;
    size_t next;
};

static void
ct_tuple_from_capi(struct ct_dpif_tuple *out, const struct ovsxdp_ct_conn_tuple *t)
{
    memset(out, 0, sizeof *out);
    out->l3_type = t->family == 4 ? AF_INET : AF_INET6;
    out->ip_proto = t->proto;
    memcpy(&out->src, t->src, t->family == 4 ? 4 : 16);
    memcpy(&out->dst, t->dst, t->family == 4 ? 4 : 16);
    if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
        out->icmp_id = t->icmp_id;
        out->icmp_type = t->icmp_type;
        out->icmp_code = t->icmp_code;
    } else {
        out->src_port = t->src_port;
        out->dst_port = t->dst_port;
    }
}

static void
ct_tuple_to_capi(struct ovsxdp_ct_conn_tuple *out, const struct ct_dpif_tuple *t)
{
    memset(out, 0, sizeof *out);
    out->family = t->l3_type == AF_INET ? 4 : t->l3_type == AF_INET6 ? 6 : 0;
    out->proto = t->ip_proto;
    memcpy(out->src, &t->src, t->l3_type == AF_INET ? 4 : 16);
    memcpy(out->dst, &t->dst, t->l3_type == AF_INET ? 4 : 16);
    if (t->ip_proto == IPPROTO_ICMP || t->ip_proto == IPPROTO_ICMPV6) {
        out->icmp_id = t->icmp_id;
        out->icmp_type = t->icmp_type;
        out->icmp_code = t->icmp_code;
    } else {
        out->src_port = t->src_port;
        out->dst_port = t->dst_port;
    }
}

static int
dpif_ovsxdp_ct_dump_start(struct dpif *dpif_, struct ct_dpif_dump_state **state,
                          const uint16_t *zone, int *ptot_bkts)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct dpif_ovsxdp_ct_dump *dump = xzalloc(sizeof *dump);
    int error = ovsxdp_ct_dump(dpif->dp, zone, &dump->conns, &dump->n_conns);

    if (error) {
        log_failure(dpif_, "dumping conntrack", error, false);
        free(dump);
        return error;
    }
    if (ptot_bkts) {
        *ptot_bkts = -1;        /* No buckets to report, as the kernel's. */
    }
    *state = &dump->up;
    return 0;
}

static int
dpif_ovsxdp_ct_dump_next(struct dpif *dpif_ OVS_UNUSED, struct ct_dpif_dump_state *state,
                         struct ct_dpif_entry *entry)
{
    struct dpif_ovsxdp_ct_dump *dump = CONTAINER_OF(state, struct dpif_ovsxdp_ct_dump, up);

    if (dump->next >= dump->n_conns) {
        return EOF;
    }
    const struct ovsxdp_ct_conn *c = &dump->conns[dump->next++];

    memset(entry, 0, sizeof *entry);
    ct_tuple_from_capi(&entry->tuple_orig, &c->orig);
    ct_tuple_from_capi(&entry->tuple_reply, &c->reply);
    entry->zone = c->zone;
    entry->mark = c->mark;
    memcpy(&entry->labels, c->labels, sizeof entry->labels);
    entry->have_labels = true;
    entry->counters_orig.packets = c->packets_orig;
    entry->counters_orig.bytes = c->bytes_orig;
    entry->counters_reply.packets = c->packets_reply;
    entry->counters_reply.bytes = c->bytes_reply;
    entry->timestamp.start = c->start_ns;
    entry->timeout = c->timeout_sec;
    if (c->orig.proto == IPPROTO_TCP) {
        /* Only TCP reports protoinfo: ct-dpif prints "protoinfo=()" for
         * any other protocol given. */
        entry->protoinfo.proto = IPPROTO_TCP;
        entry->protoinfo.tcp.state_orig = c->tcp_state_orig;
        entry->protoinfo.tcp.state_reply = c->tcp_state_reply;
        entry->protoinfo.tcp.wscale_orig = c->tcp_wscale_orig;
        entry->protoinfo.tcp.wscale_reply = c->tcp_wscale_reply;
    }
    return 0;
}

static int
dpif_ovsxdp_ct_dump_done(struct dpif *dpif_ OVS_UNUSED, struct ct_dpif_dump_state *state)
{
    struct dpif_ovsxdp_ct_dump *dump = CONTAINER_OF(state, struct dpif_ovsxdp_ct_dump, up);

    ovsxdp_free(dump->conns);
    free(dump);
    return 0;
}

static int
dpif_ovsxdp_ct_flush(struct dpif *dpif_, const uint16_t *zone,
                     const struct ct_dpif_tuple *tuple)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    struct ovsxdp_ct_conn_tuple t;

    if (tuple) {
        ct_tuple_to_capi(&t, tuple);
    }
    int error = ovsxdp_ct_flush(dpif->dp, zone, tuple ? &t : NULL);
    log_failure(dpif_, "flushing conntrack", error, error == ENOENT);
    return error;
}

static int
dpif_ovsxdp_ct_get_maxconns(struct dpif *dpif_, uint32_t *maxconns)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    int error = ovsxdp_ct_get_maxconns(dpif->dp, maxconns);

    log_failure(dpif_, "reading conntrack's capacity", error, false);
    return error;
}

static int
dpif_ovsxdp_ct_get_nconns(struct dpif *dpif_, uint32_t *nconns)
{
    struct dpif_ovsxdp *dpif = dpif_ovsxdp_cast(dpif_);
    int error = ovsxdp_ct_get_nconns(dpif->dp, nconns);

    log_failure(dpif_, "counting connections", error, false);
    return error;
}

const struct dpif_class dpif_ovsxdp_class = {
    "ovsxdp",
    false,                      /* cleanup_required: the pins outlive us */
    NULL,                       /* init */
    dpif_ovsxdp_enumerate,
    dpif_ovsxdp_port_open_type,
    dpif_ovsxdp_open,
    dpif_ovsxdp_close,
    dpif_ovsxdp_destroy,
    NULL,                       /* run */
    NULL,                       /* wait */
    dpif_ovsxdp_get_stats,
    NULL,                       /* set_features */
    dpif_ovsxdp_port_add,
    dpif_ovsxdp_port_del,
    NULL,                       /* port_set_config */
    dpif_ovsxdp_port_query_by_number,
    dpif_ovsxdp_port_query_by_name,
    dpif_ovsxdp_port_get_pid,
    dpif_ovsxdp_port_dump_start,
    dpif_ovsxdp_port_dump_next,
    dpif_ovsxdp_port_dump_done,
    dpif_ovsxdp_port_poll,
    dpif_ovsxdp_port_poll_wait,
    dpif_ovsxdp_flow_flush,
    dpif_ovsxdp_flow_dump_create,
    dpif_ovsxdp_flow_dump_destroy,
    dpif_ovsxdp_flow_dump_thread_create,
    dpif_ovsxdp_flow_dump_thread_destroy,
    dpif_ovsxdp_flow_dump_next,
    dpif_ovsxdp_operate,
    NULL,                       /* offload_stats_get */
    dpif_ovsxdp_recv_set,
    dpif_ovsxdp_handlers_set,
    NULL,                       /* number_handlers_required */
    NULL,                       /* set_config */
    NULL,                       /* queue_to_priority */
    dpif_ovsxdp_recv,
    dpif_ovsxdp_recv_wait,
    dpif_ovsxdp_recv_purge,
    NULL,                       /* register_dp_purge_cb */
    NULL,                       /* register_upcall_cb */
    NULL,                       /* enable_upcall */
    NULL,                       /* disable_upcall */
    NULL,                       /* get_datapath_version */
    dpif_ovsxdp_ct_dump_start,
    dpif_ovsxdp_ct_dump_next,
    dpif_ovsxdp_ct_dump_done,
    dpif_ovsxdp_ct_flush,
    NULL,                       /* ct_set_maxconns: the table's size is fixed at creation */
    dpif_ovsxdp_ct_get_maxconns,
    dpif_ovsxdp_ct_get_nconns,
    NULL,                       /* ct_set_tcp_seq_chk */
    NULL,                       /* ct_get_tcp_seq_chk */
    NULL,                       /* ct_set_limits */
    NULL,                       /* ct_get_limits */
    NULL,                       /* ct_del_limits */
    NULL,                       /* ct_set_timeout_policy */
    NULL,                       /* ct_get_timeout_policy */
    NULL,                       /* ct_del_timeout_policy */
    NULL,                       /* ct_timeout_policy_dump_start */
    NULL,                       /* ct_timeout_policy_dump_next */
    NULL,                       /* ct_timeout_policy_dump_done */
    NULL,                       /* ct_get_timeout_policy_name */
    NULL,                       /* ct_get_features */
    NULL,                       /* ipf_set_enabled: no fragment reassembly */
    NULL,                       /* ipf_set_min_frag */
    NULL,                       /* ipf_set_max_nfrags */
    NULL,                       /* ipf_get_status */
    NULL,                       /* ipf_dump_start */
    NULL,                       /* ipf_dump_next */
    NULL,                       /* ipf_dump_done */
    dpif_ovsxdp_meter_get_features,
    dpif_ovsxdp_meter_set,
    dpif_ovsxdp_meter_get,
    dpif_ovsxdp_meter_del,
    NULL,                       /* bond_add: no lb_output */
    NULL,                       /* bond_del */
    NULL,                       /* bond_stats_get */
    NULL,                       /* cache_get_supported_levels */
    NULL,                       /* cache_get_name */
    NULL,                       /* cache_get_size */
    NULL,                       /* cache_set_size */
};
