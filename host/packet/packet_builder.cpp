#include "packet/packet_builder.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>

namespace ovsxdp {
namespace {

void put16(bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
void append16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void append32(bytes& b, std::uint32_t v) {
  append16(b, static_cast<std::uint16_t>(v >> 16));
  append16(b, static_cast<std::uint16_t>(v));
}
void append(bytes& b, const std::uint8_t* p, std::size_t n) { b.insert(b.end(), p, p + n); }

}  // namespace

mac parse_mac(std::string_view text) {
  mac m{};
  unsigned v[6];
  if (std::sscanf(std::string(text).c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    throw std::invalid_argument("bad MAC " + std::string(text));
  for (int i = 0; i < 6; i++) m[i] = static_cast<std::uint8_t>(v[i]);
  return m;
}

std::uint32_t parse_ipv4(std::string_view text) {
  in_addr a{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &a) != 1) throw std::invalid_argument("bad IPv4 " + std::string(text));
  return ntohl(a.s_addr);
}

ipv6_address parse_ipv6(std::string_view text) {
  ipv6_address a{};
  if (inet_pton(AF_INET6, std::string(text).c_str(), a.data()) != 1) throw std::invalid_argument("bad IPv6 " + std::string(text));
  return a;
}

std::string to_hex(const bytes& b) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

bytes from_hex(std::string_view hex) {
  bytes out;
  int high = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == ':' || c == '\n') continue;
    else throw std::invalid_argument("bad hex digit in " + std::string(hex));
    if (high < 0) high = v;
    else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

std::uint32_t checksum_partial(const std::uint8_t* data, std::size_t size, std::uint32_t sum) {
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (size & 1) sum += static_cast<std::uint32_t>(data[size - 1] << 8);
  return sum;
}

std::uint16_t checksum_fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::uint32_t crc32c(const std::uint8_t* data, std::size_t size) {
  std::uint32_t crc = ~0u;
  for (std::size_t i = 0; i < size; i++) {
    crc ^= data[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
  }
  return ~crc;
}

packet_builder& packet_builder::eth(std::string_view src, std::string_view dst, std::optional<std::uint16_t> type) {
  layer l{kind::eth, {}, type};
  mac d = parse_mac(dst), s = parse_mac(src);
  append(l.data, d.data(), 6);
  append(l.data, s.data(), 6);
  append16(l.data, 0);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::vlan(std::uint16_t vid, std::uint8_t pcp, std::uint16_t tpid, bool dei) {
  // The tag's TPID is written into the previous layer's type field; the tag
  // itself carries the TCI and the next type.
  layer l{kind::vlan, {}, {}};
  l.tpid = tpid;
  append16(l.data, static_cast<std::uint16_t>(pcp << 13 | (dei ? 0x1000 : 0) | (vid & 0xfff)));
  append16(l.data, 0);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::llc(std::uint8_t dsap, std::uint8_t ssap, std::uint8_t control) {
  layers_.push_back({kind::llc, {dsap, ssap, control}, {}});
  return *this;
}

packet_builder& packet_builder::snap(std::uint32_t oui, std::uint16_t type) {
  layer l{kind::snap, {0xaa, 0xaa, 0x03, static_cast<std::uint8_t>(oui >> 16), static_cast<std::uint8_t>(oui >> 8),
                       static_cast<std::uint8_t>(oui)},
          {}};
  append16(l.data, type);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::mpls(std::uint32_t label, std::uint8_t tc, std::uint8_t ttl) {
  layer l{kind::mpls, {}, {}};
  append32(l.data, label << 12 | static_cast<std::uint32_t>(tc & 7) << 9 | ttl);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::arp(std::uint16_t op, std::string_view sha, std::string_view sip, std::string_view tha,
                                    std::string_view tip) {
  layer l{kind::arp, {}, {}};
  append16(l.data, 1);
  append16(l.data, 0x0800);
  l.data.push_back(6);
  l.data.push_back(4);
  append16(l.data, op);
  mac s = parse_mac(sha), t = parse_mac(tha);
  append(l.data, s.data(), 6);
  append32(l.data, parse_ipv4(sip));
  append(l.data, t.data(), 6);
  append32(l.data, parse_ipv4(tip));
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::nsh(std::uint8_t mdtype, std::uint32_t spi, std::uint8_t si, bytes metadata, nsh_options o) {
  layer l{kind::nsh, {}, o.next_protocol ? std::optional<std::uint32_t>(*o.next_protocol) : std::nullopt};
  while (metadata.size() % 4) metadata.push_back(0);
  const std::uint8_t words = o.length_words.value_or(static_cast<std::uint8_t>((8 + metadata.size()) / 4));
  append16(l.data, static_cast<std::uint16_t>((o.version & 3u) << 14 | (o.flags & 3u) << 12 | (o.ttl & 0x3fu) << 6 | (words & 0x3fu)));
  l.data.push_back(mdtype);
  l.data.push_back(0);  // next protocol, filled by build()
  append32(l.data, (spi & 0xffffffu) << 8 | si);
  l.data.insert(l.data.end(), metadata.begin(), metadata.end());
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::ipv4(std::string_view src, std::string_view dst, ipv4_options o) {
  layer l{kind::ipv4, {}, o.protocol ? std::optional<std::uint32_t>(*o.protocol) : std::nullopt};
  bytes opts = o.options;
  while (opts.size() % 4) opts.push_back(0);
  std::uint8_t ihl = o.header_length.value_or(static_cast<std::uint8_t>(5 + opts.size() / 4));
  l.data.push_back(static_cast<std::uint8_t>(0x40 | (ihl & 0xf)));
  l.data.push_back(o.tos);
  append16(l.data, 0);  // total length, filled by build()
  append16(l.data, o.id);
  append16(l.data, static_cast<std::uint16_t>((o.dont_fragment ? 0x4000 : 0) | (o.more_fragments ? 0x2000 : 0) |
                                              (o.fragment_offset & 0x1fff)));
  l.data.push_back(o.ttl);
  l.data.push_back(0);  // protocol, filled by build()
  append16(l.data, 0);  // checksum
  append32(l.data, parse_ipv4(src));
  append32(l.data, parse_ipv4(dst));
  l.data.insert(l.data.end(), opts.begin(), opts.end());
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::ipv6(std::string_view src, std::string_view dst, ipv6_options o) {
  layer l{kind::ipv6, {}, o.next_header ? std::optional<std::uint32_t>(*o.next_header) : std::nullopt};
  append32(l.data, 6u << 28 | static_cast<std::uint32_t>(o.traffic_class) << 20 | (o.flow_label & 0xfffff));
  append16(l.data, 0);
  l.data.push_back(0);
  l.data.push_back(o.hop_limit);
  auto s = parse_ipv6(src), d = parse_ipv6(dst);
  append(l.data, s.data(), 16);
  append(l.data, d.data(), 16);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::ipv6_extension(std::uint8_t type, bytes body) {
  layer l{kind::ipv6_ext, {}, {}};
  l.protocol = type;
  l.data.push_back(0);
  l.data.push_back(0);
  l.data.insert(l.data.end(), body.begin(), body.end());
  const std::size_t unit = type == 51 ? 4 : 8;
  while (l.data.size() < 8 || l.data.size() % unit) l.data.push_back(0);
  l.data[1] = static_cast<std::uint8_t>(type == 51 ? l.data.size() / 4 - 2 : l.data.size() / 8 - 1);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::ipv6_fragment(std::uint16_t offset, bool more, std::uint32_t id) {
  layer l{kind::ipv6_frag, {0, 0}, {}};
  append16(l.data, static_cast<std::uint16_t>(offset << 3 | (more ? 1 : 0)));
  append32(l.data, id);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::tcp(std::uint16_t src, std::uint16_t dst, std::uint16_t flags, bytes options) {
  layer l{kind::tcp, {}, {}};
  while (options.size() % 4) options.push_back(0);
  append16(l.data, src);
  append16(l.data, dst);
  append32(l.data, 0);
  append32(l.data, 0);
  append16(l.data, static_cast<std::uint16_t>((5 + options.size() / 4) << 12 | (flags & 0xfff)));
  append16(l.data, 8192);
  append16(l.data, 0);
  append16(l.data, 0);
  l.data.insert(l.data.end(), options.begin(), options.end());
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::udp(std::uint16_t src, std::uint16_t dst) {
  layer l{kind::udp, {}, {}};
  append16(l.data, src);
  append16(l.data, dst);
  append16(l.data, 0);
  append16(l.data, 0);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::sctp(std::uint16_t src, std::uint16_t dst) {
  layer l{kind::sctp, {}, {}};
  append16(l.data, src);
  append16(l.data, dst);
  append32(l.data, 0x01020304);
  append32(l.data, 0);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::icmp(std::uint8_t type, std::uint8_t code, std::uint32_t rest) {
  layer l{kind::icmp, {type, code, 0, 0}, {}};
  append32(l.data, rest);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::icmpv6(std::uint8_t type, std::uint8_t code, bytes body) {
  layer l{kind::icmpv6, {type, code, 0, 0}, {}};
  l.data.insert(l.data.end(), body.begin(), body.end());
  while (l.data.size() < 8) l.data.push_back(0);
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::nd(std::uint8_t type, std::string_view target, std::optional<std::string_view> sll,
                                   std::optional<std::uint8_t> code, std::optional<std::string_view> tll) {
  bytes body(4, 0);  // flags/reserved
  if (type == 136) body[0] = 0x60;  // solicited + override
  auto t = parse_ipv6(target);
  append(body, t.data(), 16);
  for (auto [option, address] : {std::pair{1, sll}, std::pair{2, tll}}) {
    if (!address) continue;
    body.push_back(static_cast<std::uint8_t>(option));
    body.push_back(1);
    mac m = parse_mac(*address);
    append(body, m.data(), 6);
  }
  return icmpv6(type, code.value_or(0), std::move(body));
}

packet_builder& packet_builder::raw_l4(std::uint8_t protocol, bytes body) {
  layer l{kind::raw_l4, std::move(body), {}};
  l.protocol = protocol;
  layers_.push_back(std::move(l));
  return *this;
}

packet_builder& packet_builder::payload(bytes data) {
  layers_.push_back({kind::payload, std::move(data), {}});
  return *this;
}

packet_builder& packet_builder::payload(std::size_t size, std::uint8_t fill) { return payload(bytes(size, fill)); }

std::optional<std::uint32_t> packet_builder::ethertype_of(const layer& l) {
  switch (l.k) {
    case kind::vlan: return l.tpid;
    case kind::mpls: return 0x8847;
    case kind::arp: return 0x0806;
    case kind::nsh: return 0x894f;
    case kind::ipv4: return 0x0800;
    case kind::ipv6: return 0x86dd;
    default: return std::nullopt;
  }
}

std::optional<std::uint8_t> packet_builder::ip_protocol_of(const layer& l) {
  switch (l.k) {
    case kind::ipv6_ext: return l.protocol;
    case kind::ipv6_frag: return 44;
    case kind::tcp: return 6;
    case kind::udp: return 17;
    case kind::sctp: return 132;
    case kind::icmp: return 1;
    case kind::icmpv6: return 58;
    case kind::raw_l4: return l.protocol;
    case kind::ipv4: return 4;
    case kind::ipv6: return 41;
    default: return std::nullopt;
  }
}

bytes packet_builder::build() const {
  std::vector<std::size_t> start(layers_.size() + 1);
  bytes out;
  for (std::size_t i = 0; i < layers_.size(); i++) {
    start[i] = out.size();
    out.insert(out.end(), layers_[i].data.begin(), layers_[i].data.end());
  }
  start[layers_.size()] = out.size();
  const std::size_t end = out.size();

  // Link-layer types and IP next-protocol fields, from each layer's successor.
  for (std::size_t i = 0; i < layers_.size(); i++) {
    const layer& l = layers_[i];
    const layer* next = i + 1 < layers_.size() ? &layers_[i + 1] : nullptr;
    switch (l.k) {
      case kind::eth:
      case kind::vlan: {
        std::size_t at = start[i] + (l.k == kind::eth ? 12 : 2);
        std::uint32_t type = l.forced_next.value_or(0);
        if (!l.forced_next && next) {
          if (next->k == kind::llc || next->k == kind::snap) type = static_cast<std::uint32_t>(end - start[i + 1]);  // 802.3 length
          else type = ethertype_of(*next).value_or(0);
        }
        put16(out, at, static_cast<std::uint16_t>(type));
        break;
      }
      case kind::mpls:
        if (!(next && next->k == kind::mpls)) out[start[i] + 2] |= 0x01;  // bottom of stack
        break;
      case kind::nsh: {
        std::uint32_t np = l.forced_next.value_or(0);
        if (!l.forced_next && next) {
          switch (next->k) {
            case kind::ipv4: np = 1; break;
            case kind::ipv6: np = 2; break;
            case kind::eth: np = 3; break;
            case kind::nsh: np = 4; break;
            case kind::mpls: np = 5; break;
            default: break;
          }
        }
        out[start[i] + 3] = static_cast<std::uint8_t>(np);
        break;
      }
      case kind::ipv4: {
        std::size_t ihl = (out[start[i]] & 0xf) * 4u;
        put16(out, start[i] + 2, static_cast<std::uint16_t>(end - start[i]));
        out[start[i] + 9] = static_cast<std::uint8_t>(l.forced_next.value_or(next ? ip_protocol_of(*next).value_or(59) : 59));
        if (ihl >= 20 && start[i] + ihl <= end) put16(out, start[i] + 10, static_cast<std::uint16_t>(~checksum_fold(checksum_partial(&out[start[i]], ihl))));
        break;
      }
      case kind::ipv6:
        put16(out, start[i] + 4, static_cast<std::uint16_t>(end - start[i] - 40));
        out[start[i] + 6] = static_cast<std::uint8_t>(l.forced_next.value_or(next ? ip_protocol_of(*next).value_or(59) : 59));
        break;
      case kind::ipv6_ext:
      case kind::ipv6_frag:
        out[start[i]] = next ? ip_protocol_of(*next).value_or(59) : 59;
        break;
      default: break;
    }
  }

  // L4 lengths and checksums, innermost IP header as the pseudo-header.
  for (std::size_t i = 0; i < layers_.size(); i++) {
    const layer& l = layers_[i];
    if (l.k != kind::tcp && l.k != kind::udp && l.k != kind::icmp && l.k != kind::icmpv6 && l.k != kind::sctp) continue;
    const std::size_t l4 = start[i], length = end - l4;
    if (l.k == kind::sctp) {
      std::uint32_t crc = crc32c(&out[l4], length);
      out[l4 + 8] = static_cast<std::uint8_t>(crc);  // CRC32c goes on the wire little-endian
      out[l4 + 9] = static_cast<std::uint8_t>(crc >> 8);
      out[l4 + 10] = static_cast<std::uint8_t>(crc >> 16);
      out[l4 + 11] = static_cast<std::uint8_t>(crc >> 24);
      continue;
    }
    std::uint32_t sum = 0;
    if (l.k != kind::icmp) {
      // Pseudo-header from the closest enclosing IP layer.
      std::size_t ip = layers_.size();
      for (std::size_t j = i; j-- > 0;)
        if (layers_[j].k == kind::ipv4 || layers_[j].k == kind::ipv6) {
          ip = j;
          break;
        }
      if (ip == layers_.size()) continue;
      std::uint8_t proto = l.k == kind::tcp ? 6 : l.k == kind::udp ? 17 : 58;
      if (layers_[ip].k == kind::ipv4) sum = checksum_partial(&out[start[ip] + 12], 8);
      else sum = checksum_partial(&out[start[ip] + 8], 32);
      sum += proto;
      sum += static_cast<std::uint32_t>(length);
    }
    std::size_t csum_at = l4 + (l.k == kind::tcp ? 16 : l.k == kind::udp ? 6 : 2);
    if (l.k == kind::udp) put16(out, l4 + 4, static_cast<std::uint16_t>(length));
    if (csum_at + 2 > end) continue;
    put16(out, csum_at, 0);
    std::uint16_t csum = static_cast<std::uint16_t>(~checksum_fold(checksum_partial(&out[l4], length, sum)));
    if (l.k == kind::udp && csum == 0) csum = 0xffff;
    put16(out, csum_at, csum);
  }
  return out;
}

}  // namespace ovsxdp
