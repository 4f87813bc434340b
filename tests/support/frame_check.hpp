// Independent checks of frames the datapath emitted: every checksum is
// recomputed from scratch (no incremental arithmetic shared with the
// datapath), and mismatching frames are shown as a hex diff.
#pragma once

#include <string>

#include "packet/packet_builder.hpp"

namespace ovsxdp::testing {

// "" when every checksum present (IPv4 header, TCP, UDP unless zero, ICMP,
// ICMPv6, SCTP CRC32c) is correct; otherwise which one is wrong and how.
// Behind VLAN tags and NSH headers (to the packet NSH carries) too.
std::string checksum_errors(const bytes& frame);

// A readable diff: lengths and each differing byte range with context.
std::string hex_diff(const bytes& expected, const bytes& actual);

}  // namespace ovsxdp::testing
