#include "datapath/conntrack_match.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ovsxdp {

namespace {

bool is_icmp(std::uint8_t proto) { return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6; }

bool zero_address(const std::uint8_t (&a)[16]) {
  return std::all_of(std::begin(a), std::end(a), [](std::uint8_t b) { return b == 0; });
}

bool tuple_is_zero(const conntrack_tuple& t, std::uint8_t proto) {
  bool zero = zero_address(t.src) && zero_address(t.dst);
  if (!is_icmp(proto)) zero = zero && !t.src_port && !t.dst_port;
  return zero;
}

// A partial tuple against an entry's: given addresses and ports must be
// equal; ICMP's identifier, type and code always are compared (OVS does).
bool tuple_matches(const conntrack_tuple& partial, const conntrack_tuple& t, std::uint8_t proto) {
  const std::size_t length = t.family == OVSXDP_CT_IPV4 ? 4 : 16;
  if (!zero_address(partial.src) && std::memcmp(partial.src, t.src, length) != 0) return false;
  if (!zero_address(partial.dst) && std::memcmp(partial.dst, t.dst, length) != 0) return false;
  if (is_icmp(proto)) return partial.icmp_id == t.icmp_id && partial.icmp_type == t.icmp_type && partial.icmp_code == t.icmp_code;
  if (partial.src_port && partial.src_port != t.src_port) return false;
  if (partial.dst_port && partial.dst_port != t.dst_port) return false;
  return true;
}

template <class T>
T parse_unsigned(std::string_view key, std::string_view value) {
  unsigned long long v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || v > static_cast<unsigned long long>(T(~T(0))))
    throw std::invalid_argument("failed to parse field " + std::string(key) + ": '" + std::string(value) + "' is not a number 0.." +
                                std::to_string(static_cast<unsigned long long>(T(~T(0)))));
  return static_cast<T>(v);
}

void set_address(std::uint8_t (&slot)[16], std::string_view key, std::string_view value, std::uint8_t family, conntrack_match& m) {
  if (m.family && m.family != family)
    throw std::invalid_argument("the L3 protocol does not match " + std::string(value));
  if (!zero_address(slot)) throw std::invalid_argument(std::string(key) + " is set multiple times");
  const std::string text(value);
  if (inet_pton(family == OVSXDP_CT_IPV4 ? AF_INET : AF_INET6, text.c_str(), slot) != 1)
    throw std::invalid_argument("failed to parse field " + std::string(key) + ": '" + text + "' is not an IPv" +
                                std::to_string(family) + " address");
  m.family = family;
}

}  // namespace

bool conntrack_match::empty() const { return !proto && !family && tuple_is_zero(original, proto) && tuple_is_zero(reply, proto); }

bool conntrack_match::names_one_connection() const {
  bool five = !zero_address(original.src) && !zero_address(original.dst);
  if (!is_icmp(proto)) five = five && original.src_port && original.dst_port;
  return five && tuple_is_zero(reply, proto);
}

bool conntrack_match::matches(const conntrack_entry& e) const {
  if (family && family != e.original.family) return false;
  if (proto && proto != e.original.proto) return false;
  return tuple_matches(original, original_tuple(e), proto) && tuple_matches(reply, reply_tuple(e), proto);
}

void parse_conntrack_tuple(std::string_view text, bool reply, conntrack_match& m) {
  conntrack_tuple& t = reply ? m.reply : m.original;
  (reply ? m.reply_given : m.original_given) = true;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view field = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    const std::string_view key = field.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : field.substr(eq + 1);
    if (value.empty()) throw std::invalid_argument("field " + std::string(key) + " missing value");
    if (key == "ct_nw_src" || key == "ct_nw_dst") {
      set_address(key[6] == 's' ? t.src : t.dst, key, value, OVSXDP_CT_IPV4, m);
    } else if (key == "ct_ipv6_src" || key == "ct_ipv6_dst") {
      set_address(key[8] == 's' ? t.src : t.dst, key, value, OVSXDP_CT_IPV6, m);
    } else if (key == "ct_nw_proto") {
      m.proto = parse_unsigned<std::uint8_t>(key, value);
    } else if (key == "ct_tp_src") {
      t.src_port = parse_unsigned<std::uint16_t>(key, value);
    } else if (key == "ct_tp_dst") {
      t.dst_port = parse_unsigned<std::uint16_t>(key, value);
    } else if (key == "icmp_type" || key == "icmp_code" || key == "icmp_id") {
      if (!is_icmp(m.proto)) throw std::invalid_argument("invalid L4 fields: " + std::string(key) + " needs ct_nw_proto=1 or 58 before it");
      if (key == "icmp_type") t.icmp_type = parse_unsigned<std::uint8_t>(key, value);
      else if (key == "icmp_code") t.icmp_code = parse_unsigned<std::uint8_t>(key, value);
      else t.icmp_id = parse_unsigned<std::uint16_t>(key, value);
    } else {
      throw std::invalid_argument("invalid conntrack tuple field: " + std::string(key) +
                                  " (fields: ct_nw_src, ct_nw_dst, ct_ipv6_src, ct_ipv6_dst, ct_nw_proto, ct_tp_src, ct_tp_dst, "
                                  "icmp_type, icmp_code, icmp_id)");
    }
  }
  if (!m.proto && (t.src_port || t.dst_port)) throw std::invalid_argument("port is set without protocol (give ct_nw_proto=N)");
  if (m.family) t.family = m.family;
}

std::size_t flush_conntrack_matching(datapath& dp, std::optional<std::uint16_t> zone, const conntrack_match& match) {
  if (match.empty()) return dp.flush_conntrack(zone);
  if (match.names_one_connection()) {
    conntrack_tuple t = match.original;
    t.family = match.family;
    t.proto = match.proto;
    return dp.flush_conntrack(zone.value_or(0), t) ? 1 : 0;
  }
  std::size_t removed = 0;
  for (const auto& e : dp.dump_conntrack(zone))
    if (match.matches(e) && dp.flush_conntrack(e.original.zone, original_tuple(e))) removed++;
  return removed;
}

}  // namespace ovsxdp
