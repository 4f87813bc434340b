// Conntrack entries and statistics as ovs-dpctl prints them
// (lib/ct-dpif.c ct_dpif_format_entry, lib/dpctl.c dpctl_ct_stats_show),
// so scripts written against Open vSwitch read ovsxdp's output unchanged.
#pragma once

#include <span>
#include <string>

#include "datapath/datapath.hpp"

namespace ovsxdp {

// "tcp,orig=(src=..,dst=..,sport=..,dport=..),reply=(...),zone=5,mark=1,
// labels=0x..,protoinfo=(state=ESTABLISHED)". With `stats`, packet and
// byte counts, start time and seconds to timeout, as dump-conntrack -s.
std::string format_conntrack_entry(const conntrack_entry& entry, bool stats = false);

// "Connections Stats:\n    Total: N\n  TCP: N\n..." (ct-stats-show); with
// `verbose`, the TCP connections per state.
std::string format_conntrack_stats(std::span<const conntrack_entry> entries, bool verbose = false);

// The state OVS prints for a TCP connection: the further-advanced end's,
// with SYN_RECV shown as ESTABLISHED and FIN_WAIT_2 as TIME_WAIT.
std::uint8_t conntrack_tcp_state(const ovsxdp_ct_entry& entry);
const char* conntrack_tcp_state_name(std::uint8_t state);

}  // namespace ovsxdp
