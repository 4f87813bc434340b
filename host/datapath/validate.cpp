#include "datapath/validate.hpp"

#include <cstring>
#include <string>

#include "ovsxdp/base/types.h"
#include "runtime/error.hpp"
#include "runtime/overloaded.hpp"

namespace ovsxdp {
namespace {

constexpr std::uint16_t kIpv4 = 0x0800, kIpv6 = 0x86dd, kArp = 0x0806, kRarp = 0x8035, kMpls = 0x8847,
                        kMplsMulticast = 0x8848, kTeb = 0x6558, kVlan = 0x8100, kQinq = 0x88a8;

bool is_mpls(std::uint16_t t) { return t == kMpls || t == kMplsMulticast; }

template <class T>
bool any(const T& v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  for (std::size_t i = 0; i < sizeof(T); i++)
    if (p[i]) return true;
  return false;
}

[[noreturn]] void refuse_match(const std::string& what, const std::string& why) {
  throw invalid_flow("install flow", "", "match " + what + ": " + why);
}

[[noreturn]] void refuse_action(const action& a, const std::string& why) {
  throw invalid_flow("install flow", "", "action " + action_name(a) + ": " + why);
}

template <class T>
bool value_outside_mask(const T& value, const T& mask) {
  const auto* v = reinterpret_cast<const std::uint8_t*>(&value);
  const auto* m = reinterpret_cast<const std::uint8_t*>(&mask);
  for (std::size_t i = 0; i < sizeof(T); i++)
    if (v[i] & ~m[i]) return true;
  return false;
}

// What the packet looks like at a point in the action list.
struct packet_state {
  std::uint16_t eth_type;  // 0 when not known exactly
  int vlan;                // VLAN tags known to be present (0, 1 or 2; pushes add more)
  std::uint8_t mac_proto;
  std::uint8_t ip_proto;   // 0 when not matched exactly
  std::uint8_t ip_frag;    // as the flow's masked key holds it
  int mpls_labels;
};

template <class T>
bool all_ones(const T& mask) {
  const auto* m = reinterpret_cast<const std::uint8_t*>(&mask);
  for (std::size_t i = 0; i < sizeof(T); i++)
    if (m[i] != 0xff) return false;
  return true;
}

// IP proto and frag appear in set(ipv4/ipv6(...)) but cannot be written
// (Linux validate_set): a masked set may not name them, a full set must
// repeat the flow's values.
void check_not_writable(const action& a, std::uint8_t proto, std::uint8_t proto_mask, std::uint8_t frag, std::uint8_t frag_mask, bool full,
                        const packet_state& s) {
  if (full) {
    if (proto != s.ip_proto || frag != s.ip_frag)
      refuse_action(a, "a full set must repeat the flow's proto (" + std::to_string(s.ip_proto) + ") and frag: they cannot be written");
  } else if (proto_mask || frag_mask) {
    refuse_action(a, "proto and frag cannot be written (leave them out of a masked set)");
  }
}

class action_checker {
 public:
  action_checker(const std::function<bool(std::uint32_t)>& port_exists) : port_exists_(port_exists) {}

  void list(const action_list& actions, packet_state s) {
    for (std::size_t i = 0; i < actions.size(); i++) one(actions[i], s, i + 1 == actions.size());
  }

 private:
  // A nested list acts on a copy: what it does to the packet stays inside.
  void nested(const action& owner, const action_list& actions, const packet_state& s) {
    if (++depth_ > kMaxNesting) refuse_action(owner, "action lists nest at most " + std::to_string(kMaxNesting) + " deep (as in Linux)");
    list(actions, s);
    depth_--;
  }
  static constexpr int kMaxNesting = 16;
  int depth_ = 0;

  void require_ethernet(const action& a, const packet_state& s) {
    if (s.mac_proto != OVSXDP_MAC_ETHERNET) refuse_action(a, "the packet has no Ethernet header at this point (after pop_eth or add_mpls)");
  }

