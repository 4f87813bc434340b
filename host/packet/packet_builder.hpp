// A small fluent builder for packets (tests, benchmarks, generators).
// Layers are added outermost first;
// build() fills what a real stack fills: ethertypes and next-header fields
// from the following layer, lengths, and every checksum (IPv4 header, TCP,
// UDP, ICMP, ICMPv6, SCTP CRC32c), unless a test overrides them to make a
// malformed packet.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ovsxdp {

using bytes = std::vector<std::uint8_t>;
using mac = std::array<std::uint8_t, 6>;
using ipv6_address = std::array<std::uint8_t, 16>;

mac parse_mac(std::string_view text);
std::uint32_t parse_ipv4(std::string_view text);  // host order
ipv6_address parse_ipv6(std::string_view text);
std::string to_hex(const bytes& b);
bytes from_hex(std::string_view hex);

struct ipv4_options {
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;
  std::uint16_t id = 1;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // in 8-byte units
  bytes options;                      // IP options, padded to 4 bytes
  std::optional<std::uint8_t> protocol;        // default: from the next layer
  std::optional<std::uint8_t> header_length;   // ihl override (32-bit words), for malformed tests
};

struct ipv6_options {
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::uint8_t hop_limit = 64;
  std::optional<std::uint8_t> next_header;  // default: from the next layer
};

struct nsh_options {
  std::uint8_t flags = 0;
  std::uint8_t ttl = 63;
  std::optional<std::uint8_t> next_protocol;  // default: from the next layer (1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS)
  std::optional<std::uint8_t> length_words;   // override, for malformed tests
  std::uint8_t version = 0;
};

class packet_builder {
 public:
  packet_builder& eth(std::string_view src, std::string_view dst, std::optional<std::uint16_t> type = {});
  packet_builder& vlan(std::uint16_t vid, std::uint8_t pcp = 0, std::uint16_t tpid = 0x8100, bool dei = false);
  packet_builder& llc(std::uint8_t dsap, std::uint8_t ssap, std::uint8_t control);  // 802.3: eth type becomes the length
  packet_builder& snap(std::uint32_t oui, std::uint16_t type);                        // 802.3 + LLC AA-AA-03 + SNAP
  packet_builder& mpls(std::uint32_t label, std::uint8_t tc = 0, std::uint8_t ttl = 64);  // bos set on the last one
  packet_builder& arp(std::uint16_t op, std::string_view sha, std::string_view sip, std::string_view tha, std::string_view tip);
  // NSH (RFC 8300): MD type 1 carries 16 bytes of context, type 2 TLVs;
  // the metadata is padded to 4 bytes. Its ethertype is 0x894f.
  packet_builder& nsh(std::uint8_t mdtype, std::uint32_t spi, std::uint8_t si, bytes metadata = bytes(16, 0), nsh_options options = {});
  packet_builder& ipv4(std::string_view src, std::string_view dst, ipv4_options options = {});
  packet_builder& ipv6(std::string_view src, std::string_view dst, ipv6_options options = {});
  // Extension header of `type` (0 hop-by-hop, 43 routing, 60 destination options, 51 AH)
  // with `body` after the 2-byte {next, length} prefix; padded to its unit.
  packet_builder& ipv6_extension(std::uint8_t type, bytes body = {});
  packet_builder& ipv6_fragment(std::uint16_t offset, bool more, std::uint32_t id = 0x63);
  packet_builder& tcp(std::uint16_t src, std::uint16_t dst, std::uint16_t flags = 0x002, bytes options = {});
  packet_builder& udp(std::uint16_t src, std::uint16_t dst);
  packet_builder& sctp(std::uint16_t src, std::uint16_t dst);
  packet_builder& icmp(std::uint8_t type, std::uint8_t code, std::uint32_t rest = 0);
  packet_builder& icmpv6(std::uint8_t type, std::uint8_t code, bytes body = {});
  // Neighbor solicitation/advertisement with optional link-layer options.
  packet_builder& nd(std::uint8_t type, std::string_view target, std::optional<std::string_view> sll = {},
                     std::optional<std::uint8_t> code = {}, std::optional<std::string_view> tll = {});
  packet_builder& raw_l4(std::uint8_t protocol, bytes body);  // any other IP payload
  packet_builder& payload(bytes data);
  packet_builder& payload(std::size_t size, std::uint8_t fill = 0x78);

  bytes build() const;

 private:
  enum class kind { eth, vlan, llc, snap, mpls, arp, nsh, ipv4, ipv6, ipv6_ext, ipv6_frag, tcp, udp, sctp, icmp, icmpv6, raw_l4, payload };
  struct layer {
    kind k;
    bytes data;
    std::optional<std::uint32_t> forced_next;  // explicit ethertype / protocol
    std::uint8_t protocol = 0;                 // raw_l4 protocol, extension header type
    std::uint16_t tpid = 0;                    // vlan: written into the previous layer's type field
  };
  static std::optional<std::uint32_t> ethertype_of(const layer& l);
  static std::optional<std::uint8_t> ip_protocol_of(const layer& l);
  std::vector<layer> layers_;
};

// Internet checksum (RFC 1071) over `data`, folded, not inverted.
std::uint32_t checksum_partial(const std::uint8_t* data, std::size_t size, std::uint32_t sum = 0);
std::uint16_t checksum_fold(std::uint32_t sum);
std::uint32_t crc32c(const std::uint8_t* data, std::size_t size);

}  // namespace ovsxdp
