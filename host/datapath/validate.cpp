#include "datapath/validate.hpp"

#include <linux/openvswitch.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ovsxdp/base/types.h"
#include "ovsxdp/proto/nsh.h"
#include "runtime/error.hpp"
#include "runtime/overloaded.hpp"

namespace ovsxdp {
namespace {

constexpr std::uint16_t kIpv4 = 0x0800, kIpv6 = 0x86dd, kArp = 0x0806, kRarp = 0x8035, kMpls = 0x8847,
                        kMplsMulticast = 0x8848, kTeb = 0x6558, kVlan = 0x8100, kQinq = 0x88a8, kNsh = 0x894f;

bool is_mpls(std::uint16_t t) { return t == kMpls || t == kMplsMulticast; }


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
  // The outermost VLAN tag is known to be present. Linux tracks only this (the
  // key's vlan_tci, then each push_vlan/pop_vlan); after pop_vlan it assumes
  // none, whatever inner tag the packet may still carry.
  bool tagged;
  std::uint8_t mac_proto;
  std::uint8_t ip_proto;   // 0 when not matched exactly
  std::uint8_t ip_frag;    // as the flow's masked key holds it
  int mpls_labels;
  int icmp_type;           // ICMP/ICMPv6 type matched exactly (or set since), else -1
  // Linux's own idea of the EtherType, which push_nsh and pop_nsh leave as
  // it was (eth_type above follows the packet): its NSH checks use this one.
  std::uint16_t linux_eth_type;
  int nsh_np;              // the flow's (masked) NSH next protocol, -1 unless it matches NSH
};

void set_eth_type(packet_state& s, std::uint16_t type) { s.eth_type = s.linux_eth_type = type; }

std::string hex16(std::uint16_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%04x", v);
  return b;
}

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
  action_checker() = default;

  void list(const action_list& actions, packet_state s) {
    for (std::size_t i = 0; i < actions.size(); i++) one(actions[i], s, i + 1 == actions.size());
  }

 private:
  // A nested list acts on a copy: what it does to the packet stays inside.
  void nested(const action& owner, const action_list& actions, const packet_state& s) {
    if (++depth_ > kMaxActionNesting) refuse_action(owner, "action lists nest at most " + std::to_string(kMaxActionNesting) + " deep (as in Linux)");
    list(actions, s);
    depth_--;
  }
  int depth_ = 0;

  void require_ethernet(const action& a, const packet_state& s) {
    if (s.mac_proto != OVSXDP_MAC_ETHERNET) refuse_action(a, "the packet has no Ethernet header at this point (after pop_eth or add_mpls)");
  }