  void one(const action& a, packet_state& s, bool last) {
    std::visit(
        overloaded{
            [&](const act::output& x) {
              if (!port_exists_(x.port)) refuse_action(a, "port " + std::to_string(x.port) + " is not in the datapath");
            },
            [&](const act::drop&) {
              if (!last) refuse_action(a, "drop must be the last action");
            },
            [&](const act::push_vlan& x) {
              require_ethernet(a, s);
              if (x.tpid != kVlan && x.tpid != kQinq) refuse_action(a, "tpid must be 0x8100 or 0x88a8");
              if (!(x.tci & OVSXDP_VLAN_PRESENT)) refuse_action(a, "the tci must have the present bit (cfi, 0x1000) set");
              s.vlan++;
            },
            [&](const act::pop_vlan&) {
              require_ethernet(a, s);
              if (!s.vlan) refuse_action(a, "the flow does not match a VLAN tag (match eth_type(0x8100),vlan(...) or push one first)");
              s.vlan--;
            },
            [&](const act::set_ethernet& x) {
              require_ethernet(a, s);
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
            },
            [&](const act::set_ipv4& x) {
              if (s.eth_type != kIpv4) refuse_action(a, "the flow must match eth_type(0x0800) exactly (and not have changed it)");
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
              check_not_writable(a, x.value.proto, x.mask.proto, x.value.frag, x.mask.frag, all_ones(x.mask), s);
            },
            [&](const act::set_ipv6& x) {
              if (s.eth_type != kIpv6) refuse_action(a, "the flow must match eth_type(0x86dd) exactly (and not have changed it)");
              if (ntoh32(x.value.label) & ~0xfffffu) refuse_action(a, "label is 20 bits");
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
              // A full set's label "mask" is the 20-bit field.
              auto full = x.mask;
              full.label = full.label == hton32(0xfffff) ? 0xffffffffu : full.label;
              check_not_writable(a, x.value.proto, x.mask.proto, x.value.frag, x.mask.frag, all_ones(full), s);
            },
            [&](const act::set_transport& x) {
              const std::uint8_t want = x.target == OVSXDP_SET_TCP ? 6 : x.target == OVSXDP_SET_UDP ? 17 : 132;
              if (s.eth_type != kIpv4 && s.eth_type != kIpv6) refuse_action(a, "the flow must match IPv4 or IPv6 exactly");
              if (s.ip_proto != want) refuse_action(a, "the flow must match ip proto " + std::to_string(want) + " exactly");
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
            },
            [&](const act::set_mpls& x) {
              if (!is_mpls(s.eth_type)) refuse_action(a, "the flow must match an MPLS eth_type exactly");
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
            },
            [&](const act::set_skb_mark& x) {
              if (x.value & ~x.mask) refuse_action(a, "value bits outside the mask");
            },
            [&](const act::set_priority& x) {
              if (x.value & ~x.mask) refuse_action(a, "value bits outside the mask");
            },
            [&](const act::dec_ttl& x) { nested(a, x.le_1, s); },
            [&](const act::trunc& x) {
              if (x.max_len < 14) refuse_action(a, "max_len must be at least 14 (an Ethernet header)");
            },
            [&](const act::hash& x) {
              if (x.alg != OVSXDP_HASH_L4 && x.alg != OVSXDP_HASH_SYM_L4) refuse_action(a, "the algorithm must be l4 or sym_l4");
            },
            [&](const act::push_mpls& x) {
              require_ethernet(a, s);
              if (!is_mpls(x.ethertype)) refuse_action(a, "eth_type must be 0x8847 or 0x8848");
              if (s.vlan) refuse_action(a, "not allowed on a VLAN-tagged packet");
              if (s.eth_type != kIpv4 && s.eth_type != kIpv6 && s.eth_type != kArp && s.eth_type != kRarp && !is_mpls(s.eth_type))
                refuse_action(a, "the flow must match IPv4, IPv6, ARP, RARP or MPLS exactly");
              s.eth_type = x.ethertype;
              s.mpls_labels++;
            },
            [&](const act::pop_mpls& x) {
              if (s.vlan || !is_mpls(s.eth_type)) refuse_action(a, "the flow must match an MPLS eth_type exactly, without VLAN");
              if (x.ethertype == kTeb && s.mac_proto != OVSXDP_MAC_NONE) refuse_action(a, "eth_type 0x6558 is for L3 packets only");
              s.mpls_labels--;
              // Linux forbids L3 set actions after popping to a non-MPLS payload: recirculate first.
              s.eth_type = (is_mpls(x.ethertype) && s.mpls_labels > 0) ? x.ethertype : 0;
              if (x.ethertype == kTeb) s.mac_proto = OVSXDP_MAC_ETHERNET;
            },
            [&](const act::add_mpls& x) {
              if (!is_mpls(x.ethertype)) refuse_action(a, "eth_type must be 0x8847 or 0x8848");
              if (x.l3_tunnel) {
                if (s.vlan || (s.eth_type != kIpv4 && s.eth_type != kIpv6 && s.eth_type != kArp && s.eth_type != kRarp && !is_mpls(s.eth_type)))
                  refuse_action(a, "the flow must match IPv4, IPv6, ARP, RARP or MPLS exactly, without VLAN");
                s.mpls_labels++;
              } else if (s.mac_proto == OVSXDP_MAC_ETHERNET) {
                s.mpls_labels = 1;
                s.mac_proto = OVSXDP_MAC_NONE;
              } else {
                s.mpls_labels++;
              }
              s.eth_type = x.ethertype;
            },
            [&](const act::push_eth&) {
              if (s.mac_proto != OVSXDP_MAC_NONE) refuse_action(a, "the packet already has an Ethernet header");
              s.mac_proto = OVSXDP_MAC_ETHERNET;
            },
            [&](const act::pop_eth&) {
              require_ethernet(a, s);
              if (s.vlan) refuse_action(a, "not allowed on a VLAN-tagged packet");
              s.mac_proto = OVSXDP_MAC_NONE;
            },
            [&](const act::recirc&) {},  // where it may stand is the fork planner's rule (fork_plan.cpp)
            [&](const act::userspace& x) {
              if (x.userdata.size() > OVSXDP_USERDATA_MAX) refuse_action(a, "userdata is limited to " + std::to_string(OVSXDP_USERDATA_MAX) + " bytes");
            },
            [&](const act::ct_clear&) {},
            [&](const act::clone& x) { nested(a, x.actions, s); },
            [&](const act::sample& x) { nested(a, x.actions, s); },
            [&](const act::check_pkt_len& x) {
              nested(a, x.gt, s);
              nested(a, x.le, s);
            },
            [&](const act::meter&) {},
        },
        a.base());
  }

