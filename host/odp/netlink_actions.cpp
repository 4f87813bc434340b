// Action lists: OVS_ACTION_ATTR_* streams (Open vSwitch 3.1's numbering) to
// action_list and back. Decoding applies Linux's rules
// (net/openvswitch/flow_netlink.c __ovs_nla_copy_actions: payload lengths,
// required nested attributes, the nesting bound, which keys set() may
// write) and refuses what ovsxdp does not execute, naming the attribute:
// ovs-vswitchd's feature probes rely on those refusals being true. Encoding
// writes what Linux dumps (ovs_nla_put_actions).
#include <linux/openvswitch.h>

#include <cstddef>
#include <cstring>
#include <optional>

#include "odp/netlink.hpp"
#include "odp/netlink_attributes.hpp"
#include "ovsxdp/base/types.h"

namespace ovsxdp::odp {
namespace {

// Linux's key payloads for set(): the layouts OVS sends.
struct key_ipv4 { std::uint32_t src, dst; std::uint8_t proto, tos, ttl, frag; };
struct key_ipv6 { std::uint8_t src[16], dst[16]; std::uint32_t label; std::uint8_t proto, tclass, hlimit, frag; };
struct key_arp { std::uint32_t sip, tip; std::uint16_t op; std::uint8_t sha[6], tha[6]; };
struct key_nd { std::uint8_t target[16], sll[6], tll[6]; };
struct key_l4 { std::uint16_t src, dst; };
struct key_icmp { std::uint8_t type, code; };
static_assert(sizeof(key_ipv4) == sizeof(ovs_key_ipv4) && sizeof(key_ipv6) == sizeof(ovs_key_ipv6) &&
              sizeof(key_arp) == sizeof(ovs_key_arp) && sizeof(key_nd) == sizeof(ovs_key_nd) &&
              sizeof(key_l4) == sizeof(ovs_key_tcp) && sizeof(key_icmp) == sizeof(ovs_key_icmp));

std::string action_type_name(int type) {
  switch (type) {
    case OVS_ACTION_ATTR_OUTPUT: return "output";
    case OVS_ACTION_ATTR_USERSPACE: return "userspace";
    case OVS_ACTION_ATTR_SET: return "set";
    case OVS_ACTION_ATTR_PUSH_VLAN: return "push_vlan";
    case OVS_ACTION_ATTR_POP_VLAN: return "pop_vlan";
    case OVS_ACTION_ATTR_SAMPLE: return "sample";
    case OVS_ACTION_ATTR_RECIRC: return "recirc";
    case OVS_ACTION_ATTR_HASH: return "hash";
    case OVS_ACTION_ATTR_PUSH_MPLS: return "push_mpls";
    case OVS_ACTION_ATTR_POP_MPLS: return "pop_mpls";
    case OVS_ACTION_ATTR_SET_MASKED: return "set_masked";
    case OVS_ACTION_ATTR_CT: return "ct";
    case OVS_ACTION_ATTR_TRUNC: return "trunc";
    case OVS_ACTION_ATTR_PUSH_ETH: return "push_eth";
    case OVS_ACTION_ATTR_POP_ETH: return "pop_eth";
    case OVS_ACTION_ATTR_CT_CLEAR: return "ct_clear";
    case OVS_ACTION_ATTR_PUSH_NSH: return "push_nsh";
    case OVS_ACTION_ATTR_POP_NSH: return "pop_nsh";
    case OVS_ACTION_ATTR_METER: return "meter";
    case OVS_ACTION_ATTR_CLONE: return "clone";
    case OVS_ACTION_ATTR_CHECK_PKT_LEN: return "check_pkt_len";
    case OVS_ACTION_ATTR_ADD_MPLS: return "add_mpls";
    case nl::ovs31::kActionTunnelPush: return "tnl_push";
    case nl::ovs31::kActionTunnelPop: return "tnl_pop";
    case nl::ovs31::kActionDrop: return "drop";
    case nl::ovs31::kActionLbOutput: return "lb_output";
    default: return "action type " + std::to_string(type);
  }
}

[[noreturn]] void refuse(int type, const std::string& why) { throw netlink_error(type, action_type_name(type) + ": " + why); }

template <class T>
T payload(const nl::attribute& a) {
  return nl::get<T>(a, action_type_name(a.type));
}

void expect_empty(const nl::attribute& a) {
  if (!a.payload.empty()) refuse(a.type, "takes no argument, got " + std::to_string(a.payload.size()) + " bytes");
}

// The nested attributes of `a` by type (at most `max`), refusing unknown
// and repeated ones as nla_parse_nested with a strict policy does.
std::vector<std::optional<nl::attribute>> nested(const nl::attribute& a, int max, const std::string& what) {
  std::vector<std::optional<nl::attribute>> out(static_cast<std::size_t>(max) + 1);
  for (const nl::attribute& n : nl::parse(a.payload, a.type, what)) {
    if (n.type <= 0 || n.type > max) refuse(a.type, what + ": unknown nested attribute type " + std::to_string(n.type));
    if (out[static_cast<std::size_t>(n.type)]) refuse(a.type, what + ": nested attribute type " + std::to_string(n.type) + " repeated");
    out[static_cast<std::size_t>(n.type)] = n;
  }
  return out;
}

void expect_flag(const nl::attribute& outer, const nl::attribute& f, const std::string& what) {
  if (!f.payload.empty()) refuse(outer.type, what + " is a flag and takes no argument");
}

std::string string_attr(const nl::attribute& outer, const nl::attribute& s, std::size_t max, const std::string& what) {
  std::string v(s.payload.begin(), s.payload.end());
  if (const auto nul = v.find('\0'); nul != std::string::npos) v.resize(nul);
  if (v.empty() || v.size() > max) refuse(outer.type, what + " must be 1.." + std::to_string(max) + " characters");
  return v;
}

// OVS_ACTION_ATTR_NAT's attributes, with OVS's consistency rules (odp-util.c format_odp_ct_nat).
act::ct_nat decode_nat(const nl::attribute& outer, const nl::attribute& a) {
  const auto n = nested(a, OVS_NAT_ATTR_PROTO_RANDOM, "ct nat");
  act::ct_nat nat;
  for (int f : {OVS_NAT_ATTR_SRC, OVS_NAT_ATTR_DST, OVS_NAT_ATTR_PERSISTENT, OVS_NAT_ATTR_PROTO_HASH, OVS_NAT_ATTR_PROTO_RANDOM})
    if (n[static_cast<std::size_t>(f)]) expect_flag(outer, *n[static_cast<std::size_t>(f)], "ct nat attribute " + std::to_string(f));
  if (n[OVS_NAT_ATTR_SRC] && n[OVS_NAT_ATTR_DST]) refuse(outer.type, "nat: only one of src and dst");
  if (n[OVS_NAT_ATTR_SRC]) nat.type = act::ct_nat::kind::src;
  if (n[OVS_NAT_ATTR_DST]) nat.type = act::ct_nat::kind::dst;
  const bool any_option = n[OVS_NAT_ATTR_IP_MIN] || n[OVS_NAT_ATTR_IP_MAX] || n[OVS_NAT_ATTR_PROTO_MIN] || n[OVS_NAT_ATTR_PROTO_MAX] ||
                          n[OVS_NAT_ATTR_PERSISTENT] || n[OVS_NAT_ATTR_PROTO_HASH] || n[OVS_NAT_ATTR_PROTO_RANDOM];
  if (nat.type == act::ct_nat::kind::none && any_option) refuse(outer.type, "nat: options are allowed only with src or dst");
  if (!n[OVS_NAT_ATTR_IP_MIN] && (n[OVS_NAT_ATTR_IP_MAX] || n[OVS_NAT_ATTR_PROTO_MIN])) refuse(outer.type, "nat: a range or port without a first address");
  if (!n[OVS_NAT_ATTR_PROTO_MIN] && n[OVS_NAT_ATTR_PROTO_MAX]) refuse(outer.type, "nat: a port range without a first port");
  const auto address = [&](const nl::attribute& x) {
    if (x.payload.size() != 4 && x.payload.size() != 16) refuse(outer.type, "nat: an address must be 4 or 16 bytes");
    return std::vector<std::uint8_t>(x.payload.begin(), x.payload.end());
  };
  if (n[OVS_NAT_ATTR_IP_MIN]) nat.min_addr = address(*n[OVS_NAT_ATTR_IP_MIN]);
  if (n[OVS_NAT_ATTR_IP_MAX]) {
    nat.max_addr = address(*n[OVS_NAT_ATTR_IP_MAX]);
    if (nat.max_addr.size() != nat.min_addr.size()) refuse(outer.type, "nat: the range's addresses are of different families");
    if (nat.max_addr < nat.min_addr) refuse(outer.type, "nat: the range's last address is below its first");
  }
  if (n[OVS_NAT_ATTR_PROTO_MIN]) nat.min_port = nl::get<std::uint16_t>(*n[OVS_NAT_ATTR_PROTO_MIN], "nat proto_min");
  if (n[OVS_NAT_ATTR_PROTO_MAX]) nat.max_port = nl::get<std::uint16_t>(*n[OVS_NAT_ATTR_PROTO_MAX], "nat proto_max");
  if (nat.max_port && nat.max_port < nat.min_port) refuse(outer.type, "nat: the port range's end is below its start");
  nat.persistent = n[OVS_NAT_ATTR_PERSISTENT].has_value();
  nat.hash = n[OVS_NAT_ATTR_PROTO_HASH].has_value();
  nat.random = n[OVS_NAT_ATTR_PROTO_RANDOM].has_value();
  if (nat.hash && nat.random) refuse(outer.type, "nat: hash and random exclude each other");
  return nat;
}

// OVS_ACTION_ATTR_CT (Linux ovs_ct_copy_action's parse_ct).
act::ct decode_ct(const nl::attribute& a) {
  const auto n = nested(a, OVS_CT_ATTR_TIMEOUT, "ct");
  act::ct c;
  if (const auto& f = n[OVS_CT_ATTR_COMMIT]) expect_flag(a, *f, "ct commit"), c.commit = true;
  if (const auto& f = n[OVS_CT_ATTR_FORCE_COMMIT]) expect_flag(a, *f, "ct force_commit"), c.force_commit = true;
  if (c.commit && c.force_commit) refuse(a.type, "commit and force_commit exclude each other");
  if (const auto& z = n[OVS_CT_ATTR_ZONE]) c.zone = nl::get<std::uint16_t>(*z, "ct zone");
  if (const auto& m = n[OVS_CT_ATTR_MARK]) {
    const auto v = nl::get<std::array<std::uint32_t, 2>>(*m, "ct mark");
    if (v[1]) c.mark = std::pair{v[0], v[1]};
  }
  if (const auto& l = n[OVS_CT_ATTR_LABELS]) {
    const auto v = nl::get<std::array<std::uint8_t, 32>>(*l, "ct labels");
    act::ct_labels labels;
    std::memcpy(labels.value.data(), v.data(), 16);
    std::memcpy(labels.mask.data(), v.data() + 16, 16);
    if (labels.mask != std::array<std::uint8_t, 16>{}) c.label = labels;
  }
  if (const auto& h = n[OVS_CT_ATTR_HELPER]) c.helper = string_attr(a, *h, 15, "ct helper");
  if (const auto& t = n[OVS_CT_ATTR_TIMEOUT]) c.timeout = string_attr(a, *t, 31, "ct timeout");
  if (const auto& x = n[OVS_CT_ATTR_NAT]) c.nat = decode_nat(a, *x);
  // OVS_CT_ATTR_EVENTMASK only filters conntrack events, which ovsxdp does not send.
  return c;
}

bool all_ones(const void* p, std::size_t n) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  for (std::size_t i = 0; i < n; i++)
    if (b[i] != 0xff) return false;
  return true;
}

// set(KEY) or set_masked(KEY value+mask): the key attribute's payload split
// into value and mask (a plain set writes every field: an all-ones mask).
struct set_payload {
  int key_type;
  std::span<const std::uint8_t> value, mask;
  std::vector<std::uint8_t> ones;
};

template <class T>
void split(const set_payload& s, T& value, T& mask) {
  std::memcpy(&value, s.value.data(), sizeof(T));
  std::memcpy(&mask, s.mask.data(), sizeof(T));
}

action decode_set(const nl::attribute& a) {
  const bool masked = a.type == OVS_ACTION_ATTR_SET_MASKED;
  const auto inner = nl::parse(a.payload, a.type, action_type_name(a.type));
  if (inner.size() != 1) refuse(a.type, "holds " + std::to_string(inner.size()) + " key attributes, expected exactly one");
  const nl::attribute& k = inner[0];
  const std::string field = attribute_name(k.type);
  std::size_t size = 0;
  switch (k.type) {
    case OVS_KEY_ATTR_PRIORITY: case OVS_KEY_ATTR_SKB_MARK: size = 4; break;
    case OVS_KEY_ATTR_ETHERNET: size = sizeof(ovs_key_ethernet); break;
    case OVS_KEY_ATTR_IPV4: size = sizeof(key_ipv4); break;
    case OVS_KEY_ATTR_IPV6: size = sizeof(key_ipv6); break;
    case OVS_KEY_ATTR_TCP: case OVS_KEY_ATTR_UDP: case OVS_KEY_ATTR_SCTP: size = sizeof(key_l4); break;
    case OVS_KEY_ATTR_MPLS: size = sizeof(ovs_key_mpls); break;
    case OVS_KEY_ATTR_ARP: size = sizeof(key_arp); break;
    case OVS_KEY_ATTR_ND: size = sizeof(key_nd); break;
    case OVS_KEY_ATTR_ICMP: case OVS_KEY_ATTR_ICMPV6: size = sizeof(key_icmp); break;
    case OVS_KEY_ATTR_TUNNEL:
      refuse(a.type, "setting tunnel() is not supported: ovsxdp has no tunnels yet");
    case OVS_KEY_ATTR_CT_STATE: case OVS_KEY_ATTR_CT_ZONE: case OVS_KEY_ATTR_CT_MARK: case OVS_KEY_ATTR_CT_LABELS:
      refuse(a.type, "setting " + field + "() is not supported: ovsxdp has no conntrack yet");
    case OVS_KEY_ATTR_NSH:
      refuse(a.type, "setting nsh() is not supported (Linux removed it)");
    default:
      refuse(a.type, "key attribute " + field + " cannot be set (Linux refuses it too)");
  }
  set_payload s{k.type, {}, {}, {}};
  if (masked) {
    if (k.payload.size() != 2 * size)
      refuse(a.type, field + " value and mask of " + std::to_string(k.payload.size()) + " bytes, expected " + std::to_string(2 * size));
    s.value = k.payload.first(size);
    s.mask = k.payload.subspan(size, size);
    // Linux's validate_masked: OVS sends the value already masked.
    for (std::size_t i = 0; i < size; i++)
      if (s.value[i] & ~s.mask[i])
        refuse(a.type, field + " value has bits outside its mask (byte " + std::to_string(i) + "): Linux refuses it");
  } else {
    if (k.payload.size() != size)
      refuse(a.type, field + " of " + std::to_string(k.payload.size()) + " bytes, expected " + std::to_string(size));
    s.ones.assign(size, 0xff);
    s.value = k.payload;
    s.mask = s.ones;
  }
  switch (k.type) {
    case OVS_KEY_ATTR_PRIORITY: case OVS_KEY_ATTR_SKB_MARK: {
      std::uint32_t v, m;
      split(s, v, m);
      if (k.type == OVS_KEY_ATTR_PRIORITY) return act::set_priority{v, m};
      return act::set_skb_mark{v, m};
    }
    case OVS_KEY_ATTR_ETHERNET: {
      ovs_key_ethernet v, m;
      split(s, v, m);
      act::set_ethernet e;
      std::memcpy(e.value.src, v.eth_src, 6);
      std::memcpy(e.value.dst, v.eth_dst, 6);
      std::memcpy(e.mask.src, m.eth_src, 6);
      std::memcpy(e.mask.dst, m.eth_dst, 6);
      return e;
    }
    case OVS_KEY_ATTR_IPV4: {
      key_ipv4 v, m;
      split(s, v, m);
      if (masked && (m.proto || m.frag)) refuse(a.type, "ipv4 proto and frag cannot be written (their mask must be 0)");
      act::set_ipv4 r;
      r.value = {v.src, v.dst, v.tos, v.ttl, v.proto, v.frag};
      r.mask = {m.src, m.dst, m.tos, m.ttl, m.proto, m.frag};
      return r;
    }
    case OVS_KEY_ATTR_IPV6: {
      key_ipv6 v, m;
      split(s, v, m);
      if (masked && (m.proto || m.frag)) refuse(a.type, "ipv6 proto and frag cannot be written (their mask must be 0)");
      if (ntoh32(v.label) & 0xfff00000u || (masked && ntoh32(m.label) & 0xfff00000u))
        refuse(a.type, "ipv6 label has bits above the 20 a flow label holds");
      act::set_ipv6 r;
      std::memcpy(r.value.src, v.src, 16);
      std::memcpy(r.value.dst, v.dst, 16);
      std::memcpy(r.mask.src, m.src, 16);
      std::memcpy(r.mask.dst, m.dst, 16);
      r.value.label = v.label;
      r.mask.label = masked ? m.label : hton32(0xfffff);
      r.value.tclass = v.tclass, r.mask.tclass = m.tclass;
      r.value.hlimit = v.hlimit, r.mask.hlimit = m.hlimit;
      r.value.proto = v.proto, r.mask.proto = m.proto;
      r.value.frag = v.frag, r.mask.frag = m.frag;
      return r;
    }
    case OVS_KEY_ATTR_TCP: case OVS_KEY_ATTR_UDP: case OVS_KEY_ATTR_SCTP: {
      key_l4 v, m;
      split(s, v, m);
      act::set_transport t;
      t.target = k.type == OVS_KEY_ATTR_TCP ? OVSXDP_SET_TCP : k.type == OVS_KEY_ATTR_UDP ? OVSXDP_SET_UDP : OVSXDP_SET_SCTP;
      t.value = {v.src, v.dst};
      t.mask = {m.src, m.dst};
      return t;
    }
    case OVS_KEY_ATTR_MPLS: {
      ovs_key_mpls v, m;
      split(s, v, m);
      return act::set_mpls{{v.mpls_lse}, {m.mpls_lse}};
    }
    case OVS_KEY_ATTR_ARP: {
      key_arp v, m;
      split(s, v, m);
      act::set_arp r;
      r.value = {v.sip, v.tip, {}, {}, v.op, 0};
      r.mask = {m.sip, m.tip, {}, {}, m.op, 0};
      std::memcpy(r.value.sha, v.sha, 6);
      std::memcpy(r.value.tha, v.tha, 6);
      std::memcpy(r.mask.sha, m.sha, 6);
      std::memcpy(r.mask.tha, m.tha, 6);
      return r;
    }
    case OVS_KEY_ATTR_ND: {
      key_nd v, m;
      split(s, v, m);
      act::set_nd r;
      std::memcpy(r.value.target, v.target, 16);
      std::memcpy(r.value.sll, v.sll, 6);
      std::memcpy(r.value.tll, v.tll, 6);
      std::memcpy(r.mask.target, m.target, 16);
      std::memcpy(r.mask.sll, m.sll, 6);
      std::memcpy(r.mask.tll, m.tll, 6);
      return r;
    }
    default: {  // ICMP, ICMPV6
      key_icmp v, m;
      split(s, v, m);
      act::set_icmp r;
      r.target = k.type == OVS_KEY_ATTR_ICMP ? OVSXDP_SET_ICMP : OVSXDP_SET_ICMPV6;
      r.value = {v.type, v.code, 0};
      r.mask = {m.type, m.code, 0};
      return r;
    }
  }
}

action_list decode_list(std::span<const std::uint8_t> bytes, int context, int depth, const std::string& what);

action_list decode_nested_list(const nl::attribute& a, int depth, const std::string& what) {
  return decode_list(a.payload, a.type, depth + 1, what);
}

action decode_one(const nl::attribute& a, int depth) {
  switch (a.type) {
    case OVS_ACTION_ATTR_OUTPUT: return act::output{payload<std::uint32_t>(a)};
    case OVS_ACTION_ATTR_USERSPACE: {
      const auto n = nested(a, OVS_USERSPACE_ATTR_ACTIONS, "userspace");
      if (!n[OVS_USERSPACE_ATTR_PID]) refuse(a.type, "has no pid (OVS_USERSPACE_ATTR_PID): Linux requires one");
      act::userspace u;
      u.pid = nl::get<std::uint32_t>(*n[OVS_USERSPACE_ATTR_PID], "userspace pid");
      if (u.pid == 0) refuse(a.type, "pid 0 names no Netlink socket: Linux refuses it");
      if (const auto& d = n[OVS_USERSPACE_ATTR_USERDATA]) u.userdata.assign(d->payload.begin(), d->payload.end());
      if (const auto& t = n[OVS_USERSPACE_ATTR_EGRESS_TUN_PORT]) u.tunnel_out_port = nl::get<std::uint32_t>(*t, "userspace tunnel_out_port");
      if (const auto& f = n[OVS_USERSPACE_ATTR_ACTIONS]) {
        if (!f->payload.empty()) refuse(a.type, "the actions flag (OVS_USERSPACE_ATTR_ACTIONS) takes no argument");
        u.attach_actions = true;
      }
      return u;
    }
    case OVS_ACTION_ATTR_SET: case OVS_ACTION_ATTR_SET_MASKED: return decode_set(a);
    case OVS_ACTION_ATTR_PUSH_VLAN: {
      const auto v = payload<ovs_action_push_vlan>(a);
      const std::uint16_t tpid = ntoh16(v.vlan_tpid), tci = ntoh16(v.vlan_tci);
      if (tpid != 0x8100 && tpid != 0x88a8) refuse(a.type, "TPID " + std::to_string(tpid) + " is neither 0x8100 nor 0x88a8");
      if (!(tci & OVSXDP_VLAN_PRESENT)) refuse(a.type, "the tci lacks the present bit (0x1000): Linux refuses it");
      return act::push_vlan{tpid, tci};
    }
    case OVS_ACTION_ATTR_POP_VLAN: expect_empty(a); return act::pop_vlan{};
    case OVS_ACTION_ATTR_SAMPLE: {
      const auto n = nested(a, OVS_SAMPLE_ATTR_ACTIONS, "sample");
      if (!n[OVS_SAMPLE_ATTR_PROBABILITY]) refuse(a.type, "has no probability (OVS_SAMPLE_ATTR_PROBABILITY)");
      if (!n[OVS_SAMPLE_ATTR_ACTIONS]) refuse(a.type, "has no actions (OVS_SAMPLE_ATTR_ACTIONS)");
      act::sample s;
      s.probability = nl::get<std::uint32_t>(*n[OVS_SAMPLE_ATTR_PROBABILITY], "sample probability");
      s.actions = decode_nested_list(*n[OVS_SAMPLE_ATTR_ACTIONS], depth, "actions of sample");
      return s;
    }
    case OVS_ACTION_ATTR_RECIRC: return act::recirc{payload<std::uint32_t>(a)};
    case OVS_ACTION_ATTR_HASH: {
      const auto h = payload<ovs_action_hash>(a);
      if (h.hash_alg != OVSXDP_HASH_L4 && h.hash_alg != OVSXDP_HASH_SYM_L4)
        refuse(a.type, "hash algorithm " + std::to_string(h.hash_alg) + " is unknown (0: L4, 1: symmetric L4)");
      return act::hash{h.hash_alg, h.hash_basis};
    }
    case OVS_ACTION_ATTR_PUSH_MPLS: {
      const auto m = payload<ovs_action_push_mpls>(a);
      const std::uint16_t type = ntoh16(m.mpls_ethertype);
      if (type != 0x8847 && type != 0x8848) refuse(a.type, "EtherType " + std::to_string(type) + " is not MPLS (0x8847 or 0x8848)");
      return act::push_mpls{ntoh32(m.mpls_lse), type};
    }
    case OVS_ACTION_ATTR_POP_MPLS: return act::pop_mpls{ntoh16(payload<std::uint16_t>(a))};
    case OVS_ACTION_ATTR_TRUNC: {
      const auto t = payload<ovs_action_trunc>(a);
      if (t.max_len < 14) refuse(a.type, "max_len " + std::to_string(t.max_len) + " is shorter than an Ethernet header (14)");
      return act::trunc{t.max_len};
    }
    case OVS_ACTION_ATTR_PUSH_ETH: {
      const auto e = payload<ovs_action_push_eth>(a);
      act::push_eth p;
      std::memcpy(p.src.data(), e.addresses.eth_src, 6);
      std::memcpy(p.dst.data(), e.addresses.eth_dst, 6);
      return p;
    }
    case OVS_ACTION_ATTR_POP_ETH: expect_empty(a); return act::pop_eth{};
    case OVS_ACTION_ATTR_CT_CLEAR: expect_empty(a); return act::ct_clear{};
    case OVS_ACTION_ATTR_CT: return decode_ct(a);
    case OVS_ACTION_ATTR_PUSH_NSH: {
      // As Linux's validate_push_nsh: one nested OVS_KEY_ATTR_NSH holding the header.
      const auto wrapper = nl::parse(a.payload, a.type, "push_nsh");
      if (wrapper.size() != 1 || wrapper[0].type != OVS_KEY_ATTR_NSH)
        refuse(a.type, "must hold exactly one nsh() key attribute (OVS_KEY_ATTR_NSH)");
      const nl::attribute header{a.type, wrapper[0].payload};
      const auto n = nested(header, OVS_NSH_KEY_ATTR_MD2, "push_nsh");
      if (!n[OVS_NSH_KEY_ATTR_BASE]) refuse(a.type, "has no base header (OVS_NSH_KEY_ATTR_BASE)");
      const auto base = nl::get<ovs_nsh_key_base>(*n[OVS_NSH_KEY_ATTR_BASE], "push_nsh base");
      act::push_nsh p;
      p.flags = base.flags, p.ttl = base.ttl, p.mdtype = base.mdtype, p.np = base.np;
      p.spi = ntoh32(base.path_hdr) >> 8;
      p.si = static_cast<std::uint8_t>(ntoh32(base.path_hdr) & 0xff);
      if (p.mdtype == 1) {
        if (!n[OVS_NSH_KEY_ATTR_MD1] || n[OVS_NSH_KEY_ATTR_MD2]) refuse(a.type, "MD type 1 needs the MD1 context and no MD2");
        const auto& md = n[OVS_NSH_KEY_ATTR_MD1]->payload;
        if (md.size() != 16) refuse(a.type, "MD1 context of " + std::to_string(md.size()) + " bytes, expected 16");
        p.metadata.assign(md.begin(), md.end());
      } else if (p.mdtype == 2) {
        if (n[OVS_NSH_KEY_ATTR_MD1]) refuse(a.type, "MD type 2 with an MD1 context");
        p.metadata.clear();
        if (const auto& md = n[OVS_NSH_KEY_ATTR_MD2]) {
          // Linux: NSH_CTX_HDRS_MAX_LEN, what the 6-bit length in words leaves after the base header.
          if (md->payload.size() > 248) refuse(a.type, "MD2 metadata of " + std::to_string(md->payload.size()) + " bytes, more than 248");
          p.metadata.assign(md->payload.begin(), md->payload.end());
        }
      } else {
        refuse(a.type, "MD type " + std::to_string(p.mdtype) + " is neither 1 nor 2");
      }
      return p;
    }
    case OVS_ACTION_ATTR_POP_NSH: expect_empty(a); return act::pop_nsh{};
    case OVS_ACTION_ATTR_METER: return act::meter{payload<std::uint32_t>(a)};
    case OVS_ACTION_ATTR_CLONE: return act::clone{decode_nested_list(a, depth, "actions of clone"), false};
    case OVS_ACTION_ATTR_CHECK_PKT_LEN: {
      const auto n = nested(a, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL, "check_pkt_len");
      if (!n[OVS_CHECK_PKT_LEN_ATTR_PKT_LEN] || !n[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER] ||
          !n[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL])
        refuse(a.type, "needs pkt_len and both action lists (greater, less-or-equal)");
      act::check_pkt_len c;
      c.max_len = nl::get<std::uint16_t>(*n[OVS_CHECK_PKT_LEN_ATTR_PKT_LEN], "check_pkt_len pkt_len");
      c.gt = decode_nested_list(*n[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER], depth, "greater actions of check_pkt_len");
      c.le = decode_nested_list(*n[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL], depth, "less-or-equal actions of check_pkt_len");
      return c;
    }
    case OVS_ACTION_ATTR_ADD_MPLS: {
      const auto m = payload<ovs_action_add_mpls>(a);
      const std::uint16_t type = ntoh16(m.mpls_ethertype);
      if (type != 0x8847 && type != 0x8848) refuse(a.type, "EtherType " + std::to_string(type) + " is not MPLS (0x8847 or 0x8848)");
      if (m.tun_flags & ~OVS_MPLS_L3_TUNNEL_FLAG_MASK) refuse(a.type, "unknown tunnel flags " + std::to_string(m.tun_flags));
      return act::add_mpls{ntoh32(m.mpls_lse), type, (m.tun_flags & OVS_MPLS_L3_TUNNEL_FLAG_MASK) != 0};
    }
    case nl::ovs31::kActionDrop: {
      const auto reason = payload<std::uint32_t>(a);
      // OVS's xlate_error values are small; ovsxdp keeps 16 bits of them.
      if (reason > 0xffff) refuse(a.type, "reason " + std::to_string(reason) + " does not fit the 16 bits ovsxdp keeps");
      return act::drop{static_cast<std::uint16_t>(reason)};
    }
    case nl::ovs31::kActionTunnelPush: case nl::ovs31::kActionTunnelPop:
      refuse(a.type, "tunnels are not supported by ovsxdp yet");
    case nl::ovs31::kActionLbOutput: refuse(a.type, "balance-tcp bond output is not supported by ovsxdp");
    default: refuse(a.type, "unknown to Open vSwitch 3.1's datapath interface");
  }
}

action_list decode_list(std::span<const std::uint8_t> bytes, int context, int depth, const std::string& what) {
  if (depth > kMaxActionNesting)
    throw netlink_error(context, what + ": nested deeper than " + std::to_string(kMaxActionNesting) + " levels (Linux: OVS_COPY_ACTIONS_MAX_DEPTH)");
  action_list out;
  for (const nl::attribute& a : nl::parse(bytes, context, what)) out.push_back(decode_one(a, depth));
  return out;
}

// ---- encoding ----

void put_list(nl::writer& w, const action_list& actions);

void put_nested_list(nl::writer& w, int type, const action_list& actions) {
  const std::size_t at = w.begin_nested(type);
  put_list(w, actions);
  w.end_nested(at);
}

// A set whose mask covers every byte is written as set(), as Linux dumps a
// set it was given unmasked; otherwise set_masked with the value masked.
template <class T>
void put_set(nl::writer& w, int key_type, const T& value, const T& mask, bool exact) {
  if (exact) {
    const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_SET);
    w.put(key_type, &value, sizeof(T));
    w.end_nested(at);
    return;
  }
  std::uint8_t both[2 * sizeof(T)];
  const auto* v = reinterpret_cast<const std::uint8_t*>(&value);
  const auto* m = reinterpret_cast<const std::uint8_t*>(&mask);
  for (std::size_t i = 0; i < sizeof(T); i++) both[i] = v[i] & m[i], both[sizeof(T) + i] = m[i];
  const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_SET_MASKED);
  w.put(key_type, both, sizeof both);
  w.end_nested(at);
}

