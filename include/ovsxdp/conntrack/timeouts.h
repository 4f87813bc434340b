// Connection timeouts and the state of connections without TCP's machine
// (UDP, ICMP and other IP protocols), as Open vSwitch's userspace conntrack
// has them (lib/conntrack-other.c, conntrack-icmp.c, conntrack-tp.c).
#pragma once

#include "ovsxdp/abi/conntrack.h"
#include "ovsxdp/base/types.h"
#include "ovsxdp/conntrack/tcp.h"

namespace ovsxdp::conntrack {

// OVS's default timeout policy, in seconds, by enum ovsxdp_ct_timeout.
OVSXDP_INLINE u32 timeout_seconds(u8 timeout) {
  switch (timeout) {
    case OVSXDP_CT_TM_TCP_SYN_SENT: return 30;
    case OVSXDP_CT_TM_TCP_SYN_RECV: return 30;
    case OVSXDP_CT_TM_TCP_ESTABLISHED: return 24 * 60 * 60;
    case OVSXDP_CT_TM_TCP_FIN_WAIT: return 15 * 60;
    case OVSXDP_CT_TM_TCP_TIME_WAIT: return 45;
    case OVSXDP_CT_TM_TCP_CLOSE: return 30;
    case OVSXDP_CT_TM_UDP_FIRST: return 60;
    case OVSXDP_CT_TM_UDP_SINGLE: return 60;
    case OVSXDP_CT_TM_UDP_MULTIPLE: return 30;
    case OVSXDP_CT_TM_ICMP_FIRST: return 60;
    case OVSXDP_CT_TM_ICMP_REPLY: return 30;
    default: return 30;
  }
}

OVSXDP_INLINE u64 timeout_ns(u8 timeout) { return static_cast<u64>(timeout_seconds(timeout)) * 1000000000ull; }

// UDP and other protocols (OVS other_conn_update): new until the first reply.
OVSXDP_INLINE void other_new(ovsxdp_ct_entry& e) {
  e.simple_state = OVSXDP_CT_FIRST;
  e.timeout = OVSXDP_CT_TM_UDP_FIRST;
}
OVSXDP_INLINE update other_update(ovsxdp_ct_entry& e, bool reply) {
  if (reply && e.simple_state != OVSXDP_CT_BIDIR) e.simple_state = OVSXDP_CT_BIDIR;
  else if (e.simple_state == OVSXDP_CT_FIRST) e.simple_state = OVSXDP_CT_MULTIPLE;
  e.timeout = e.simple_state == OVSXDP_CT_BIDIR    ? OVSXDP_CT_TM_UDP_MULTIPLE
              : e.simple_state == OVSXDP_CT_MULTIPLE ? OVSXDP_CT_TM_UDP_SINGLE
                                                     : OVSXDP_CT_TM_UDP_FIRST;
  return e.simple_state == OVSXDP_CT_BIDIR ? update::valid : update::valid_new;
}

// ICMP and ICMPv6 queries (OVS icmp_conn_update): a request, then its reply.
OVSXDP_INLINE void icmp_new(ovsxdp_ct_entry& e) {
  e.simple_state = OVSXDP_CT_FIRST;
  e.timeout = OVSXDP_CT_TM_ICMP_FIRST;
}
OVSXDP_INLINE update icmp_update(ovsxdp_ct_entry& e, bool reply) {
  update r = update::valid;
  if (reply && e.simple_state == OVSXDP_CT_FIRST) e.simple_state = OVSXDP_CT_BIDIR;
  else if (e.simple_state == OVSXDP_CT_FIRST) r = update::valid_new;
  e.timeout = e.simple_state == OVSXDP_CT_BIDIR ? OVSXDP_CT_TM_ICMP_REPLY : OVSXDP_CT_TM_ICMP_FIRST;
  return r;
}

}  // namespace ovsxdp::conntrack