  const std::function<bool(std::uint32_t)>& port_exists_;
};

}  // namespace

ovsxdp_flow_key mask_key(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  ovsxdp_flow_key out;
  const auto* k = reinterpret_cast<const std::uint8_t*>(&key);
  const auto* m = reinterpret_cast<const std::uint8_t*>(&mask);
  auto* o = reinterpret_cast<std::uint8_t*>(&out);
  for (std::size_t i = 0; i < sizeof out; i++) o[i] = k[i] & m[i];
  return out;
}

void validate_match(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  const ovsxdp_flow_key k = mask_key(key, mask);
  const bool eth_exact = mask.eth_type == 0xffff;
  const std::uint16_t eth_type = eth_exact ? ntoh16(k.eth_type) : 0;
  const bool ipv4 = eth_type == kIpv4, ipv6 = eth_type == kIpv6, arp = eth_type == kArp || eth_type == kRarp;

  if (mask.mac_proto && mask.mac_proto != 0xff) refuse_match("packet_type", "must be matched exactly or not at all");
  // Linux always matches the EtherType exactly (ovs_key_from_nlattrs forces its mask); a wildcarded one
  // would also print as no eth_type at all, which reads back as an 802.2 frame.
  if (mask.eth_type != 0xffff) refuse_match("eth_type(...)", "is always matched exactly; drop its mask");
  // A tag too short to parse: eth_type 0x8100/0x88a8 with vlan(tci=0) and
  // an empty encap(), which Linux accepts (parse_vlan_from_nlattrs).
  const bool truncated_tag = !mask.vlan_tpid && !k.vlan_tci && (eth_type == kVlan || eth_type == kQinq);
  if ((mask.vlan_tci || mask.vlan_tpid) && mask.mac_proto && k.mac_proto == OVSXDP_MAC_NONE)
    refuse_match("vlan(...)", "needs eth(...): a packet without an Ethernet header has no VLAN tag");
  if ((mask.vlan_tci || mask.vlan_tpid) && !truncated_tag) {
    if (mask.vlan_tpid != 0xffff || (k.vlan_tpid != hton16(kVlan) && k.vlan_tpid != hton16(kQinq)))
      refuse_match("vlan(...)", "needs its eth_type (0x8100 or 0x88a8) matched exactly");
  }
  if (mask.cvlan_tci || mask.cvlan_tpid) {
    if (!(k.vlan_tci & hton16(OVSXDP_VLAN_PRESENT))) refuse_match("inner vlan(...)", "needs an outer VLAN tag matched");
    if (mask.cvlan_tpid != 0xffff) refuse_match("inner vlan(...)", "needs its eth_type matched exactly");
  }
  const bool l3_scalars = mask.ip_tos || mask.ip_ttl || mask.ip_frag;
  if ((l3_scalars || mask.ipv6_label) && !(ipv4 || ipv6)) refuse_match("ipv4(...)/ipv6(...)", "needs eth_type(0x0800) or eth_type(0x86dd) matched exactly");
  if (mask.ipv6_label && !ipv6) refuse_match("ipv6(label=...)", "needs eth_type(0x86dd) matched exactly");
  if (mask.ip_proto && !(ipv4 || ipv6 || arp)) refuse_match("proto", "needs an IP or ARP eth_type matched exactly");
  if (any(mask.nw)) {
    if (is_mpls(eth_type)) {
      // MPLS label stack entries: fine.
    } else if (ipv4 || arp) {
      if (any(mask.nw.ipv4.pad)) refuse_match("ipv4(...)", "only src and dst exist for this eth_type");
    } else if (!ipv6) {
      refuse_match("addresses", "need an IP, ARP or MPLS eth_type matched exactly");
    }
  }
  if (mask.mpls_labels && !is_mpls(eth_type)) refuse_match("mpls(...)", "needs eth_type(0x8847) or eth_type(0x8848) matched exactly");

  const bool proto_exact = mask.ip_proto == 0xff;
  const bool l4 = (ipv4 || ipv6) && proto_exact && !(mask.ip_frag && k.ip_frag == OVSXDP_FRAG_LATER);
  const std::uint8_t proto = k.ip_proto;
  if (mask.tp_src || mask.tp_dst) {
    if (!l4) refuse_match("L4 ports / ICMP type and code", "need eth_type IPv4/IPv6, an exact proto, and not frag=later");
    const bool ports = proto == 6 || proto == 17 || proto == 132;
    const bool icmp = (ipv4 && proto == 1) || (ipv6 && proto == 58);
    if (!ports && !icmp) refuse_match("L4 fields", "proto " + std::to_string(proto) + " has no ports or ICMP type/code");
  }
  if (mask.tcp_flags && !(l4 && proto == 6)) refuse_match("tcp_flags(...)", "needs an exact proto=6");
  if (any(mask.nw_ext)) {
    if (arp) {
      // ARP sha/tha.
    } else if (ipv6 && proto == 58 && (mask.tp_src & hton16(0xff)) == hton16(0xff) &&
               (k.tp_src == hton16(135) || k.tp_src == hton16(136))) {
      // The ICMPv6 type is one byte: Linux wants its mask to be 0xff.
      // ND target and link-layer addresses.
    } else if ((ipv4 || ipv6) && mask.ct_orig_proto) {
      // ct_tuple4/ct_tuple6: the conntrack original tuple shares this space (as in Linux).
    } else {
      refuse_match("arp(sha/tha) / nd(...) / ct_tuple", "need ARP, ICMPv6 type 135/136 matched exactly, or a ct_tuple4/6 on IPv4/IPv6");
    }
  }
}

void validate_actions(const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask, const action_list& actions,
                      const std::function<bool(std::uint32_t)>& port_exists) {
  packet_state s{};
  s.eth_type = mask.eth_type == 0xffff ? ntoh16(masked_key.eth_type) : 0;
  s.vlan = ((masked_key.vlan_tci & hton16(OVSXDP_VLAN_PRESENT)) != 0) + ((masked_key.cvlan_tci & hton16(OVSXDP_VLAN_PRESENT)) != 0);
  s.mac_proto = masked_key.mac_proto;
  s.ip_proto = mask.ip_proto == 0xff ? masked_key.ip_proto : 0;
  s.ip_frag = masked_key.ip_frag;
  s.mpls_labels = __builtin_popcount(masked_key.mpls_labels);
  action_checker(port_exists).list(actions, s);
}

}  // namespace ovsxdp
