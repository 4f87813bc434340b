// Datapath actions as C++ values, and their encoding into the ABI records
// the BPF executor runs (include/ovsxdp/abi/actions.h). Field values are in
// host byte order unless the field is a whole header value (set targets).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ovsxdp/abi/actions.h"

namespace ovsxdp {

// Linux's bound on nested action lists (OVS_COPY_ACTIONS_MAX_DEPTH): the
// text parser refuses deeper nesting, install deeper lists.
inline constexpr int kMaxActionNesting = 16;

struct action;  // a variant of the types below

namespace act {
using mac = std::array<std::uint8_t, 6>;

struct output { std::uint32_t port = 0; };
struct drop { std::uint16_t reason = 0; };
struct push_vlan {
  std::uint16_t tpid = 0x8100;
  std::uint16_t tci = 0;  // with the present bit 0x1000 (cleared on the wire)
};
struct pop_vlan {};
struct set_ethernet { ovsxdp_set_ethernet value{}, mask{}; };
struct set_ipv4 { ovsxdp_set_ipv4 value{}, mask{}; };
struct set_ipv6 { ovsxdp_set_ipv6 value{}, mask{}; };
struct set_transport {
  ovsxdp_set_target target = OVSXDP_SET_TCP;  // TCP, UDP or SCTP
  ovsxdp_set_transport value{}, mask{};
};
struct set_mpls { ovsxdp_set_mpls value{}, mask{}; };
struct set_skb_mark { std::uint32_t value = 0, mask = 0; };
// Beyond Linux (which refuses them): executed with OVS userspace's semantics.
struct set_arp { ovsxdp_set_arp value{}, mask{}; };
struct set_nd { ovsxdp_set_nd value{}, mask{}; };
struct set_icmp {
  ovsxdp_set_target target = OVSXDP_SET_ICMP;  // ICMP or ICMPV6
  ovsxdp_set_icmp value{}, mask{};
};
struct set_priority { std::uint32_t value = 0, mask = 0; };
struct dec_ttl { std::vector<action> le_1; };
struct trunc { std::uint32_t max_len = 0; };
struct hash { std::uint32_t alg = OVSXDP_HASH_L4; std::uint32_t basis = 0; };
struct push_mpls { std::uint32_t lse = 0; std::uint16_t ethertype = 0x8847; };
struct pop_mpls { std::uint16_t ethertype = 0x0800; };
struct add_mpls { std::uint32_t lse = 0; std::uint16_t ethertype = 0x8847; bool l3_tunnel = false; };
struct push_eth { mac src{}, dst{}; };
struct pop_eth {};
struct recirc { std::uint32_t id = 0; };
struct userspace {
  std::uint32_t pid = 0;
  std::vector<std::uint8_t> userdata;
  std::optional<std::uint32_t> tunnel_out_port;
  bool attach_actions = false;
  // Set by the fork planner on upcalls run in place inside a clone or sample
  // that more actions follow (OVSXDP_USERSPACE_KEEP_CUTLEN); not part of the text.
  bool keep_cutlen = false;
};
struct ct_clear {};
// ct(...): conntrack. The text and netlink forms carry everything OVS's do;
// the datapath runs commit, force_commit, zone, mark and label, and refuses
// the rest at install (validate.cpp) until it runs them.
struct ct_nat {
  enum class kind : std::uint8_t { none, src, dst };  // none: bare nat, re-apply the connection's mapping
  kind type = kind::none;
  // Addresses in network byte order, 4 or 16 bytes; empty when not given.
  std::vector<std::uint8_t> min_addr, max_addr;
  std::uint16_t min_port = 0, max_port = 0;  // host order; 0: not given
  bool persistent = false, hash = false, random = false;
  bool operator==(const ct_nat&) const = default;
};
// 128 bits, least significant byte first (OVS's ovs_u128 in memory, as in
// OVS_CT_ATTR_LABELS and the key's ct_label).
struct ct_labels {
  std::array<std::uint8_t, 16> value{}, mask{};
  bool operator==(const ct_labels&) const = default;
};
struct ct {
  bool commit = false, force_commit = false;
  std::uint16_t zone = 0;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> mark;  // value, mask
  std::optional<ct_labels> label;
  std::string helper;   // up to 15 characters
  std::string timeout;  // a timeout policy name, up to 31 characters
  std::optional<ct_nat> nat;
};
// `invisible`: set by the fork planner when nothing after the action can
// observe it, so it is stepped over in place (OVSXDP_NESTED_INVISIBLE).
struct clone {
  std::vector<action> actions;
  bool invisible = false;
};
struct sample {
  std::uint32_t probability = OVSXDP_SAMPLE_ALWAYS;  // of UINT32_MAX
  std::vector<action> actions;
  bool invisible = false;
};
struct check_pkt_len {
  std::uint16_t max_len = 0;
  std::vector<action> gt, le;
  bool invisible = false;
};
struct meter { std::uint32_t id = 0; };
// push_nsh(...): the header's fields as given; Linux masks flags and ttl to
// their 2 and 6 bits and replaces np by the packet's own next protocol.
struct push_nsh {
  std::uint8_t flags = 0, ttl = 63, mdtype = 1, np = 3;  // OVS's defaults
  std::uint32_t spi = 0;                                  // 24 bits
  std::uint8_t si = 255;
  // MD type 1: the 16 bytes of context c1..c4; MD type 2: the TLVs.
  std::vector<std::uint8_t> metadata = std::vector<std::uint8_t>(16, 0);
};
struct pop_nsh {};
}  // namespace act

using action_variant =
    std::variant<act::output, act::drop, act::push_vlan, act::pop_vlan, act::set_ethernet, act::set_ipv4, act::set_ipv6,
                 act::set_transport, act::set_mpls, act::set_skb_mark, act::set_priority, act::dec_ttl, act::trunc,
                 act::hash, act::push_mpls, act::pop_mpls, act::add_mpls, act::push_eth, act::pop_eth, act::recirc,
                 act::userspace, act::ct_clear, act::ct, act::clone, act::sample, act::check_pkt_len, act::meter, act::set_arp,
                 act::set_nd, act::set_icmp, act::push_nsh, act::pop_nsh>;

struct action : action_variant {
  using action_variant::action_variant;
  const action_variant& base() const { return *this; }
};

using action_list = std::vector<action>;

// ABI bytes of an action list; throws ovsxdp::error when it does not fit
// OVSXDP_ACTIONS_MAX_BYTES or a field is out of range. No fork record: the
// datapath adds one where the list needs copies (datapath/fork_plan.hpp).
std::vector<std::uint8_t> encode_actions(const action_list& actions);
// The records of `actions` appended to `out`, without the size check.
void encode_action_records(const action_list& actions, std::vector<std::uint8_t>& out);
// The action list in ABI bytes; throws ovsxdp::error on malformed records.
action_list decode_actions(std::span<const std::uint8_t> bytes);

// Every port an output names, nested lists included, in order, without repeats.
std::vector<std::uint32_t> output_ports(const action_list& actions);

// Short name of an action kind, for messages ("output", "set(ipv4)").
std::string action_name(const action& a);

bool operator==(const action& a, const action& b);

}  // namespace ovsxdp
