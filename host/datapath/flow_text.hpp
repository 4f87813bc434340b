// Datapath flows as text, the way Open vSwitch writes them: the two
// arguments of `ovs-appctl dpctl/add-flow` (KEY and ACTIONS), and the lines
// of `dpctl/dump-flows` ("KEY, packets:N, bytes:N, used:0.412s, flags:S.,
// actions:..."). Whatever format_flow prints, flow_from_text reads back as
// the same flow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datapath/datapath.hpp"
#include "odp/flow_parse.hpp"

namespace ovsxdp {

// A flow from OVS datapath flow text: "in_port(1),eth(),eth_type(0x0800),..."
// and "push_vlan(vid=10,pcp=0),2". Port names resolve through `ports`.
// Throws odp::syntax_error (with the column).
flow_spec flow_from_text(std::string_view key, std::string_view actions, const odp::port_resolver& ports = {});

// An exact match on every attribute `key` has (what OVS prints for it), the
// way a slow path installs a flow for a packet it saw in an upcall:
// attributes that do not apply to the packet stay wildcarded, so the match
// passes install validation.
flow_match exact_match(const ovsxdp_flow_key& key);

struct flow_format_options {
  bool verbose = false;     // dump-flows -m: the UFID, every attribute, /0 masks
  std::uint64_t now_ns = 0;  // CLOCK_MONOTONIC_COARSE for "used:"; 0 = now
};

// One line of dump-flows: "[ufid:..., ]KEY, packets:N, bytes:N, used:Xs|never[, flags:F], actions:A".
std::string format_flow(const flow_entry& flow, const flow_format_options& options = {});
// "packets:N, bytes:N, used:0.412s|never[, flags:S.]" (OVS dpif_flow_stats_format).
std::string format_flow_stats(const flow_stats& stats, std::uint64_t now_ns);
// OVS's compact TCP flags: S F P R U . E C N ("S." is SYN+ACK).
std::string format_tcp_flags_compact(unsigned flags);

// A flow as a person writes it on a line: "KEY ACTIONS" (the two add-flow
// arguments, separated by whitespace), or a line copied from dump-flows.
struct flow_text {
  std::string key, actions;
};
// nullopt for a blank line or a `#` comment.
std::optional<flow_text> split_flow_line(std::string_view line);

struct flow_file_entry {
  unsigned line = 0;
  flow_spec flow;
};
// How messages name a flow file: its path, or "stdin" for "-".
std::string flow_file_name(const std::string& path);
// Every flow of a flow file ("-": standard input); a syntax error names the
// file, line and column.
std::vector<flow_file_entry> read_flow_file(const std::string& path, const odp::port_resolver& ports = {});

// dump-flows filter: the flow's match agrees with `filter` on every bit the
// filter's mask covers.
bool flow_matches_filter(const flow_entry& flow, const odp::parsed_key& filter);

}  // namespace ovsxdp