  void one(const action& a, packet_state& s, bool last) {
    std::visit(
        overloaded{
            // Linux installs an output to any port number; a packet sent to
            // a port that does not exist is dropped (counted as drop_no_port here).
            [&](const act::output&) {},
            [&](const act::drop&) {
              if (!last) refuse_action(a, "drop must be the last action");
            },
            [&](const act::push_vlan& x) {
              require_ethernet(a, s);
              if (x.tpid != kVlan && x.tpid != kQinq) refuse_action(a, "tpid must be 0x8100 or 0x88a8");
              if (!(x.tci & OVSXDP_VLAN_PRESENT)) refuse_action(a, "the tci must have the present bit (cfi, 0x1000) set");
              s.tagged = true;
            },
            // Accepted on any Ethernet flow, as Linux does: on an untagged packet it does nothing.
            [&](const act::pop_vlan&) {
              require_ethernet(a, s);
              s.tagged = false;
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
              if (s.tagged) refuse_action(a, "not allowed on a VLAN-tagged packet (pop_vlan first)");
              if (s.eth_type != kIpv4 && s.eth_type != kIpv6 && s.eth_type != kArp && s.eth_type != kRarp && !is_mpls(s.eth_type))
                refuse_action(a, "the flow must match IPv4, IPv6, ARP, RARP or MPLS exactly");
              set_eth_type(s, x.ethertype);
              s.mpls_labels++;
            },
            [&](const act::pop_mpls& x) {
              if (s.tagged || !is_mpls(s.eth_type)) refuse_action(a, "the flow must match an MPLS eth_type exactly, without VLAN");
              if (x.ethertype == kTeb && s.mac_proto != OVSXDP_MAC_NONE) refuse_action(a, "eth_type 0x6558 is for L3 packets only");
              s.mpls_labels--;
              // Linux forbids L3 set actions after popping to a non-MPLS payload: recirculate first.
              set_eth_type(s, (is_mpls(x.ethertype) && s.mpls_labels > 0) ? x.ethertype : 0);
              if (x.ethertype == kTeb) s.mac_proto = OVSXDP_MAC_ETHERNET;
            },
            [&](const act::add_mpls& x) {
              if (!is_mpls(x.ethertype)) refuse_action(a, "eth_type must be 0x8847 or 0x8848");
              if (x.l3_tunnel) {
                if (s.tagged || (s.eth_type != kIpv4 && s.eth_type != kIpv6 && s.eth_type != kArp && s.eth_type != kRarp && !is_mpls(s.eth_type)))
                  refuse_action(a, "the flow must match IPv4, IPv6, ARP, RARP or MPLS exactly, without VLAN");
                s.mpls_labels++;
              } else if (s.mac_proto == OVSXDP_MAC_ETHERNET) {
                s.mpls_labels = 1;
                s.mac_proto = OVSXDP_MAC_NONE;
              } else {
                s.mpls_labels++;
              }
              set_eth_type(s, x.ethertype);
            },
            [&](const act::push_eth&) {
              if (s.mac_proto != OVSXDP_MAC_NONE) refuse_action(a, "the packet already has an Ethernet header");
              s.mac_proto = OVSXDP_MAC_ETHERNET;
            },
            [&](const act::pop_eth&) {
              require_ethernet(a, s);
              if (s.tagged) refuse_action(a, "not allowed on a VLAN-tagged packet (pop_vlan first)");
              s.mac_proto = OVSXDP_MAC_NONE;
            },
            [&](const act::recirc&) {},  // where it may stand is the fork planner's rule (fork_plan.cpp)
            [&](const act::userspace& x) {
              if (x.userdata.size() > OVSXDP_USERDATA_MAX) refuse_action(a, "userdata is limited to " + std::to_string(OVSXDP_USERDATA_MAX) + " bytes");
            },
            [&](const act::ct_clear&) {},
            [&](const act::ct& x) {
              if (x.commit && x.force_commit) refuse_action(a, "commit and force_commit exclude each other");
              if (x.nat) refuse_action(a, "nat is not supported by this datapath yet (conntrack runs without NAT)");
              if (!x.helper.empty()) refuse_action(a, "helper=" + x.helper + " is not supported: ovsxdp's conntrack has no ALG helpers");
              if (!x.timeout.empty()) refuse_action(a, "timeout=" + x.timeout + " is not supported: connections use OVS's default timeouts");
              if (x.mark && x.mark->second == 0) refuse_action(a, "a mark's mask cannot be 0 (Linux)");
              if (x.label && x.label->mask == decltype(x.label->mask){}) refuse_action(a, "a label's mask cannot be 0 (Linux)");
              if ((x.mark || x.label) && !x.commit && !x.force_commit) refuse_action(a, "mark and label are set only with commit (OVS)");
            },
            [&](const act::clone& x) { nested(a, x.actions, s); },
            [&](const act::sample& x) { nested(a, x.actions, s); },
            [&](const act::check_pkt_len& x) {
              nested(a, x.gt, s);
              nested(a, x.le, s);
            },
            [&](const act::meter&) {},
            // Not in Linux (it refuses these sets); what they need, the OVS
            // slow path that emits them makes sure of.
            [&](const act::set_arp& x) {
              if (s.eth_type != kArp && s.eth_type != kRarp) refuse_action(a, "the flow must match eth_type(0x0806) or eth_type(0x8035) exactly");
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
            },
            [&](const act::set_nd& x) {
              if (s.eth_type != kIpv6 || s.ip_proto != 58 || (s.icmp_type != 135 && s.icmp_type != 136))
                refuse_action(a, "the flow must match ipv6(proto=58) and icmpv6(type=135) or icmpv6(type=136) exactly (a neighbor solicitation or advertisement)");
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
            },
            [&](const act::set_icmp& x) {
              const bool v6 = x.target == OVSXDP_SET_ICMPV6;
              if (s.eth_type != (v6 ? kIpv6 : kIpv4) || s.ip_proto != (v6 ? 58 : 1))
                refuse_action(a, v6 ? "the flow must match eth_type(0x86dd) and ipv6(proto=58) exactly" : "the flow must match eth_type(0x0800) and ipv4(proto=1) exactly");
              if (value_outside_mask(x.value, x.mask)) refuse_action(a, "value bits outside the mask");
              if (x.mask.type == 0xff) s.icmp_type = x.value.type;
              else if (x.mask.type) s.icmp_type = -1;
            },
            [&](const act::push_nsh& x) { push_nsh(a, x, s); },
            [&](const act::pop_nsh&) { pop_nsh(a, s); },
        },
        a.base());
  }

