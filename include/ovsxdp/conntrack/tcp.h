// TCP connection tracking: the state machine and window checks of Open
// vSwitch's userspace conntrack (lib/conntrack-tcp.c, itself pf's, after Guido
// van Rooij's "Real Stateful TCP Packet Filtering"). Pure functions of an
// entry and a segment, so the host's tests and fuzzer run the very code the
// BPF tracker runs.
#pragma once

#include "ovsxdp/abi/conntrack.h"
#include "ovsxdp/base/types.h"

namespace ovsxdp::conntrack {

// What a tracker learns from a packet, per OVS's ct_update_res.
enum class update : u8 {
  valid,      // part of the connection: +est
  valid_new,  // still opening (a SYN again, no reply yet): +new
  invalid,    // +inv; the entry is not changed
  restart,    // a SYN on a connection closed both ways: a new connection replaces it
};

namespace tcp_flag {
inline constexpr u16 fin = 0x001, syn = 0x002, rst = 0x004, psh = 0x008, ack = 0x010, urg = 0x020;
}

// The parts of a TCP segment the tracker reads.
struct tcp_segment {
  u32 seq;
  u32 ack;
  u32 payload;  // bytes of data after the TCP header
  u16 window;   // as sent (unscaled)
  u16 flags;    // tcp_flag bits
  u8 wscale;    // the window scale option: OVSXDP_CT_WSCALE_FLAG | shift, or 0
};

inline constexpr u8 kMaxWscale = 14;
inline constexpr s32 kMaxAckWindow = 0xffff + 1500;  // pf: 1500 is a fudge factor

OVSXDP_INLINE bool seq_gt(u32 a, u32 b) { return static_cast<s32>(a - b) > 0; }
OVSXDP_INLINE bool seq_geq(u32 a, u32 b) { return static_cast<s32>(a - b) >= 0; }

// Flag combinations no TCP sends (pf_normalize_tcp's checks).
OVSXDP_INLINE bool tcp_flags_invalid(u16 f) {
  if (f & tcp_flag::syn) {
    if (f & (tcp_flag::rst | tcp_flag::fin)) return true;
  } else if (!(f & (tcp_flag::ack | tcp_flag::rst))) {
    return true;
  }
  return !(f & tcp_flag::ack) && (f & (tcp_flag::fin | tcp_flag::psh | tcp_flag::urg));
}

// Whether a segment may open a connection: a SYN, or a mid-stream segment
// (picked up loosely, as both Linux and OVS do); never a SYN-ACK.
OVSXDP_INLINE bool tcp_valid_new(const tcp_segment& s) {
  if (tcp_flags_invalid(s.flags)) return false;
  return !((s.flags & tcp_flag::syn) && (s.flags & tcp_flag::ack));
}

OVSXDP_INLINE u32 div_round_up(u32 v, u8 shift) { return (v + (1u << shift) - 1) >> shift; }

// The first segment's state for a new connection (OVS tcp_new_conn).
OVSXDP_INLINE void tcp_new(ovsxdp_ct_entry& e, const tcp_segment& s) {
  ovsxdp_ct_tcp_peer& src = e.tcp[0];
  ovsxdp_ct_tcp_peer& dst = e.tcp[1];
  src.seqlo = s.seq;
  src.seqhi = s.seq + s.payload + 1;
  if (s.flags & tcp_flag::syn) {
    src.seqhi++;
    src.wscale = s.wscale;
  } else {
    src.wscale = OVSXDP_CT_WSCALE_UNKNOWN;
    dst.wscale = OVSXDP_CT_WSCALE_UNKNOWN;
  }
  src.max_win = s.window ? s.window : 1;
  if (src.wscale & OVSXDP_CT_WSCALE_MASK) src.max_win = div_round_up(src.max_win, src.wscale & OVSXDP_CT_WSCALE_MASK);
  if (s.flags & tcp_flag::fin) src.seqhi++;
  dst.seqhi = 1;
  dst.max_win = 1;
  src.state = OVSXDP_TCPS_SYN_SENT;
  dst.state = OVSXDP_TCPS_CLOSED;
  e.timeout = OVSXDP_CT_TM_TCP_SYN_SENT;
}

OVSXDP_INLINE u8 tcp_timeout(const ovsxdp_ct_tcp_peer& src, const ovsxdp_ct_tcp_peer& dst) {
  if (src.state >= OVSXDP_TCPS_FIN_WAIT_2 && dst.state >= OVSXDP_TCPS_FIN_WAIT_2) return OVSXDP_CT_TM_TCP_CLOSE;
  if (src.state >= OVSXDP_TCPS_CLOSING && dst.state >= OVSXDP_TCPS_CLOSING) return OVSXDP_CT_TM_TCP_TIME_WAIT;
  if (src.state < OVSXDP_TCPS_ESTABLISHED || dst.state < OVSXDP_TCPS_ESTABLISHED) return OVSXDP_CT_TM_TCP_SYN_RECV;
  if (src.state >= OVSXDP_TCPS_CLOSING || dst.state >= OVSXDP_TCPS_CLOSING) return OVSXDP_CT_TM_TCP_FIN_WAIT;
  return OVSXDP_CT_TM_TCP_ESTABLISHED;
}

// A segment of an existing connection, from the originator (`reply` false)
// or the responder (OVS tcp_conn_update, including what it records of an
// end's first segment before the window check rejects it).
OVSXDP_INLINE update tcp_update(ovsxdp_ct_entry& e, const tcp_segment& s, bool reply) {
  ovsxdp_ct_tcp_peer& src = e.tcp[reply ? 1 : 0];
  ovsxdp_ct_tcp_peer& dst = e.tcp[reply ? 0 : 1];
  const u16 flags = s.flags;
  if (tcp_flags_invalid(flags)) return update::invalid;

  if ((flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn) {
    if (dst.state >= OVSXDP_TCPS_FIN_WAIT_2 && src.state >= OVSXDP_TCPS_FIN_WAIT_2) {
      src.state = dst.state = OVSXDP_TCPS_CLOSED;
      return update::restart;
    }
    if (src.state <= OVSXDP_TCPS_SYN_SENT) {
      src.state = OVSXDP_TCPS_SYN_SENT;
      e.timeout = OVSXDP_CT_TM_TCP_SYN_SENT;
      return update::valid_new;
    }
  }

  u8 sws = 0, dws = 0;
  if ((src.wscale & OVSXDP_CT_WSCALE_FLAG) && (dst.wscale & OVSXDP_CT_WSCALE_FLAG) && !(flags & tcp_flag::syn)) {
    sws = src.wscale & OVSXDP_CT_WSCALE_MASK;
    dws = dst.wscale & OVSXDP_CT_WSCALE_MASK;
  } else if ((src.wscale & OVSXDP_CT_WSCALE_UNKNOWN) && (dst.wscale & OVSXDP_CT_WSCALE_UNKNOWN) && !(flags & tcp_flag::syn)) {
    sws = dws = kMaxWscale;
  }

  u32 win = s.window;
  u32 seq = s.seq;
  const u32 orig_seq = seq;
  u32 ack = s.ack;
  u32 end = seq + s.payload;
  if (flags & tcp_flag::syn) end++;
  if (flags & tcp_flag::fin) end++;
  bool check_ackskew = true;

  if (src.state < OVSXDP_TCPS_SYN_SENT) {
    // The first segment from this end.
    if ((flags & tcp_flag::syn) && (dst.wscale & OVSXDP_CT_WSCALE_FLAG)) {
      src.wscale = s.wscale;
      if (s.wscale & OVSXDP_CT_WSCALE_FLAG) {
        sws = s.wscale & OVSXDP_CT_WSCALE_MASK;
        win = div_round_up(win, sws);
        dws = dst.wscale & OVSXDP_CT_WSCALE_MASK;
      } else {
        dst.max_win <<= dst.wscale & OVSXDP_CT_WSCALE_MASK;
        dst.wscale = 0;
      }
    }
    src.seqlo = seq;
    src.state = OVSXDP_TCPS_SYN_SENT;
    const u32 room = dst.max_win << dws;
    if (src.seqhi == 1 || seq_geq(end + (room > 1 ? room : 1), src.seqhi)) {
      src.seqhi = end + (room > 1 ? room : 1);
      check_ackskew = false;  // picking up a connection: be lenient
    }
    if (win > src.max_win) src.max_win = win;
  }

  if (!(flags & tcp_flag::ack)) {
    ack = dst.seqlo;
  } else if (ack == 0 && (flags & (tcp_flag::ack | tcp_flag::rst)) == (tcp_flag::ack | tcp_flag::rst)) {
    ack = dst.seqlo;  // broken stacks send RST|ACK without an ack number
  }
  if (seq == end) {
    // No data: ease the sequence checks.
    seq = src.seqlo;
    end = seq;
  }
  const s32 ackskew = check_ackskew ? static_cast<s32>(dst.seqlo - ack) : 0;
  const u32 dst_room = dst.max_win << dws;

  const bool in_window = seq_geq(src.seqhi, end) && seq_geq(seq, src.seqlo - dst_room) && ackskew >= -kMaxAckWindow &&
                         static_cast<s64>(ackskew) <= (static_cast<s64>(kMaxAckWindow) << sws) &&
                         (!(flags & tcp_flag::rst) || orig_seq == src.seqlo || orig_seq == src.seqlo + 1 ||
                          orig_seq + 1 == src.seqlo);
  const bool loose = (dst.state < OVSXDP_TCPS_SYN_SENT || dst.state >= OVSXDP_TCPS_FIN_WAIT_2 ||
                      src.state >= OVSXDP_TCPS_FIN_WAIT_2) &&
                     seq_geq(src.seqhi + kMaxAckWindow, end) && seq_geq(seq, src.seqlo - kMaxAckWindow);
  if (!in_window && !loose) return update::invalid;

  if (src.max_win < win) src.max_win = win;
  if (seq_gt(end, src.seqlo)) src.seqlo = end;
  const u32 scaled = win << sws;
  if (seq_geq(ack + scaled, dst.seqhi)) dst.seqhi = ack + (scaled > 1 ? scaled : 1);
  if (in_window) {
    if ((flags & tcp_flag::syn) && src.state < OVSXDP_TCPS_SYN_SENT) src.state = OVSXDP_TCPS_SYN_SENT;
    if ((flags & tcp_flag::fin) && src.state < OVSXDP_TCPS_CLOSING) src.state = OVSXDP_TCPS_CLOSING;
    if (flags & tcp_flag::ack) {
      if (dst.state == OVSXDP_TCPS_SYN_SENT) dst.state = OVSXDP_TCPS_ESTABLISHED;
      else if (dst.state == OVSXDP_TCPS_CLOSING) dst.state = OVSXDP_TCPS_FIN_WAIT_2;
    }
    if (flags & tcp_flag::rst) src.state = dst.state = OVSXDP_TCPS_TIME_WAIT;
    e.timeout = tcp_timeout(src, dst);
  } else {
    // Loose: no timeout refresh, so a flood cannot keep a dead entry alive (pf).
    if ((flags & tcp_flag::fin) && src.state < OVSXDP_TCPS_CLOSING) src.state = OVSXDP_TCPS_CLOSING;
    if (flags & tcp_flag::rst) src.state = dst.state = OVSXDP_TCPS_TIME_WAIT;
  }
  return update::valid;
}

}  // namespace ovsxdp::conntrack
