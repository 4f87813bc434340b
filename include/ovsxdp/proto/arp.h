// ARP and RARP over Ethernet/IPv4 (Linux key_extract, ARP branch).
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp::arp {

struct OVSXDP_WIRE header {
  be16 hardware_type;
  be16 protocol_type;
  u8 hardware_length;
  u8 protocol_length;
  be16 op;
  u8 sha[6];
  u8 sip[4];
  u8 tha[6];
  u8 tip[4];
};
static_assert(sizeof(header) == 28);

inline constexpr u16 kHardwareEthernet = 1;

OVSXDP_INLINE void parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  const header* h = c.at<header>(offset);
  if (!h || h->hardware_type != be16_c<kHardwareEthernet> || h->protocol_type != be16_c<0x0800> ||
      h->hardware_length != 6 || h->protocol_length != 4)
    return;  // key keeps zero ARP fields
  u16 op = ntoh16(h->op);
  key.ip_proto = op <= 0xff ? static_cast<u8>(op) : 0;  // only the low 8 bits are matchable
  key.nw.ipv4.src = load_unaligned<be32>(h->sip);
  key.nw.ipv4.dst = load_unaligned<be32>(h->tip);
  __builtin_memcpy(key.nw_ext.arp.sha, h->sha, 6);
  __builtin_memcpy(key.nw_ext.arp.tha, h->tha, 6);
}

}  // namespace ovsxdp::arp
