#include "support/frame_check.hpp"

#include <cstdio>

namespace ovsxdp::testing {
namespace {
std::uint16_t be16(const bytes& b, std::size_t at) { return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]); }

std::string hex_range(const bytes& b, std::size_t from, std::size_t to) {
  std::string s;
  char buf[4];
  for (std::size_t i = from; i < to && i < b.size(); i++) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    s += buf;
  }
  return s;
}

// Checks the L4 checksum with the pseudo-header bytes `pseudo`.
std::string l4_error(const bytes& f, std::size_t l4, std::size_t end, std::uint8_t proto, std::uint32_t pseudo_sum) {
  const std::size_t length = end - l4;
  if (proto == 6 && length >= 20) {
    const std::uint32_t sum = checksum_partial(&f[l4], length, pseudo_sum + 6 + static_cast<std::uint32_t>(length));
    if (checksum_fold(sum) != 0xffff) return "TCP checksum wrong";
  } else if (proto == 17 && length >= 8) {
    if (be16(f, l4 + 6) == 0) return {};  // no checksum
    const std::uint32_t sum = checksum_partial(&f[l4], length, pseudo_sum + 17 + static_cast<std::uint32_t>(length));
    if (checksum_fold(sum) != 0xffff) return "UDP checksum wrong";
  } else if (proto == 58 && length >= 4) {
    const std::uint32_t sum = checksum_partial(&f[l4], length, pseudo_sum + 58 + static_cast<std::uint32_t>(length));
    if (checksum_fold(sum) != 0xffff) return "ICMPv6 checksum wrong";
  } else if (proto == 1 && length >= 4) {
    if (checksum_fold(checksum_partial(&f[l4], length)) != 0xffff) return "ICMP checksum wrong";
  } else if (proto == 132 && length >= 12) {
    bytes copy(f.begin() + static_cast<long>(l4), f.begin() + static_cast<long>(end));
    const std::uint32_t stored = copy[8] | copy[9] << 8 | copy[10] << 16 | static_cast<std::uint32_t>(copy[11]) << 24;
    copy[8] = copy[9] = copy[10] = copy[11] = 0;
    if (crc32c(copy.data(), copy.size()) != stored) return "SCTP CRC32c wrong";
  }
  return {};
}

// The checksums of the network header at `l3` of EtherType `type` and
// what it carries; NSH is followed to its payload.
std::string l3_errors(const bytes& f, std::size_t l3, std::uint16_t type, int depth = 0) {
  if (type == 0x894f && l3 + 8 <= f.size() && depth < 4) {
    const std::size_t inner = l3 + (f[l3 + 1] & 0x3fu) * 4u;
    switch (f[l3 + 3]) {
      case 1: return l3_errors(f, inner, 0x0800, depth + 1);
      case 2: return l3_errors(f, inner, 0x86dd, depth + 1);
      case 3: return inner < f.size() ? checksum_errors(bytes(f.begin() + static_cast<long>(inner), f.end())) : std::string();
      case 4: return l3_errors(f, inner, 0x894f, depth + 1);
      default: return {};
    }
  }
  if (type == 0x0800 && l3 + 20 <= f.size()) {
    const std::size_t ihl = (f[l3] & 0xf) * 4u;
    if (ihl < 20 || l3 + ihl > f.size()) return {};
    if (checksum_fold(checksum_partial(&f[l3], ihl)) != 0xffff) return "IPv4 header checksum wrong";
    const std::size_t end = std::min<std::size_t>(f.size(), l3 + be16(f, l3 + 2));
    if (be16(f, l3 + 6) & 0x3fff) return {};  // fragment: no whole L4 to check
    return l4_error(f, l3 + ihl, end, f[l3 + 9], checksum_partial(&f[l3 + 12], 8));
  }
  if (type == 0x86dd && l3 + 40 <= f.size()) {
    std::uint8_t nh = f[l3 + 6];
    std::size_t l4 = l3 + 40;
    while ((nh == 0 || nh == 43 || nh == 60) && l4 + 8 <= f.size()) {
      nh = f[l4];
      l4 += (f[l4 + 1] + 1u) * 8u;
    }
    const std::size_t end = std::min<std::size_t>(f.size(), l3 + 40 + be16(f, l3 + 4));
    if (l4 > end) return {};
    return l4_error(f, l4, end, nh, checksum_partial(&f[l3 + 8], 32));
  }
  return {};
}
}  // namespace

std::string checksum_errors(const bytes& f) {
  if (f.size() < 14) return {};
  std::size_t at = 12;
  std::uint16_t type = be16(f, at);
  while ((type == 0x8100 || type == 0x88a8) && at + 6 <= f.size()) {
    at += 4;
    type = be16(f, at);
  }
  return l3_errors(f, at + 2, type);
}

std::string hex_diff(const bytes& expected, const bytes& actual) {
  std::string out = "expected " + std::to_string(expected.size()) + " bytes, got " + std::to_string(actual.size()) + "\n";
  const std::size_t n = std::max(expected.size(), actual.size());
  for (std::size_t i = 0; i < n;) {
    if (i < expected.size() && i < actual.size() && expected[i] == actual[i]) {
      i++;
      continue;
    }
    std::size_t j = i;
    while (j < n && !(j < expected.size() && j < actual.size() && expected[j] == actual[j])) j++;
    out += "  bytes " + std::to_string(i) + ".." + std::to_string(j - 1) + ": expected " + hex_range(expected, i, j) + ", got " + hex_range(actual, i, j) + "\n";
    i = j;
  }
  out += "  expected: " + to_hex(expected) + "\n  actual:   " + to_hex(actual);
  return out;
}

}  // namespace ovsxdp::testing