template <class T>
void put_set(nl::writer& w, int key_type, const T& value, const T& mask) {
  put_set(w, key_type, value, mask, all_ones(&mask, sizeof(T)));
}

struct encoder {
  nl::writer& w;

  void operator()(const act::output& a) { w.put_value(OVS_ACTION_ATTR_OUTPUT, a.port); }
  void operator()(const act::drop& a) { w.put_value(nl::ovs31::kActionDrop, std::uint32_t{a.reason}); }
  void operator()(const act::push_vlan& a) {
    w.put_value(OVS_ACTION_ATTR_PUSH_VLAN, ovs_action_push_vlan{hton16(a.tpid), hton16(a.tci)});
  }
  void operator()(const act::pop_vlan&) { w.put_flag(OVS_ACTION_ATTR_POP_VLAN); }
  void operator()(const act::set_ethernet& a) {
    ovs_key_ethernet v{}, m{};
    std::memcpy(v.eth_src, a.value.src, 6), std::memcpy(v.eth_dst, a.value.dst, 6);
    std::memcpy(m.eth_src, a.mask.src, 6), std::memcpy(m.eth_dst, a.mask.dst, 6);
    put_set(w, OVS_KEY_ATTR_ETHERNET, v, m);
  }
  void operator()(const act::set_ipv4& a) {
    put_set(w, OVS_KEY_ATTR_IPV4, key_ipv4{a.value.src, a.value.dst, a.value.proto, a.value.tos, a.value.ttl, a.value.frag},
            key_ipv4{a.mask.src, a.mask.dst, a.mask.proto, a.mask.tos, a.mask.ttl, a.mask.frag});
  }
  void operator()(const act::set_ipv6& a) {
    key_ipv6 v{}, m{};
    std::memcpy(v.src, a.value.src, 16), std::memcpy(v.dst, a.value.dst, 16);
    std::memcpy(m.src, a.mask.src, 16), std::memcpy(m.dst, a.mask.dst, 16);
    v.label = a.value.label, m.label = a.mask.label;
    v.proto = a.value.proto, m.proto = a.mask.proto;
    v.tclass = a.value.tclass, m.tclass = a.mask.tclass;
    v.hlimit = a.value.hlimit, m.hlimit = a.mask.hlimit;
    v.frag = a.value.frag, m.frag = a.mask.frag;
    // A label mask of all 20 bits is the whole label: Linux's unmasked set.
    if (ntoh32(m.label) == 0xfffff) {
      key_ipv6 full = m;
      full.label = 0xffffffffu;
      if (all_ones(&full, sizeof full)) {
        const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_SET);
        w.put(OVS_KEY_ATTR_IPV6, &v, sizeof v);
        w.end_nested(at);
        return;
      }
    }
    put_set(w, OVS_KEY_ATTR_IPV6, v, m);
  }
  void operator()(const act::set_transport& a) {
    const int type = a.target == OVSXDP_SET_TCP ? OVS_KEY_ATTR_TCP : a.target == OVSXDP_SET_UDP ? OVS_KEY_ATTR_UDP : OVS_KEY_ATTR_SCTP;
    put_set(w, type, key_l4{a.value.src, a.value.dst}, key_l4{a.mask.src, a.mask.dst});
  }
  void operator()(const act::set_mpls& a) { put_set(w, OVS_KEY_ATTR_MPLS, ovs_key_mpls{a.value.lse}, ovs_key_mpls{a.mask.lse}); }
  void operator()(const act::set_skb_mark& a) { put_set(w, OVS_KEY_ATTR_SKB_MARK, a.value, a.mask); }
  void operator()(const act::set_priority& a) { put_set(w, OVS_KEY_ATTR_PRIORITY, a.value, a.mask); }
  void operator()(const act::set_arp& a) {
    key_arp v, m;
    std::memset(&v, 0, sizeof v), std::memset(&m, 0, sizeof m);  // the trailing padding too
    v.sip = a.value.sip, v.tip = a.value.tip, v.op = a.value.op;
    m.sip = a.mask.sip, m.tip = a.mask.tip, m.op = a.mask.op;
    std::memcpy(v.sha, a.value.sha, 6), std::memcpy(v.tha, a.value.tha, 6);
    std::memcpy(m.sha, a.mask.sha, 6), std::memcpy(m.tha, a.mask.tha, 6);
    // Exact as OVS's odp_mask_is_exact judges ARP: the padding aside.
    const bool exact = all_ones(&m, offsetof(key_arp, tha) + sizeof m.tha);
    put_set(w, OVS_KEY_ATTR_ARP, v, m, exact);
  }
  void operator()(const act::set_nd& a) {
    key_nd v{}, m{};
    std::memcpy(v.target, a.value.target, 16), std::memcpy(v.sll, a.value.sll, 6), std::memcpy(v.tll, a.value.tll, 6);
    std::memcpy(m.target, a.mask.target, 16), std::memcpy(m.sll, a.mask.sll, 6), std::memcpy(m.tll, a.mask.tll, 6);
    put_set(w, OVS_KEY_ATTR_ND, v, m);
  }
  void operator()(const act::set_icmp& a) {
    put_set(w, a.target == OVSXDP_SET_ICMP ? OVS_KEY_ATTR_ICMP : OVS_KEY_ATTR_ICMPV6, key_icmp{a.value.type, a.value.code},
            key_icmp{a.mask.type, a.mask.code});
  }
  void operator()(const act::dec_ttl&) {
    // OVS 3.1 gives number 23 to tnl_push: it cannot say dec_ttl.
    throw netlink_error(-1, "dec_ttl has no number in Open vSwitch 3.1's datapath interface");
  }
  void operator()(const act::trunc& a) { w.put_value(OVS_ACTION_ATTR_TRUNC, ovs_action_trunc{a.max_len}); }
  void operator()(const act::hash& a) { w.put_value(OVS_ACTION_ATTR_HASH, ovs_action_hash{a.alg, a.basis}); }
  void operator()(const act::push_mpls& a) {
    ovs_action_push_mpls m{};
    m.mpls_lse = hton32(a.lse), m.mpls_ethertype = hton16(a.ethertype);
    w.put_value(OVS_ACTION_ATTR_PUSH_MPLS, m);
  }
  void operator()(const act::pop_mpls& a) { w.put_value(OVS_ACTION_ATTR_POP_MPLS, hton16(a.ethertype)); }
  void operator()(const act::add_mpls& a) {
    ovs_action_add_mpls m{};
    m.mpls_lse = hton32(a.lse), m.mpls_ethertype = hton16(a.ethertype);
    m.tun_flags = a.l3_tunnel ? OVS_MPLS_L3_TUNNEL_FLAG_MASK : 0;
    w.put_value(OVS_ACTION_ATTR_ADD_MPLS, m);
  }
  void operator()(const act::push_eth& a) {
    ovs_action_push_eth e{};
    std::memcpy(e.addresses.eth_src, a.src.data(), 6), std::memcpy(e.addresses.eth_dst, a.dst.data(), 6);
    w.put_value(OVS_ACTION_ATTR_PUSH_ETH, e);
  }
  void operator()(const act::pop_eth&) { w.put_flag(OVS_ACTION_ATTR_POP_ETH); }
  void operator()(const act::recirc& a) { w.put_value(OVS_ACTION_ATTR_RECIRC, a.id); }
  void operator()(const act::userspace& a) {
    const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_USERSPACE);
    w.put_value(OVS_USERSPACE_ATTR_PID, a.pid);
    if (!a.userdata.empty()) w.put(OVS_USERSPACE_ATTR_USERDATA, a.userdata.data(), a.userdata.size());
    if (a.tunnel_out_port) w.put_value(OVS_USERSPACE_ATTR_EGRESS_TUN_PORT, *a.tunnel_out_port);
    if (a.attach_actions) w.put_flag(OVS_USERSPACE_ATTR_ACTIONS);
    w.end_nested(at);
  }
  void operator()(const act::ct_clear&) { w.put_flag(OVS_ACTION_ATTR_CT_CLEAR); }
  void operator()(const act::ct& a) {
    const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_CT);
    if (a.commit) w.put_flag(OVS_CT_ATTR_COMMIT);
    else if (a.force_commit) w.put_flag(OVS_CT_ATTR_FORCE_COMMIT);
    if (a.zone) w.put_value(OVS_CT_ATTR_ZONE, a.zone);
    if (a.mark) w.put_value(OVS_CT_ATTR_MARK, std::array<std::uint32_t, 2>{a.mark->first, a.mark->second});
    if (a.label) {
      std::array<std::uint8_t, 32> v{};
      std::memcpy(v.data(), a.label->value.data(), 16);
      std::memcpy(v.data() + 16, a.label->mask.data(), 16);
      w.put_value(OVS_CT_ATTR_LABELS, v);
    }
    if (!a.helper.empty()) w.put(OVS_CT_ATTR_HELPER, a.helper.c_str(), a.helper.size() + 1);
    if (!a.timeout.empty()) w.put(OVS_CT_ATTR_TIMEOUT, a.timeout.c_str(), a.timeout.size() + 1);
    if (a.nat) {
      const std::size_t nat = w.begin_nested(OVS_CT_ATTR_NAT);
      const act::ct_nat& x = *a.nat;
      if (x.type != act::ct_nat::kind::none) {
        w.put_flag(x.type == act::ct_nat::kind::src ? OVS_NAT_ATTR_SRC : OVS_NAT_ATTR_DST);
        if (!x.min_addr.empty()) {
          w.put(OVS_NAT_ATTR_IP_MIN, x.min_addr.data(), x.min_addr.size());
          if (!x.max_addr.empty() && x.max_addr > x.min_addr) w.put(OVS_NAT_ATTR_IP_MAX, x.max_addr.data(), x.max_addr.size());
          if (x.min_port) {
            w.put_value(OVS_NAT_ATTR_PROTO_MIN, x.min_port);
            if (x.max_port > x.min_port) w.put_value(OVS_NAT_ATTR_PROTO_MAX, x.max_port);
          }
        }
        if (x.persistent) w.put_flag(OVS_NAT_ATTR_PERSISTENT);
        if (x.hash) w.put_flag(OVS_NAT_ATTR_PROTO_HASH);
        if (x.random) w.put_flag(OVS_NAT_ATTR_PROTO_RANDOM);
      }
      w.end_nested(nat);
    }
    w.end_nested(at);
  }
  void operator()(const act::clone& a) { put_nested_list(w, OVS_ACTION_ATTR_CLONE, a.actions); }
  void operator()(const act::sample& a) {
    const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_SAMPLE);
    w.put_value(OVS_SAMPLE_ATTR_PROBABILITY, a.probability);
    put_nested_list(w, OVS_SAMPLE_ATTR_ACTIONS, a.actions);
    w.end_nested(at);
  }
  void operator()(const act::check_pkt_len& a) {
    const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_CHECK_PKT_LEN);
    w.put_value(OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, a.max_len);
    put_nested_list(w, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER, a.gt);
    put_nested_list(w, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL, a.le);
    w.end_nested(at);
  }
  void operator()(const act::meter& a) { w.put_value(OVS_ACTION_ATTR_METER, a.id); }
  void operator()(const act::push_nsh& a) {
    const std::size_t at = w.begin_nested(OVS_ACTION_ATTR_PUSH_NSH);
    const std::size_t header = w.begin_nested(OVS_KEY_ATTR_NSH);
    ovs_nsh_key_base base{a.flags, a.ttl, a.mdtype, a.np, hton32(a.spi << 8 | a.si)};
    w.put_value(OVS_NSH_KEY_ATTR_BASE, base);
    if (a.mdtype == 1) w.put(OVS_NSH_KEY_ATTR_MD1, a.metadata.data(), a.metadata.size());
    else if (!a.metadata.empty()) w.put(OVS_NSH_KEY_ATTR_MD2, a.metadata.data(), a.metadata.size());
    w.end_nested(header);
    w.end_nested(at);
  }
  void operator()(const act::pop_nsh&) { w.put_flag(OVS_ACTION_ATTR_POP_NSH); }
};

void put_list(nl::writer& w, const action_list& actions) {
  for (const action& a : actions) std::visit(encoder{w}, a.base());
}

}  // namespace

action_list decode_actions(std::span<const std::uint8_t> actions) { return decode_list(actions, -1, 0, "actions"); }

std::vector<std::uint8_t> encode_actions(const action_list& actions) {
  nl::writer w;
  put_list(w, actions);
  return w.take();
}

}  // namespace ovsxdp::odp