  // Linux validate_push_nsh and the PUSH_NSH case of __ovs_nla_copy_actions.
  void push_nsh(const action& a, const act::push_nsh& x, packet_state& s) {
    if (x.mdtype == nsh::kMdType1) {
      if (x.metadata.size() != 16) refuse_action(a, "MD type 1 carries exactly 16 bytes of context (c1..c4), not " + std::to_string(x.metadata.size()));
    } else if (x.mdtype == nsh::kMdType2) {
      if (x.metadata.empty()) refuse_action(a, "MD type 2 needs its metadata (md2=0x...); Linux: missing metadata attributes");
      if (x.metadata.size() % 4) refuse_action(a, "MD type 2 metadata must be a multiple of 4 bytes (NSH counts its length in 4-byte words)");
      if (x.metadata.size() > OVSXDP_NSH_HEADER_MAX - nsh::kBaseLength)
        refuse_action(a, "MD type 2 metadata is at most " + std::to_string(OVSXDP_NSH_HEADER_MAX - nsh::kBaseLength) +
                             " bytes: NSH's 6-bit length ends at 252 (Linux would accept 248 and push a header whose length reads 0)");
    } else {
      refuse_action(a, "mdtype must be 1 or 2, not " + std::to_string(x.mdtype));
    }
    if (x.spi > 0xffffff) refuse_action(a, "spi is 24 bits");
    if (s.mac_proto != OVSXDP_MAC_ETHERNET && !nsh::np_from_ethertype(s.linux_eth_type))
      refuse_action(a, "the packet has no Ethernet header and its eth_type (" + hex16(s.linux_eth_type) +
                           ") has no NSH next protocol: Linux pushes NSH over IPv4, IPv6, 0x6558, NSH or MPLS (0x8847)");
    // Linux keeps the outer tag outside the packet data (skb->vlan_tci): it
    // would not go inside the NSH payload, but come back on a later push_eth.
    if (s.tagged) refuse_action(a, "not allowed on a VLAN-tagged packet (pop_vlan first): Linux keeps the outer tag out of the NSH payload");
    s.mac_proto = OVSXDP_MAC_NONE;
    s.eth_type = kNsh;  // the packet is NSH now: no L3/L4 set reaches its old headers
    s.ip_proto = 0;
    s.icmp_type = -1;
  }

