// Flow keys (with or without a mask) as OVS datapath flow text, the way
// `ovs-appctl dpctl/dump-flows` prints flows of the Linux datapath: kernel
// attribute order, OVS number formats, wildcarded fields and attributes left
// out (lib/odp-util.c odp_flow_format).
#pragma once

#include <string>

#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp::odp {

struct key_format_options {
  // dump-flows -m: every attribute and field, zero masks shown as /0.
  bool verbose = false;
  // For exact keys (parse-pcap): leave out metadata attributes (recirc_id,
  // dp_hash, skb_priority, skb_mark, ct_*) that hold their zero default.
  bool omit_zero_metadata = false;
};

// `mask` null means an exact match on every field. With a mask, `key` must
// already be masked (as the datapath stores it).
std::string format_key(const ovsxdp_flow_key& key, const ovsxdp_flow_key* mask, const key_format_options& options = {});

// OVS tcp_flags names joined by '|' ("syn|ack"), "0" for none.
std::string format_tcp_flags(unsigned flags);

struct attribute_spec;
// "name(field=value[/mask],...)" of one struct-like attribute, non-verbose
// (what a set_masked action prints).
std::string format_attribute(const attribute_spec& attribute, const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);
// "name(value[/mask])" of a single-value attribute.
std::string format_single(const struct field_spec& field, const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);
// The "mpls(...)" text of `count` label stack entries.
std::string format_mpls(const ovsxdp_flow_key& key, const ovsxdp_flow_key* mask, unsigned count);

}  // namespace ovsxdp::odp
