// libFuzzer: action records as the datapath stores them, under ASan and
// UBSan. Arbitrary bytes either decode or are refused with an error (never a
// crash); what decodes re-encodes to records that decode to the same list;
// and install validation of any decoded list against a few flows finishes
// with a verdict (accepted, or refused with a reason).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "datapath/actions.hpp"
#include "datapath/validate.hpp"
#include "odp/flow_parse.hpp"
#include "runtime/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ovsxdp;
  action_list decoded;
  try {
    decoded = decode_actions(std::span<const std::uint8_t>(data, size));
  } catch (const error&) {
    return 0;
  }
  // An empty list is stored as the drop it means.
  const auto again = decode_actions(encode_actions(decoded));
  if (again != (decoded.empty() ? action_list{act::drop{}} : decoded)) std::abort();
  static const char* keys[] = {
      "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(0/0)",
      "recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x86dd),ipv6(frag=no))",
      "recirc_id(0),in_port(1),eth(),eth_type(0x8847),mpls(label=1,tc=0,ttl=1,bos=1)",
      "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()",
      "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd()",
      "recirc_id(0),in_port(1),packet_type(ns=1,id=0x894f),eth_type(0x894f),nsh(np=3)",
  };
  for (const char* k : keys) {
    const auto parsed = odp::parse_key(k);
    try {
      validate_actions(mask_key(parsed.key, parsed.mask), parsed.mask, decoded);
    } catch (const invalid_flow&) {
    }
  }
  return 0;
}