  // Linux's POP_NSH case: it takes the flow's eth_type and np, not the packet's.
  void pop_nsh(const action& a, packet_state& s) {
    if (s.linux_eth_type != kNsh)
      refuse_action(a, s.eth_type == kNsh ? "Linux pops only an NSH header the flow matched (eth_type(0x894f)), not one pushed in the same list; recirculate first"
                                          : "the flow must match eth_type(0x894f) exactly");
    // Linux's nsh_pop reads the header at the start of the packet; with an
    // Ethernet header in front it would read that as NSH.
    if (s.mac_proto != OVSXDP_MAC_NONE) refuse_action(a, "the NSH header must start the packet: pop_eth first (as OVS does)");
    if (s.nsh_np < 0 || !nsh::ethertype_from_np(static_cast<std::uint8_t>(s.nsh_np)))
      refuse_action(a, "the flow must match nsh(np=N) with N one of 1 (IPv4), 2 (IPv6), 3 (Ethernet), 4 (NSH), 5 (MPLS): Linux takes the next protocol from the flow's match" +
                           std::string(s.nsh_np >= 0 ? " (np=" + std::to_string(s.nsh_np) + " here)" : ""));
    s.mac_proto = s.nsh_np == OVSXDP_NSH_NP_ETHERNET ? OVSXDP_MAC_ETHERNET : OVSXDP_MAC_NONE;
    s.eth_type = s.nsh_np == OVSXDP_NSH_NP_NSH ? kNsh : 0;  // what follows is known only to a recirculated pass
    s.tagged = false;
    s.ip_proto = 0;
    s.icmp_type = -1;
  }
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

namespace {

// Why Linux expects an attribute, and how to write it wildcarded.
std::string expectation(int attribute) {
  switch (attribute) {
    case OVS_KEY_ATTR_IPV4: return "with eth_type(0x0800)";
    case OVS_KEY_ATTR_IPV6: return "with eth_type(0x86dd)";
    case OVS_KEY_ATTR_ARP: return "with eth_type(0x0806) and eth_type(0x8035)";
    case OVS_KEY_ATTR_MPLS: return "with an MPLS eth_type";
    case OVS_KEY_ATTR_NSH: return "with eth_type(0x894f)";
    case OVS_KEY_ATTR_TCP: return "for proto=6 (unless frag=later)";
    case OVS_KEY_ATTR_TCP_FLAGS: return "for proto=6 (unless frag=later)";
    case OVS_KEY_ATTR_UDP: return "for proto=17 (unless frag=later)";
    case OVS_KEY_ATTR_SCTP: return "for proto=132 (unless frag=later)";
    case OVS_KEY_ATTR_ICMP: return "for ipv4(proto=1) (unless frag=later)";
    case OVS_KEY_ATTR_ICMPV6: return "for ipv6(proto=58) (unless frag=later)";
    case OVS_KEY_ATTR_ND: return "for icmpv6(type=135) and icmpv6(type=136)";
    default: return "";
  }
}

std::string wildcard_form(int attribute) {
  return attribute == OVS_KEY_ATTR_TCP_FLAGS ? "tcp_flags(0/0)" : attribute_name(attribute) + "()";
}

// What a masked attribute needs before Linux lets its mask count.
std::string mask_condition(int attribute) {
  switch (attribute) {
    case OVS_KEY_ATTR_IPV4:
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4: return "needs eth_type(0x0800)";
    case OVS_KEY_ATTR_IPV6: return "needs eth_type(0x86dd)";
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6: return "needs eth_type(0x86dd) and cannot be matched on neighbour discovery packets (it shares nd()'s key space)";
    case OVS_KEY_ATTR_ARP: return "needs eth_type(0x0806) or eth_type(0x8035)";
    case OVS_KEY_ATTR_MPLS: return "needs eth_type(0x8847) or eth_type(0x8848)";
    case OVS_KEY_ATTR_NSH: return "needs eth_type(0x894f)";
    case OVS_KEY_ATTR_TCP:
    case OVS_KEY_ATTR_TCP_FLAGS: return "needs an exact proto=6 in ipv4() or ipv6(), and not frag=later";
    case OVS_KEY_ATTR_UDP: return "needs an exact proto=17 in ipv4() or ipv6(), and not frag=later";
    case OVS_KEY_ATTR_SCTP: return "needs an exact proto=132 in ipv4() or ipv6(), and not frag=later";
    case OVS_KEY_ATTR_ICMP: return "needs an exact ipv4(proto=1), and not frag=later";
    case OVS_KEY_ATTR_ICMPV6: return "needs an exact ipv6(proto=58), and not frag=later";
    case OVS_KEY_ATTR_ND: return "needs icmpv6(type=135) or icmpv6(type=136) with the type matched exactly";
    default: return "is not allowed here";
  }
}

int lowest(attribute_set set) { return __builtin_ctzll(set); }

}  // namespace

void validate_match(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask, const std::optional<key_attributes>& attributes) {
  const ovsxdp_flow_key k = mask_key(key, mask);

  if (mask.mac_proto && mask.mac_proto != 0xff) refuse_match("packet_type", "must be matched exactly or not at all");
  // Linux always matches the EtherType exactly (ovs_key_from_nlattrs forces its mask); a wildcarded one
  // would also print as no eth_type at all, which reads back as an 802.2 frame.
  if (mask.eth_type != 0xffff) refuse_match("eth_type(...)", "is always matched exactly; drop its mask");
  // VLAN tags. An untagged flow matches tci 0 exactly (Linux forces that mask
  // when vlan() is absent); a tag too short to parse is eth_type
  // 0x8100/0x88a8 with tci 0 and an empty encap(), which Linux accepts.
  const be16 present = hton16(OVSXDP_VLAN_PRESENT);
  const bool tagged = (k.vlan_tci & present) != 0, inner_tagged = (k.cvlan_tci & present) != 0;
  if ((tagged || mask.vlan_tpid) && mask.mac_proto && k.mac_proto == OVSXDP_MAC_NONE)
    refuse_match("vlan(...)", "needs eth(...): a packet without an Ethernet header has no VLAN tag");
  if (k.vlan_tci && !tagged) refuse_match("vlan(...)", "a tag's tci must have the present bit (cfi=1); Linux: VLAN TCI does not have VLAN_CFI_MASK bit set");
  if (tagged && (mask.vlan_tpid != 0xffff || (k.vlan_tpid != hton16(kVlan) && k.vlan_tpid != hton16(kQinq))))
    refuse_match("vlan(...)", "needs its eth_type (0x8100 or 0x88a8) matched exactly");
  if (k.cvlan_tci && !inner_tagged) refuse_match("inner vlan(...)", "a tag's tci must have the present bit (cfi=1)");
  if (inner_tagged) {
    if (!tagged) refuse_match("inner vlan(...)", "needs an outer VLAN tag matched");
    if (mask.cvlan_tpid != 0xffff || (k.cvlan_tpid != hton16(kVlan) && k.cvlan_tpid != hton16(kQinq)))
      refuse_match("inner vlan(...)", "needs its eth_type (0x8100 or 0x88a8) matched exactly");
  }

  // Linux's match_validate: the attributes this key must carry, and the
  // ones whose masks may count. Flows given as text name their attributes;
  // flows built as values carry what an encoder would emit for them.
  key_attributes attrs;
  if (attributes) {
    attrs = *attributes;
  } else {
    const implied_attributes_result implied = implied_attributes(key, mask);
    if (!implied.orphans.empty()) refuse_match("fields", "the mask covers " + implied.orphans + ", which no attribute of this flow holds");
    attrs = implied.attributes;
  }
  if (const attribute_set missing = expected_attributes(key, mask) & ~attrs.present) {
    const int a = lowest(missing);
    refuse_match("missing " + attribute_name(a) + "(...)",
                 "Linux requires it " + expectation(a) + "; write " + wildcard_form(a) + " to match any value");
  }
  constexpr attribute_set always = attribute_bit(OVS_KEY_ATTR_TUNNEL) | attribute_bit(OVS_KEY_ATTR_IN_PORT) | attribute_bit(OVS_KEY_ATTR_ETHERTYPE);
  const attribute_set allowed = (attrs.present & maskable_attributes(key, mask)) | always;
  if (const attribute_set bad = attrs.masked & ~allowed) {
    const int a = lowest(bad);
    refuse_match(attribute_name(a) + "(...)", "matching its fields " + mask_condition(a));
  }
}

void validate_actions(const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask, const action_list& actions) {
  packet_state s{};
  s.eth_type = mask.eth_type == 0xffff ? ntoh16(masked_key.eth_type) : 0;
  s.tagged = (masked_key.vlan_tci & hton16(OVSXDP_VLAN_PRESENT)) != 0;
  s.mac_proto = masked_key.mac_proto;
  s.ip_proto = mask.ip_proto == 0xff ? masked_key.ip_proto : 0;
  s.ip_frag = masked_key.ip_frag;
  s.mpls_labels = __builtin_popcount(masked_key.mpls_labels);
  s.icmp_type = (s.ip_proto == 1 || s.ip_proto == 58) && (ntoh16(mask.tp_src) & 0xff) == 0xff ? ntoh16(masked_key.tp_src) & 0xff : -1;
  s.linux_eth_type = s.eth_type;
  s.nsh_np = s.eth_type == kNsh ? masked_key.nw.nsh.np : -1;
  action_checker().list(actions, s);
}

}  // namespace ovsxdp
