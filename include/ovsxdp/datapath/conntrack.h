// The ct() action's tracker (Linux ovs_ct_execute, OVS conntrack_execute):
// find the packet's connection in the conntrack map in either direction,
// run its protocol's state machine, store it on commit, and write ct_state,
// ct_zone, ct_mark, ct_label and the original-direction tuple into the key
// for the lookups that follow a recirc.
//
// A packet tracked in the same zone earlier in its trip (ct(...),recirc,
// then ct(commit)) is not run through the state machine again: Linux keeps
// the skb's conntrack (skb_nfct_cached), OVS the packet's conn.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/conntrack/packet.h"
#include "ovsxdp/conntrack/tcp.h"
#include "ovsxdp/conntrack/timeouts.h"
#include "ovsxdp/datapath/maps.h"

// A SYN's window scale. The option scan runs under bpf_loop, whose
// callback the verifier checks once instead of along every path of the
// tracker (a bounded loop here cost it a million instructions).
static long ovsxdp_ct_wscale_step(__u64 index, void* arg) {
  (void)index;
  auto* s = static_cast<ovsxdp_ct_wscale_scan*>(arg);
  return ovsxdp::conntrack::tcp_wscale_step(s->options, s->length, s->next, s->wscale) ? 0 : 1;
}

extern "C" [[gnu::noinline]] int ovsxdp_ct_tcp_wscale(struct xdp_md* ctx, __u32 offset, __u32 length) {
  using namespace ovsxdp;
  if (!ctx || length == 0 || length > conntrack::kTcpOptionsMax) return 0;
  // bpf_loop's context must be on the stack.
  ovsxdp_ct_wscale_scan scan;
  zero(scan);
  scan.length = length;
  if (bpf_xdp_load_bytes(ctx, offset, scan.options, length)) return 0;
  bpf_loop(conntrack::kTcpOptionsMax, reinterpret_cast<void*>(&ovsxdp_ct_wscale_step), &scan, 0);
  return scan.wscale;
}

// Parses the packet into the tracker's scratch packet; returns a
// conntrack::parse_result. Its own function: the tracker and the parser
// then need the stack one after the other, not together.
extern "C" [[gnu::noinline]] int ovsxdp_ct_parse(struct xdp_md* ctx, struct ovsxdp_exec_state* st, __u32 zone) {
  using namespace ovsxdp;
  if (!ctx || !st) return static_cast<int>(conntrack::parse_result::invalid);
  const u32 zero_index = 0;
  ovsxdp_ct_scratch* s = map_lookup<ovsxdp_ct_scratch>(&dp_ct_scratch, zero_index);
  if (!s) return static_cast<int>(conntrack::parse_result::invalid);
  conntrack::ct_packet& p = s->packet;
  const conntrack::parse_result r = conntrack::parse_packet(cursor(frame_of(ctx)), st->key, st->layout, static_cast<u16>(zone), p);
  if (r == conntrack::parse_result::ok && p.tcp_options_length)
    p.tcp.wscale = static_cast<u8>(ovsxdp_ct_tcp_wscale(ctx, p.tcp_options, p.tcp_options_length));
  return static_cast<int>(r);
}

// TCP's state machine on the scratch packet's segment: a
// conntrack::update. Its own function for the same reason as the parser.
extern "C" [[gnu::noinline]] int ovsxdp_ct_tcp_track(struct ovsxdp_ct_entry* e, __u32 reply) {
  using namespace ovsxdp;
  const u32 zero_index = 0;
  ovsxdp_ct_scratch* s = map_lookup<ovsxdp_ct_scratch>(&dp_ct_scratch, zero_index);
  if (!e || !s) return static_cast<int>(conntrack::update::invalid);
  return static_cast<int>(conntrack::tcp_update(*e, s->packet.tcp, reply != 0));
}

