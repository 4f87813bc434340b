#include "odp/netlink_key_fields.hpp"

#include <cstring>
#include <string>

#include "ovsxdp/base/types.h"

namespace ovsxdp::odp::key_fields {
namespace {

constexpr std::uint32_t kMaxPorts = 65535;  // DP_MAX_PORTS: Linux refuses in_port at or above it
constexpr std::uint32_t kIpv6LabelBits = 0x000fffff;

[[noreturn]] void refuse(int type, const std::string& why) { throw netlink_error(type, attribute_name(type) + ": " + why); }

template <class T>
T payload(const nl::attribute& a) {
  return nl::get<T>(a, attribute_name(a.type));
}

void check_frag(int type, std::uint8_t frag, role r) {
  if (r == role::key && frag > OVS_FRAG_TYPE_MAX)
    refuse(type, "frag type " + std::to_string(frag) + " is out of range (at most " + std::to_string(OVS_FRAG_TYPE_MAX) + ")");
}

// ct_state's NAT bits name state the tracker does not make yet (ct(nat) is
// refused at install): a key that requires them could never match, and
// refusing it is how ovs-vswitchd's ct_state_nat probe learns that NAT is
// missing, so OpenFlow ct(nat) is refused up front rather than per packet.
void check_no_nat_state(int type, std::uint32_t state, role r) {
  if (r == role::key && (state & (OVSXDP_CS_SRC_NAT | OVSXDP_CS_DST_NAT)))
    refuse(type, "+snat and +dnat cannot be matched: ovsxdp's conntrack does not do NAT yet");
}

void store_nsh(const nl::attribute& a, ovsxdp_flow_key& out, role r) {
  bool base = false, md1 = false;
  auto& nsh = out.nw.nsh;
  for (const nl::attribute& n : nl::parse(a.payload, a.type, "nsh(...)")) {
    if (n.type == OVS_NSH_KEY_ATTR_BASE) {
      if (base) refuse(a.type, "base attribute given twice");
      base = true;
      const auto b = nl::get<ovs_nsh_key_base>(n, "nsh base");
      out.nw.nsh.flags = b.flags;
      out.nw.nsh.ttl = b.ttl;
      out.nw.nsh.mdtype = b.mdtype;
      out.nw.nsh.np = b.np;
      out.nw.nsh.path_hdr = b.path_hdr;
      if (r == role::exact) {  // the header's 2- and 6-bit fields, the rest whole
        nsh.flags = 0x03, nsh.ttl = 0x3f, nsh.mdtype = nsh.np = 0xff;
        nsh.path_hdr = ~0u;
      }
    } else if (n.type == OVS_NSH_KEY_ATTR_MD1) {
      if (md1) refuse(a.type, "MD1 attribute given twice");
      md1 = true;
      const auto m = nl::get<ovs_nsh_key_md1>(n, "nsh md1");
      std::memcpy(nsh.context, m.context, sizeof nsh.context);
      if (r == role::exact) std::memset(nsh.context, 0xff, sizeof nsh.context);
    } else if (n.type == OVS_NSH_KEY_ATTR_MD2) {
      refuse(a.type, "MD type 2 metadata cannot be matched: the ovsxdp key keeps MD type 1 context only");
    } else {
      refuse(a.type, "unknown nested attribute " + std::to_string(n.type));
    }
  }
  if (r == role::key && !base) refuse(a.type, "the base attribute (OVS_NSH_KEY_ATTR_BASE) is missing");
}

}  // namespace

int expected_length(int type) {
  switch (type) {
    case OVS_KEY_ATTR_ENCAP: case OVS_KEY_ATTR_TUNNEL: case OVS_KEY_ATTR_NSH: return -1;
    case OVS_KEY_ATTR_MPLS: return -2;
    case OVS_KEY_ATTR_PRIORITY: case OVS_KEY_ATTR_IN_PORT: case OVS_KEY_ATTR_SKB_MARK: case OVS_KEY_ATTR_DP_HASH:
    case OVS_KEY_ATTR_RECIRC_ID: case OVS_KEY_ATTR_CT_STATE: case OVS_KEY_ATTR_CT_MARK: case OVS_KEY_ATTR_PACKET_TYPE: return 4;
    case OVS_KEY_ATTR_ETHERNET: return sizeof(ovs_key_ethernet);
    case OVS_KEY_ATTR_VLAN: case OVS_KEY_ATTR_ETHERTYPE: case OVS_KEY_ATTR_TCP_FLAGS: case OVS_KEY_ATTR_CT_ZONE: return 2;
    case OVS_KEY_ATTR_IPV4: return sizeof(ovs_key_ipv4);
    case OVS_KEY_ATTR_IPV6: return sizeof(ovs_key_ipv6);
    case OVS_KEY_ATTR_TCP: case OVS_KEY_ATTR_UDP: case OVS_KEY_ATTR_SCTP: return 4;
    case OVS_KEY_ATTR_ICMP: case OVS_KEY_ATTR_ICMPV6: return 2;
    case OVS_KEY_ATTR_ARP: return sizeof(ovs_key_arp);
    case OVS_KEY_ATTR_ND: return sizeof(ovs_key_nd);
    case OVS_KEY_ATTR_CT_LABELS: return 16;
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4: return sizeof(ovs_key_ct_tuple_ipv4);
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6: return sizeof(ovs_key_ct_tuple_ipv6);
    default: return -3;
  }
}

void store(const nl::attribute& a, ovsxdp_flow_key& out, role r) {
  const bool key = r == role::key;
  switch (a.type) {
    case OVS_KEY_ATTR_PRIORITY: out.priority = payload<std::uint32_t>(a); return;
    case OVS_KEY_ATTR_SKB_MARK: out.skb_mark = payload<std::uint32_t>(a); return;
    case OVS_KEY_ATTR_DP_HASH: out.dp_hash = payload<std::uint32_t>(a); return;
    case OVS_KEY_ATTR_RECIRC_ID: out.recirc_id = payload<std::uint32_t>(a); return;
    case OVS_KEY_ATTR_IN_PORT: {
      const auto port = payload<std::uint32_t>(a);
      if (key && port >= kMaxPorts) refuse(a.type, "port " + std::to_string(port) + " exceeds the maximum " + std::to_string(kMaxPorts - 1));
      out.in_port = key ? port : ~0u;  // Linux: always an exact match on in_port
      return;
    }
    case OVS_KEY_ATTR_CT_STATE: {
      const auto state = payload<std::uint32_t>(a);
      if (state > 0xff && r != role::exact) refuse(a.type, "flags " + std::to_string(state) + " outside OVS_CS_F_* (0xff)");
      check_no_nat_state(a.type, state, r);
      out.ct_state = static_cast<std::uint8_t>(state);
      return;
    }
    case OVS_KEY_ATTR_CT_ZONE: out.ct_zone = payload<std::uint16_t>(a); return;
    case OVS_KEY_ATTR_CT_MARK: out.ct_mark = payload<std::uint32_t>(a); return;
    case OVS_KEY_ATTR_CT_LABELS:
      std::memcpy(out.ct_labels, payload<ovs_key_ct_labels>(a).ct_labels, 16);
      return;
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4: {
      const auto t = payload<ovs_key_ct_tuple_ipv4>(a);
      out.nw_ext.ct_orig_ipv4.src = t.ipv4_src;
      out.nw_ext.ct_orig_ipv4.dst = t.ipv4_dst;
      out.ct_orig_tp_src = t.src_port;
      out.ct_orig_tp_dst = t.dst_port;
      out.ct_orig_proto = t.ipv4_proto;
      return;
    }
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6: {
      const auto t = payload<ovs_key_ct_tuple_ipv6>(a);
      std::memcpy(out.nw_ext.ct_orig_ipv6.src, t.ipv6_src, 16);
      std::memcpy(out.nw_ext.ct_orig_ipv6.dst, t.ipv6_dst, 16);
      out.ct_orig_tp_src = t.src_port;
      out.ct_orig_tp_dst = t.dst_port;
      out.ct_orig_proto = t.ipv6_proto;
      return;
    }
    case OVS_KEY_ATTR_ETHERNET: {
      const auto e = payload<ovs_key_ethernet>(a);
      std::memcpy(out.eth_src, e.eth_src, 6);
      std::memcpy(out.eth_dst, e.eth_dst, 6);
      return;
    }
    case OVS_KEY_ATTR_IPV4: {
      const auto ip = payload<ovs_key_ipv4>(a);
      check_frag(a.type, ip.ipv4_frag, r);
      out.nw.ipv4.src = ip.ipv4_src;
      out.nw.ipv4.dst = ip.ipv4_dst;
      out.ip_proto = ip.ipv4_proto;
      out.ip_tos = ip.ipv4_tos;
      out.ip_ttl = ip.ipv4_ttl;
      out.ip_frag = ip.ipv4_frag;
      return;
    }
    case OVS_KEY_ATTR_IPV6: {
      const auto ip = payload<ovs_key_ipv6>(a);
      check_frag(a.type, ip.ipv6_frag, r);
      std::uint32_t label = ntoh32(ip.ipv6_label);
      if (r == role::exact) label &= kIpv6LabelBits;
      if (label & ~kIpv6LabelBits) refuse(a.type, "flow label " + std::to_string(label) + " is out of range (20 bits)");
      std::memcpy(out.nw.ipv6.src, ip.ipv6_src, 16);
      std::memcpy(out.nw.ipv6.dst, ip.ipv6_dst, 16);
      out.ipv6_label = hton32(label);
      out.ip_proto = ip.ipv6_proto;
      out.ip_tos = ip.ipv6_tclass;
      out.ip_ttl = ip.ipv6_hlimit;
      out.ip_frag = ip.ipv6_frag;
      return;
    }
    case OVS_KEY_ATTR_TCP: case OVS_KEY_ATTR_UDP: case OVS_KEY_ATTR_SCTP: {
      const auto p = payload<ovs_key_tcp>(a);  // udp and sctp have the same layout
      out.tp_src = p.tcp_src;
      out.tp_dst = p.tcp_dst;
      return;
    }
    case OVS_KEY_ATTR_TCP_FLAGS: out.tcp_flags = payload<std::uint16_t>(a); return;
    case OVS_KEY_ATTR_ICMP: case OVS_KEY_ATTR_ICMPV6: {
      const auto i = payload<ovs_key_icmp>(a);
      out.tp_src = hton16(i.icmp_type);
      out.tp_dst = hton16(i.icmp_code);
      return;
    }
    case OVS_KEY_ATTR_ARP: {
      const auto arp = payload<ovs_key_arp>(a);
      const std::uint16_t op = ntoh16(arp.arp_op);
      if (key && op > 0xff) refuse(a.type, "opcode " + std::to_string(op) + " is beyond the 8 bits the key keeps (Linux: unknown ARP opcode)");
      out.nw.ipv4.src = arp.arp_sip;
      out.nw.ipv4.dst = arp.arp_tip;
      out.ip_proto = static_cast<std::uint8_t>(op);
      std::memcpy(out.nw_ext.arp.sha, arp.arp_sha, 6);
      std::memcpy(out.nw_ext.arp.tha, arp.arp_tha, 6);
      return;
    }
    case OVS_KEY_ATTR_ND: {
      const auto nd = payload<ovs_key_nd>(a);
      std::memcpy(out.nw_ext.nd.target, nd.nd_target, 16);
      std::memcpy(out.nw_ext.nd.sll, nd.nd_sll, 6);
      std::memcpy(out.nw_ext.nd.tll, nd.nd_tll, 6);
      return;
    }
    case OVS_KEY_ATTR_MPLS: {
      const std::size_t n = a.payload.size() / sizeof(ovs_key_mpls);
      if (a.payload.size() % sizeof(ovs_key_mpls) || n == 0 || n > OVSXDP_MPLS_LABEL_DEPTH)
        refuse(a.type, std::to_string(a.payload.size()) + " bytes: expected 1 to " + std::to_string(OVSXDP_MPLS_LABEL_DEPTH) +
                           " label stack entries of 4 bytes (ovsxdp and Linux keep " + std::to_string(OVSXDP_MPLS_LABEL_DEPTH) + ")");
      std::memcpy(out.nw.mpls.lse, a.payload.data(), n * 4);
      out.mpls_labels = static_cast<std::uint8_t>((1u << n) - 1);  // Linux num_labels_mask, for the key and the mask
      return;
    }
    case OVS_KEY_ATTR_NSH: return store_nsh(a, out, r);
    case OVS_KEY_ATTR_TUNNEL:
      refuse(a.type, "ovsxdp has no tunnel ports: tunnel metadata cannot be matched");
    case OVS_KEY_ATTR_ND_EXTENSIONS:
      refuse(a.type, "nd_ext (ND reserved field and option type) is not in the ovsxdp key (nor in Linux's)");
    case OVS_KEY_ATTR_TUNNEL_INFO:
      refuse(a.type, "tunnel_info is internal to the kernel and cannot be matched");
    default:
      refuse(a.type, "this key attribute is not supported by ovsxdp");
  }
}

void write(nl::writer& w, int type, const ovsxdp_flow_key& v, const ovsxdp_flow_key& key, bool is_mask) {
  switch (type) {
    case OVS_KEY_ATTR_PRIORITY: return w.put_value(type, v.priority);
    case OVS_KEY_ATTR_SKB_MARK: return w.put_value(type, v.skb_mark);
    case OVS_KEY_ATTR_DP_HASH: return w.put_value(type, v.dp_hash);
    case OVS_KEY_ATTR_RECIRC_ID: return w.put_value(type, v.recirc_id);
    case OVS_KEY_ATTR_IN_PORT: return w.put_value(type, v.in_port);
    case OVS_KEY_ATTR_CT_STATE: return w.put_value(type, std::uint32_t{v.ct_state});
    case OVS_KEY_ATTR_CT_ZONE: return w.put_value(type, v.ct_zone);
    case OVS_KEY_ATTR_CT_MARK: return w.put_value(type, v.ct_mark);
    case OVS_KEY_ATTR_CT_LABELS: return w.put(type, v.ct_labels, 16);
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4: {
      ovs_key_ct_tuple_ipv4 t{};
      t.ipv4_src = v.nw_ext.ct_orig_ipv4.src;
      t.ipv4_dst = v.nw_ext.ct_orig_ipv4.dst;
      t.src_port = v.ct_orig_tp_src;
      t.dst_port = v.ct_orig_tp_dst;
      t.ipv4_proto = v.ct_orig_proto;
      return w.put_value(type, t);
    }
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6: {
      ovs_key_ct_tuple_ipv6 t{};
      std::memcpy(t.ipv6_src, v.nw_ext.ct_orig_ipv6.src, 16);
      std::memcpy(t.ipv6_dst, v.nw_ext.ct_orig_ipv6.dst, 16);
      t.src_port = v.ct_orig_tp_src;
      t.dst_port = v.ct_orig_tp_dst;
      t.ipv6_proto = v.ct_orig_proto;
      return w.put_value(type, t);
    }
    case OVS_KEY_ATTR_ETHERNET: {
      ovs_key_ethernet e{};
      std::memcpy(e.eth_src, v.eth_src, 6);
      std::memcpy(e.eth_dst, v.eth_dst, 6);
      return w.put_value(type, e);
    }
    case OVS_KEY_ATTR_IPV4: {
      ovs_key_ipv4 ip{};
      ip.ipv4_src = v.nw.ipv4.src;
      ip.ipv4_dst = v.nw.ipv4.dst;
      ip.ipv4_proto = v.ip_proto;
      ip.ipv4_tos = v.ip_tos;
      ip.ipv4_ttl = v.ip_ttl;
      ip.ipv4_frag = v.ip_frag;
      return w.put_value(type, ip);
    }
    case OVS_KEY_ATTR_IPV6: {
      ovs_key_ipv6 ip{};
      std::memcpy(ip.ipv6_src, v.nw.ipv6.src, 16);
      std::memcpy(ip.ipv6_dst, v.nw.ipv6.dst, 16);
      ip.ipv6_label = v.ipv6_label;
      ip.ipv6_proto = v.ip_proto;
      ip.ipv6_tclass = v.ip_tos;
      ip.ipv6_hlimit = v.ip_ttl;
      ip.ipv6_frag = v.ip_frag;
      return w.put_value(type, ip);
    }
    case OVS_KEY_ATTR_TCP: case OVS_KEY_ATTR_UDP: case OVS_KEY_ATTR_SCTP: {
      ovs_key_tcp p{};
      p.tcp_src = v.tp_src;
      p.tcp_dst = v.tp_dst;
      return w.put_value(type, p);
    }
    case OVS_KEY_ATTR_TCP_FLAGS: return w.put_value(type, v.tcp_flags);
    case OVS_KEY_ATTR_ICMP: case OVS_KEY_ATTR_ICMPV6: {
      ovs_key_icmp i{};
      i.icmp_type = static_cast<std::uint8_t>(ntoh16(v.tp_src));
      i.icmp_code = static_cast<std::uint8_t>(ntoh16(v.tp_dst));
      return w.put_value(type, i);
    }
    case OVS_KEY_ATTR_ARP: {
      ovs_key_arp arp{};
      arp.arp_sip = v.nw.ipv4.src;
      arp.arp_tip = v.nw.ipv4.dst;
      // The key keeps 8 bits of the opcode (values above 255 are refused), so
      // an exact 8-bit mask is the whole opcode's: write it as OVS sent it.
      arp.arp_op = hton16(is_mask && v.ip_proto == 0xff ? 0xffff : v.ip_proto);
      std::memcpy(arp.arp_sha, v.nw_ext.arp.sha, 6);
      std::memcpy(arp.arp_tha, v.nw_ext.arp.tha, 6);
      return w.put_value(type, arp);
    }
    case OVS_KEY_ATTR_ND: {
      ovs_key_nd nd{};
      std::memcpy(nd.nd_target, v.nw_ext.nd.target, 16);
      std::memcpy(nd.nd_sll, v.nw_ext.nd.sll, 6);
      std::memcpy(nd.nd_tll, v.nw_ext.nd.tll, 6);
      return w.put_value(type, nd);
    }
    case OVS_KEY_ATTR_MPLS: {
      // Linux writes as many entries as the (key's or mask's) label bits say.
      const int n = __builtin_popcount(v.mpls_labels & 0x7);
      return w.put(type, v.nw.mpls.lse, static_cast<std::size_t>(n) * 4);
    }
    case OVS_KEY_ATTR_NSH: {
      const std::size_t at = w.begin_nested(type);
      ovs_nsh_key_base b{};
      b.flags = v.nw.nsh.flags;
      b.ttl = v.nw.nsh.ttl;
      b.mdtype = v.nw.nsh.mdtype;
      b.np = v.nw.nsh.np;
      b.path_hdr = v.nw.nsh.path_hdr;
      w.put_value(OVS_NSH_KEY_ATTR_BASE, b);
      if (is_mask || key.nw.nsh.mdtype == 1) w.put(OVS_NSH_KEY_ATTR_MD1, v.nw.nsh.context, sizeof v.nw.nsh.context);
      return w.end_nested(at);
    }
    default: throw netlink_error(type, attribute_name(type) + ": ovsxdp does not write this attribute");
  }
}

}  // namespace ovsxdp::odp::key_fields
