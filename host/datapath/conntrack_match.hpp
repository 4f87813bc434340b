// Selecting connections as ovs-dpctl flush-conntrack does: an original and a
// reply tuple in OVS's syntax ("ct_nw_src=10.0.0.1,ct_nw_proto=6,ct_tp_dst=80"),
// each field optional (lib/ofp-ct.c ofp_ct_tuple_parse, lib/ct-dpif.c
// ct_dpif_entry_cmp).
#pragma once

#include <optional>
#include <string_view>

#include "datapath/datapath.hpp"

namespace ovsxdp {

struct conntrack_match {
  std::uint8_t family = 0;  // 0: either; else enum ovsxdp_ct_family
  std::uint8_t proto = 0;   // 0: any
  conntrack_tuple original, reply;  // zero fields match anything (ICMP's id, type and code excepted, as in OVS)
  bool original_given = false, reply_given = false;

  bool empty() const;
  // The original tuple names one connection (addresses, and ports unless
  // ICMP) and the reply tuple is empty: OVS flushes it by its tuple.
  bool names_one_connection() const;
  bool matches(const conntrack_entry& entry) const;
};

// Parses one tuple ("" leaves it empty) into `match` (`reply` picks which);
// std::invalid_argument with OVS's reason on a bad field.
void parse_conntrack_tuple(std::string_view text, bool reply, conntrack_match& match);

// flush-conntrack's semantics: a match naming one connection removes it from
// `zone` (0 when absent; false when it is not there), any other removes
// every connection it matches in `zone` (every zone when absent). Returns
// how many went.
std::size_t flush_conntrack_matching(datapath& dp, std::optional<std::uint16_t> zone, const conntrack_match& match);

}  // namespace ovsxdp