namespace ovsxdp::dp {

namespace ct_detail {

// The connection `t` names, or nullptr; a timed-out entry is removed (live
// runs) and not found.
template <bool Live>
OVSXDP_INLINE ovsxdp_ct_entry* find(const ovsxdp_ct_tuple& t, u64 now) {
  ovsxdp_ct_entry* e = map_lookup<ovsxdp_ct_entry>(&dp_conntrack, t);
  if (!e) return nullptr;
  if (now > e->expires_ns) {
    if constexpr (Live) {
      bpf_map_delete_elem(&dp_conntrack, &t);
      count(OVSXDP_C_CT_EXPIRED);
    }
    return nullptr;
  }
  return e;
}

OVSXDP_INLINE bool valid_new(const conntrack::ct_packet& p) {
  if (p.tuple.proto == ip_proto::tcp) return conntrack::tcp_valid_new(p.tcp);
  return p.kind != conntrack::packet_kind::icmp_reply;
}

OVSXDP_INLINE void open_entry(ovsxdp_ct_entry& e, const conntrack::ct_packet& p, u64 now) {
  zero(e);
  e.created_ns = now;
  e.orig_tp_src = p.orig_tp_src;
  e.orig_tp_dst = p.orig_tp_dst;
  if (p.tuple.proto == ip_proto::tcp) conntrack::tcp_new(e, p.tcp);
  else if (p.kind == conntrack::packet_kind::icmp_request) conntrack::icmp_new(e);
  else conntrack::other_new(e);
}

OVSXDP_INLINE conntrack::update track(ovsxdp_ct_entry& e, const conntrack::ct_packet& p, bool reply) {
  if (p.tuple.proto == ip_proto::tcp) return static_cast<conntrack::update>(ovsxdp_ct_tcp_track(&e, reply));
  if (p.kind != conntrack::packet_kind::stream) return conntrack::icmp_update(e, reply);
  return conntrack::other_update(e, reply);
}

OVSXDP_INLINE void apply_commit(ovsxdp_ct_entry& e, const ovsxdp_action_ct& a) {
  if (a.h.arg & OVSXDP_CT_SET_MARK) e.mark = action::masked(e.mark, a.mark, a.mark_mask);
  if (a.h.arg & OVSXDP_CT_SET_LABELS) {
    for (int i = 0; i < 16; i++) e.labels[i] = action::masked(e.labels[i], a.labels[i], a.labels_mask[i]);
  }
}

OVSXDP_INLINE void account(ovsxdp_ct_entry& e, const conntrack::ct_packet& p, bool reply, u64 now) {
  e.packets[reply ? 1 : 0]++;
  e.bytes[reply ? 1 : 0] += p.l3_bytes;
  if (reply) e.flags |= OVSXDP_CT_SEEN_REPLY;
  e.expires_ns = now + conntrack::timeout_ns(e.timeout);
}

// ct_mark, ct_label and ct_tuple from the connection (Linux __ovs_ct_update_key).
OVSXDP_INLINE void write_connection(ovsxdp_flow_key& key, const ovsxdp_ct_entry* e, const ovsxdp_ct_tuple& orig, be16 tp_src,
                                    be16 tp_dst) {
  if (e) {
    key.ct_mark = e->mark;
    copy(key.ct_labels, e->labels);
  }
  key.ct_orig_proto = orig.proto;
  key.ct_orig_tp_src = tp_src;
  key.ct_orig_tp_dst = tp_dst;
  if (orig.family == OVSXDP_CT_IPV4) {
    key.nw_ext.ct_orig_ipv4.src = load_unaligned<be32>(orig.src);
    key.nw_ext.ct_orig_ipv4.dst = load_unaligned<be32>(orig.dst);
    zero(key.nw_ext.ct_orig_ipv4.pad);
  } else {
    copy(key.nw_ext.ct_orig_ipv6.src, orig.src);
    copy(key.nw_ext.ct_orig_ipv6.dst, orig.dst);
  }
}

}  // namespace ct_detail

// Live runs store and update connections; trace runs compute the same
// ct_state on a copy and leave the table as it was.
template <bool Live>
OVSXDP_INLINE int conntrack_execute(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_action_ct& a) {
  using namespace ct_detail;
  using conntrack::update;
  count(OVSXDP_C_CT_TRACKED);
  ovsxdp_flow_key& key = st.key;
  const u16 zone = a.zone;
  const u16 flags = a.h.arg;
  const bool commit = flags & (OVSXDP_CT_COMMIT | OVSXDP_CT_FORCE_COMMIT);
  const u8 previous = key.ct_state;
  const bool cached = (previous & OVSXDP_CS_TRACKED) && !(previous & OVSXDP_CS_INVALID) && key.ct_zone == zone;

  key.ct_state = OVSXDP_CS_TRACKED;
  key.ct_zone = zone;
  key.ct_mark = 0;
  zero(key.ct_labels);
  key.ct_orig_proto = 0;  // no original tuple (the union it shares keeps its bytes, as in Linux)
  key.ct_orig_tp_src = 0;
  key.ct_orig_tp_dst = 0;

  const u32 zero_index = 0;
  ovsxdp_ct_scratch* s = map_lookup<ovsxdp_ct_scratch>(&dp_ct_scratch, zero_index);
  if (!s) return action::fail(st, OVSXDP_C_DROP_INTERNAL);
  conntrack::ct_packet& p = s->packet;
  const auto parsed = static_cast<conntrack::parse_result>(ovsxdp_ct_parse(ctx, &st, zone));
  if (parsed != conntrack::parse_result::ok) {
    key.ct_state |= OVSXDP_CS_INVALID;
    count(parsed == conntrack::parse_result::untrackable ? OVSXDP_C_CT_UNTRACKABLE : OVSXDP_C_CT_INVALID);
    return action::kOk;
  }
  const u64 now = bpf_ktime_get_coarse_ns();

  // The packet's own tuple names an original-direction packet; its reverse a reply.
  bool reply = false;
  ovsxdp_ct_entry* e = nullptr;
  if (p.kind != conntrack::packet_kind::icmp_reply) e = find<Live>(p.tuple, now);
  if (!e && p.kind != conntrack::packet_kind::icmp_request) {
    conntrack::reverse_tuple(p.tuple, s->reversed);
    e = find<Live>(s->reversed, now);
    reply = e != nullptr;
  }
  if (e && !Live) {
    copy(s->entry, *e);
    e = &s->entry;
  }

  if (p.related) {
    // An ICMP error: related to its connection, which it neither opens nor
    // advances (Linux and OVS leave its state, counters and timeout alone).
    if (!e) {
      key.ct_state |= OVSXDP_CS_INVALID;
      count(OVSXDP_C_CT_INVALID);
      return action::kOk;
    }
    count(OVSXDP_C_CT_RELATED);
    key.ct_state |= OVSXDP_CS_RELATED;
    if (reply) key.ct_state |= OVSXDP_CS_REPLY_DIR;
    if (commit) apply_commit(*e, a);
    write_connection(key, e, reply ? s->reversed : p.tuple, e->orig_tp_src, e->orig_tp_dst);
    return action::kOk;
  }

  update u = update::valid_new;
  if (e) {
    if (reply && (flags & OVSXDP_CT_FORCE_COMMIT)) {
      u = update::restart;  // force_commit: the reply direction starts the connection over
    } else if (cached) {
      u = (previous & OVSXDP_CS_ESTABLISHED) ? update::valid : update::valid_new;
    } else {
      u = track(*e, p, reply);
    }
    if (u == update::restart) {
      if constexpr (Live) bpf_map_delete_elem(&dp_conntrack, reply ? &s->reversed : &p.tuple);
      e = nullptr;
      reply = false;
    }
  }

  if (!e) {
    // A new connection: stored only by a commit.
    if (!valid_new(p)) {
      key.ct_state |= OVSXDP_CS_INVALID;
      count(OVSXDP_C_CT_INVALID);
      return action::kOk;
    }
    key.ct_state |= OVSXDP_CS_NEW;
    if (commit) {
      open_entry(s->entry, p, now);
      apply_commit(s->entry, a);
      account(s->entry, p, false, now);
      e = &s->entry;
      if constexpr (Live) {
        const long err = bpf_map_update_elem(&dp_conntrack, &p.tuple, &s->entry, BPF_NOEXIST);
        if (err == 0) {
          count(OVSXDP_C_CT_COMMITTED);
        } else {
          // Another CPU stored it since the lookup: keep its entry, track through it.
          count(OVSXDP_C_CT_COMMIT_RACE);
          ovsxdp_ct_entry* theirs = find<Live>(p.tuple, now);
          if (theirs) {
            e = theirs;
            if (track(*e, p, false) == update::valid) key.ct_state = OVSXDP_CS_TRACKED | OVSXDP_CS_ESTABLISHED;
            apply_commit(*e, a);
            account(*e, p, false, now);
          }
        }
      }
    }
    write_connection(key, e, p.tuple, p.orig_tp_src, p.orig_tp_dst);
    return action::kOk;
  }

  if (u == update::invalid) {
    key.ct_state |= OVSXDP_CS_INVALID;
    count(OVSXDP_C_CT_INVALID);
  } else {
    key.ct_state |= u == update::valid ? OVSXDP_CS_ESTABLISHED : OVSXDP_CS_NEW;
    if (reply) key.ct_state |= OVSXDP_CS_REPLY_DIR;
    if (!cached) account(*e, p, reply, now);
  }
  if (commit) apply_commit(*e, a);
  write_connection(key, e, reply ? s->reversed : p.tuple, e->orig_tp_src, e->orig_tp_dst);
  return action::kOk;
}

}  // namespace ovsxdp::dp
