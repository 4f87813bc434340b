#include "capi/upcall_key.hpp"

#include <cstdint>
#include <cstring>

#include "ovsxdp/base/types.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/icmpv6.h"
#include "ovsxdp/proto/transport.h"

namespace ovsxdp::capi {
namespace {

template <class T>
void exact(T& field) {
  std::memset(&field, 0xff, sizeof field);
}

}  // namespace

ovsxdp_flow_key upcall_key_mask(const ovsxdp_flow_key& key) {
  namespace type = ethernet::type;
  ovsxdp_flow_key m{};
  // Metadata Linux always writes (priority, in_port, skb_mark, recirc_id,
  // ct_state/zone/mark/labels), dp_hash when set.
  exact(m.recirc_id);
  exact(m.in_port);
  exact(m.skb_mark);
  exact(m.priority);
  if (key.dp_hash) exact(m.dp_hash);
  exact(m.ct_state);
  exact(m.ct_zone);
  exact(m.ct_mark);
  exact(m.ct_labels);
  if (key.tun_proto) {
    exact(m.tun_id);
    exact(m.tun);
    exact(m.tun_flags);
    exact(m.tun_tos);
    exact(m.tun_ttl);
    exact(m.tun_tp_src);
    exact(m.tun_tp_dst);
    exact(m.tun_proto);
    if (key.tun_opts_len) {
      exact(m.tun_opts_len);
      exact(m.tun_opts_kind);
      std::memset(m.tun_opts, 0xff, key.tun_opts_len < sizeof m.tun_opts ? key.tun_opts_len : sizeof m.tun_opts);
    }
  }

  if (key.mac_proto == OVSXDP_MAC_ETHERNET) {
    exact(m.eth_src);
    exact(m.eth_dst);
  }
  exact(m.eth_type);
  if (key.vlan_tci & be16_c<OVSXDP_VLAN_PRESENT>) {
    exact(m.vlan_tpid);
    exact(m.vlan_tci);
    if (key.cvlan_tci & be16_c<OVSXDP_VLAN_PRESENT>) {
      exact(m.cvlan_tpid);
      exact(m.cvlan_tci);
    }
  }

  const std::uint16_t eth_type = ntoh16(key.eth_type);
  const bool ipv4 = eth_type == type::ipv4, ipv6 = eth_type == type::ipv6;
  if (ipv4 || ipv6) {
    exact(m.ip_proto);
    exact(m.ip_tos);
    exact(m.ip_ttl);
    exact(m.ip_frag);
    if (ipv4) {
      exact(m.nw.ipv4.src);
      exact(m.nw.ipv4.dst);
    } else {
      exact(m.nw.ipv6);
      exact(m.ipv6_label);
    }
    const std::uint8_t proto = key.ip_proto;
    const bool nd = ipv6 && proto == ip_proto::icmpv6 && key.ip_frag != OVSXDP_FRAG_LATER &&
                    (key.tp_src == be16_c<icmpv6::type::neighbor_solicitation> ||
                     key.tp_src == be16_c<icmpv6::type::neighbor_advertisement>);
    const bool l4 = key.ip_frag != OVSXDP_FRAG_LATER &&
                    (proto == ip_proto::tcp || proto == ip_proto::udp || proto == ip_proto::sctp ||
                     (ipv4 && proto == ip_proto::icmp) || (ipv6 && proto == ip_proto::icmpv6));
    if (l4) {
      exact(m.tp_src);
      exact(m.tp_dst);
      if (proto == ip_proto::tcp) exact(m.tcp_flags);
      // ICMP and ICMPv6 type and code are one byte each (the key keeps them in tp_*).
      if (proto == ip_proto::icmp || proto == ip_proto::icmpv6) {
        m.tp_src = be16_c<0x00ff>;
        m.tp_dst = be16_c<0x00ff>;
      }
      if (nd) {
        exact(m.nw_ext.nd.target);
        exact(m.nw_ext.nd.sll);
        exact(m.nw_ext.nd.tll);
      }
    }
    // The conntrack original tuple, when the packet was tracked with one
    // (its IPv6 addresses share the key's space with ND's fields).
    if (key.ct_orig_proto) {
      exact(m.ct_orig_proto);
      exact(m.ct_orig_tp_src);
      exact(m.ct_orig_tp_dst);
      if (ipv4) {
        exact(m.nw_ext.ct_orig_ipv4.src);
        exact(m.nw_ext.ct_orig_ipv4.dst);
      } else if (!nd) {
        exact(m.nw_ext.ct_orig_ipv6);
      }
    }
  } else if (eth_type == type::arp || eth_type == type::rarp) {
    exact(m.ip_proto);
    exact(m.nw.ipv4.src);
    exact(m.nw.ipv4.dst);
    exact(m.nw_ext.arp.sha);
    exact(m.nw_ext.arp.tha);
  } else if (eth_type == type::mpls_unicast || eth_type == type::mpls_multicast) {
    exact(m.mpls_labels);
    for (int i = 0; i < OVSXDP_MPLS_LABEL_DEPTH; i++)
      if (key.mpls_labels & (1u << i)) exact(m.nw.mpls.lse[i]);
  } else if (eth_type == type::nsh) {
    exact(m.nw.nsh.flags);
    exact(m.nw.nsh.ttl);
    exact(m.nw.nsh.mdtype);
    exact(m.nw.nsh.np);
    exact(m.nw.nsh.path_hdr);
    exact(m.nw.nsh.context);
  }
  return m;
}

}  // namespace ovsxdp::capi
