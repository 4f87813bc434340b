#include "odp/flow_parse.hpp"

#include <arpa/inet.h>
#include <linux/openvswitch.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <vector>

#include "odp/key_format.hpp"
#include "odp/key_schema.hpp"
#include "ovsxdp/base/types.h"
#include "runtime/overloaded.hpp"

namespace ovsxdp::odp {

syntax_error::syntax_error(std::string what_text, std::string_view input, std::size_t column, std::string message,
                           std::string expected)
    : std::runtime_error([&] {
        std::string text = what_text + ": column " + std::to_string(column) + ": " + message;
        if (!expected.empty()) text += " (expected " + expected + ")";
        // Show the input with a caret under the column; of a long input, the
        // 160 characters around the column.
        const std::size_t at = std::min(column > 0 ? column - 1 : 0, input.size());
        std::size_t from = 0, to = input.size();
        if (input.size() > 200) {
          from = at > 80 ? at - 80 : 0;
          to = std::min(input.size(), from + 160);
        }
        const std::string before = from > 0 ? "..." : "", after = to < input.size() ? "..." : "";
        text += "\n    " + before + std::string(input.substr(from, to - from)) + after + "\n    " + std::string(before.size() + at - from, ' ') + "^";
        return text;
      }()),
      column_(column),
      message_(std::move(message)),
      expected_(std::move(expected)),
      what_text_(std::move(what_text)),
      input_(input) {}

namespace {

// OVS's text for a ct_label value or mask (ds_put_hex of the big-endian value).
std::string label_hex(const std::array<std::uint8_t, 16>& v) {
  std::string out;
  bool printed = false;
  char b[8];
  for (int i = 15; i >= 0; i--) {
    if (!v[static_cast<std::size_t>(i)] && !printed) continue;
    std::snprintf(b, sizeof b, printed ? "%02x" : "0x%x", v[static_cast<std::size_t>(i)]);
    out += b;
    printed = true;
  }
  return printed ? out : "0";
}

std::string nat_address(const std::vector<std::uint8_t>& a, bool bracket) {
  char b[INET6_ADDRSTRLEN];
  inet_ntop(a.size() == 4 ? AF_INET : AF_INET6, a.data(), b, sizeof b);
  return bracket && a.size() == 16 ? "[" + std::string(b) + "]" : std::string(b);
}

// OVS's format_odp_ct_nat.
std::string format_nat(const act::ct_nat& n) {
  if (n.type == act::ct_nat::kind::none) return "nat";
  std::string s = n.type == act::ct_nat::kind::src ? "nat(src" : "nat(dst";
  if (!n.min_addr.empty()) {
    const bool bracket = n.min_port != 0;
    s += "=" + nat_address(n.min_addr, bracket);
    if (!n.max_addr.empty() && n.max_addr != n.min_addr) s += "-" + nat_address(n.max_addr, bracket);
    if (n.min_port) {
      s += ":" + std::to_string(n.min_port);
      if (n.max_port && n.max_port != n.min_port) s += "-" + std::to_string(n.max_port);
    }
  }
  if (n.persistent) s += ",persistent";
  if (n.hash) s += ",hash";
  if (n.random) s += ",random";
  return s + ")";
}

// OVS's format_odp_conntrack_action.
std::string format_conntrack(const act::ct& c) {
  std::vector<std::string> parts;
  if (c.commit) parts.push_back("commit");
  if (c.force_commit) parts.push_back("force_commit");
  if (c.zone) parts.push_back("zone=" + std::to_string(c.zone));
  if (c.mark) {
    char b[40];
    std::snprintf(b, sizeof b, "mark=%#x/%#x", c.mark->first, c.mark->second);
    parts.push_back(b);
  }
  if (c.label) {
    std::string l = "label=" + label_hex(c.label->value);
    std::array<std::uint8_t, 16> ones;
    ones.fill(0xff);
    if (c.label->mask != ones) l += "/" + label_hex(c.label->mask);
    parts.push_back(l);
  }
  if (!c.helper.empty()) parts.push_back("helper=" + c.helper);
  if (!c.timeout.empty()) parts.push_back("timeout=" + c.timeout);
  if (c.nat) parts.push_back(format_nat(*c.nat));
  if (parts.empty()) return "ct";
  std::string s = "ct(";
  for (std::size_t i = 0; i < parts.size(); i++) s += (i ? "," : "") + parts[i];
  return s + ")";
}


constexpr std::string_view kSeparators = ", \t\r\n";

class scanner {
 public:
  scanner(std::string_view text, const char* what) : text_(text), what_(what) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  std::size_t pos() const { return pos_; }
  void seek(std::size_t p) { pos_ = p; }
  std::string_view rest() const { return text_.substr(pos_); }

  void skip_separators() {
    while (!done() && kSeparators.find(peek()) != std::string_view::npos) pos_++;
  }
  void skip_spaces() {
    while (!done() && (peek() == ' ' || peek() == '\t')) pos_++;
  }
  bool accept(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }
  void expect(char c, const std::string& form) {
    if (peek() != c) fail(done() ? "unexpected end of text" : std::string("unexpected '") + peek() + "'", form);
    pos_++;
  }
  std::string_view name() {
    const std::size_t start = pos_;
    while (!done() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')) pos_++;
    return text_.substr(start, pos_ - start);
  }
  // An interface name where a port number may stand: Linux allows any
  // character but '/', ':' and whitespace; this stops at separators and parentheses too.
  std::string_view port_name() {
    const std::size_t start = pos_;
    while (!done() && kSeparators.find(peek()) == std::string_view::npos && peek() != '(' && peek() != ')') pos_++;
    return text_.substr(start, pos_ - start);
  }
  // Up to (not including) the first of `stops` outside parentheses.
  std::string_view token(std::string_view stops) {
    const std::size_t start = pos_;
    int depth = 0;
    while (!done()) {
      const char c = peek();
      if (depth == 0 && stops.find(c) != std::string_view::npos) break;
      if (c == '(') depth++;
      if (c == ')') {
        if (depth == 0) break;
        depth--;
      }
      pos_++;
    }
    return text_.substr(start, pos_ - start);
  }

  [[noreturn]] void fail(std::string message, std::string expected = {}, std::size_t at = std::string_view::npos) const {
    throw syntax_error(what_, text_, (at == std::string_view::npos ? pos_ : at) + 1, std::move(message), std::move(expected));
  }

 private:
  std::string_view text_;
  const char* what_;
  std::size_t pos_ = 0;
};

// OVS reads numbers with %i: decimal, 0x hex, leading-0 octal, optional sign.
std::optional<unsigned long long> to_number(std::string_view t) {
  std::string s(t);
  if (s.empty()) return std::nullopt;
  bool negative = false;
  std::size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    i = 1;
  }
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str() + i, &end, 0);
  if (errno || end != s.c_str() + s.size()) return std::nullopt;  // also a NUL inside the text
  if (negative) v = static_cast<unsigned long long>(-static_cast<long long>(v));
  return v;
}

bool parse_mac(std::string_view t, std::uint8_t out[6]) {
  unsigned v[6];
  char tail;
  if (std::sscanf(std::string(t).c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6) return false;
  for (int i = 0; i < 6; i++) {
    if (v[i] > 0xff) return false;
    out[i] = static_cast<std::uint8_t>(v[i]);
  }
  return true;
}

bool parse_ip(int family, std::string_view t, std::uint8_t* out) { return inet_pton(family, std::string(t).c_str(), out) == 1; }

void prefix_mask(std::uint8_t* out, std::size_t bytes, unsigned prefix) {
  for (std::size_t i = 0; i < bytes; i++) {
    const unsigned bits = prefix > i * 8 ? std::min(8u, prefix - static_cast<unsigned>(i) * 8) : 0;
    out[i] = static_cast<std::uint8_t>(bits ? 0xff << (8 - bits) : 0);
  }
}

// Flag names of ct_state, tcp_flags and tunnel flags(), by bit.
struct flag_name {
  const char* name;
  unsigned bit;
};
constexpr flag_name kCtStateFlags[] = {{"new", OVSXDP_CS_NEW},       {"est", OVSXDP_CS_ESTABLISHED}, {"rel", OVSXDP_CS_RELATED},
                                       {"rpl", OVSXDP_CS_REPLY_DIR}, {"inv", OVSXDP_CS_INVALID},     {"trk", OVSXDP_CS_TRACKED},
                                       {"snat", OVSXDP_CS_SRC_NAT},  {"dnat", OVSXDP_CS_DST_NAT}};
constexpr flag_name kTcpFlags[] = {{"fin", 0x001}, {"syn", 0x002}, {"rst", 0x004}, {"psh", 0x008}, {"ack", 0x010},   {"urg", 0x020},
                                   {"ece", 0x040}, {"cwr", 0x080}, {"ns", 0x100},  {"[200]", 0x200}, {"[400]", 0x400}, {"[800]", 0x800}};
constexpr flag_name kTunnelFlags[] = {{"oam", OVSXDP_TNL_OAM}, {"df", OVSXDP_TNL_DONT_FRAGMENT}, {"csum", OVSXDP_TNL_CSUM}, {"key", OVSXDP_TNL_KEY}};

template <std::size_t N>
std::string flag_list(const flag_name (&names)[N]) {
  std::string s;
  for (const auto& f : names) s += std::string(s.empty() ? "" : ", ") + f.name;
  return s;
}

class key_parser {
 public:
  // A 128-bit value (a number, or 0x and up to 32 hex digits) into `out`,
  // least significant byte first (OVS's ovs_u128 in memory, as ct_label).
  static void u128_text(const scanner& s, std::string_view text, std::uint8_t* out, std::string_view what, std::size_t at) {
    std::uint8_t bytes[16] = {};
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      std::string_view hex = text.substr(2);
      if (hex.empty() || hex.size() > 32 || !std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
        s.fail("bad 128-bit value '" + std::string(text) + "' for " + std::string(what), "0x followed by up to 32 hex digits", at);
      // Right-aligned big-endian digits.
      std::string padded = std::string(32 - hex.size(), '0') + std::string(hex);
      for (int i = 0; i < 16; i++) bytes[i] = static_cast<std::uint8_t>(std::stoul(padded.substr(static_cast<std::size_t>(i) * 2, 2), nullptr, 16));
    } else {
      auto v = to_number(text);
      if (!v) s.fail("bad 128-bit value '" + std::string(text) + "' for " + std::string(what), "a number or 0x hex", at);
      for (int i = 0; i < 8; i++) bytes[15 - i] = static_cast<std::uint8_t>(*v >> (8 * i));
    }
    for (int i = 0; i < 16; i++) out[i] = bytes[15 - i];
  }

  key_parser(scanner& s, const port_resolver& ports, bool partial = false) : s_(s), ports_(ports), partial_(partial) {}

  parsed_key run() {
    levels_.resize(1);
    s_.skip_separators();
    if (s_.accept("ufid:")) {
      const std::size_t at = s_.pos();
      std::string_view id = s_.token(kSeparators);
      try {
        out_.ufid = parse_ufid(id);
      } catch (const syntax_error&) {
        s_.fail("malformed UFID '" + std::string(id) + "'", "ufid:XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX", at);
      }
    }
    level(0);
    finish();
    return out_;
  }

  // One attribute into `key`/`mask` (for set(...) actions).
  void single_attribute(std::string_view name, std::size_t at) { attribute(name, 0, at); }
  // The fields of a struct-like attribute after its '(', by `spec` (for set
  // targets whose fields differ from the key attribute's).
  void attribute_fields(const attribute_spec& spec) { fields(spec); }
  ovsxdp_flow_key& key() { return out_.key; }
  ovsxdp_flow_key& mask() { return out_.mask; }

 private:
  struct level_state {
    bool eth_type = false, vlan = false, encap = false;
    bool encap_empty = true;  // encap() with nothing inside
    std::uint16_t eth_type_value = 0, eth_type_mask = 0, tci = 0, tci_mask = 0;
    std::size_t vlan_at = 0, eth_type_at = 0, encap_at = 0;
  };

  void level(std::size_t depth) {
    if (depth > 2) s_.fail("encap() nests deeper than the two VLAN tags a key holds");
    if (levels_.size() <= depth) levels_.resize(depth + 1);
    for (;;) {
      s_.skip_separators();
      if (s_.done() || (depth > 0 && s_.peek() == ')')) return;
      const std::size_t at = s_.pos();
      const std::string_view n = s_.name();
      if (n.empty()) s_.fail(std::string("unexpected '") + s_.peek() + "'", "an attribute like in_port(1) or eth(...)");
      s_.expect('(', "'(' after " + std::string(n));
      attribute(n, depth, at);
      s_.expect(')', "')' closing " + std::string(n) + "(...)");
    }
  }

  template <class T>
  void once(std::vector<std::string>& seen, std::string_view name, std::size_t at) {
    (void)sizeof(T);
    const std::string key(name);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) s_.fail(key + "(...) appears twice", "each attribute once", at);
    seen.push_back(key);
  }

  // Records that attribute `a` was given, and whether its mask is nonzero
  // (Linux's key_attrs and mask_attrs).
  void given(int a, bool masked) {
    out_.attributes.present |= attribute_bit(a);
    if (masked) out_.attributes.masked |= attribute_bit(a);
  }
  bool mask_nonzero(const field_spec& f) const {
    const std::uint8_t* m = field_bytes(out_.mask, f);
    return std::any_of(m, m + f.size, [](std::uint8_t b) { return b != 0; });
  }

  void attribute(std::string_view n, std::size_t depth, std::size_t at) {
    // eth_type, vlan and encap exist once per tag level; everything else
    // once in the whole key, as Linux parses encap() into the same table.
    const bool per_level = n == "eth_type" || n == "vlan" || n == "encap";
    const std::string key_name = per_level ? std::to_string(depth) + ":" + std::string(n) : std::string(n);
    if (std::find(seen_.begin(), seen_.end(), key_name) != seen_.end()) s_.fail(std::string(n) + "(...) appears twice", "each attribute once", at);
    seen_.push_back(key_name);
    if (depth > 0) levels_[depth].encap_empty = false;
    auto scalar = [&](int a, const field_spec& f) {
      single(f);
      given(a, mask_nonzero(f));
    };
    auto structured = [&](int a, const attribute_spec& spec) { given(a, fields(spec)); };
    if (n == "recirc_id") return scalar(OVS_KEY_ATTR_RECIRC_ID, recirc_id_field());
    if (n == "dp_hash") return scalar(OVS_KEY_ATTR_DP_HASH, dp_hash_field());
    if (n == "skb_priority") return scalar(OVS_KEY_ATTR_PRIORITY, skb_priority_field());
    if (n == "skb_mark") return scalar(OVS_KEY_ATTR_SKB_MARK, skb_mark_field());
    if (n == "ct_zone") return scalar(OVS_KEY_ATTR_CT_ZONE, ct_zone_field());
    if (n == "ct_mark") return scalar(OVS_KEY_ATTR_CT_MARK, ct_mark_field());
    if (n == "ct_label") return scalar(OVS_KEY_ATTR_CT_LABELS, ct_label_field());
    if (n == "in_port") {
      in_port();
      return given(OVS_KEY_ATTR_IN_PORT, out_.mask.in_port != 0);
    }
    if (n == "eth_type") {
      eth_type(depth, at);
      return given(OVS_KEY_ATTR_ETHERTYPE, true);
    }
    if (n == "ct_state") {
      flags(kCtStateFlags, 0xff, [&](unsigned v, unsigned m) {
        out_.key.ct_state = static_cast<std::uint8_t>(v);
        out_.mask.ct_state = static_cast<std::uint8_t>(m);
      });
      return given(OVS_KEY_ATTR_CT_STATE, out_.mask.ct_state != 0);
    }
    if (n == "tcp_flags") {
      flags(kTcpFlags, 0xfff, [&](unsigned v, unsigned m) {
        out_.key.tcp_flags = hton16(static_cast<std::uint16_t>(v));
        out_.mask.tcp_flags = hton16(static_cast<std::uint16_t>(m));
      });
      return given(OVS_KEY_ATTR_TCP_FLAGS, out_.mask.tcp_flags != 0);
    }
    if (n == "eth") {
      if (depth > 0) s_.fail("eth(...) belongs outside encap()", "eth(...) once, before the tags", at);
      eth_ = true;
      return structured(OVS_KEY_ATTR_ETHERNET, eth_attribute());
    }
    if (n == "ipv4") return structured(OVS_KEY_ATTR_IPV4, ipv4_attribute());
    if (n == "ipv6") return structured(OVS_KEY_ATTR_IPV6, ipv6_attribute());
    if (n == "tcp") return structured(OVS_KEY_ATTR_TCP, tcp_attribute());
    if (n == "udp") return structured(OVS_KEY_ATTR_UDP, udp_attribute());
    if (n == "sctp") return structured(OVS_KEY_ATTR_SCTP, sctp_attribute());
    if (n == "icmp") return structured(OVS_KEY_ATTR_ICMP, icmp_attribute());
    if (n == "icmpv6") return structured(OVS_KEY_ATTR_ICMPV6, icmpv6_attribute());
    if (n == "arp") return structured(OVS_KEY_ATTR_ARP, arp_attribute());
    if (n == "nd") return structured(OVS_KEY_ATTR_ND, nd_attribute());
    if (n == "ct_tuple4") return structured(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4, ct_tuple4_attribute());
    if (n == "ct_tuple6") return structured(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6, ct_tuple6_attribute());
    if (n == "nsh") return given(OVS_KEY_ATTR_NSH, nsh());
    if (n == "vlan") {
      vlan(depth, at);
      return given(OVS_KEY_ATTR_VLAN, true);
    }
    if (n == "encap") {
      if (depth + 1 > 2) s_.fail("encap() nests deeper than the two VLAN tags a key holds", "", at);
      if (levels_.size() <= depth + 1) levels_.resize(depth + 2);
      levels_[depth].encap = true;
      levels_[depth].encap_at = at;
      given(OVS_KEY_ATTR_ENCAP, false);
      return level(depth + 1);
    }
    if (n == "mpls") {
      mpls();
      return given(OVS_KEY_ATTR_MPLS, out_.mask.mpls_labels != 0);
    }
    if (n == "packet_type") {
      packet_type();
      return given(OVS_KEY_ATTR_PACKET_TYPE, true);
    }
    if (n == "tunnel") {
      tunnel();
      return given(OVS_KEY_ATTR_TUNNEL, true);
    }
    if (n == "nd_ext")
      s_.fail("nd_ext(...) is not supported by this datapath (the Linux datapath has no such key either)", "", at);
    s_.fail("unknown attribute '" + std::string(n) + "'",
            "one of recirc_id, dp_hash, skb_priority, skb_mark, in_port, ct_state, ct_zone, ct_mark, ct_label, ct_tuple4, "
            "ct_tuple6, tunnel, packet_type, eth, vlan, encap, eth_type, mpls, ipv4, ipv6, tcp, tcp_flags, udp, sctp, icmp, "
            "icmpv6, arp, nd, nsh",
            at);
  }

  // value[/mask] of one field (into key and mask).
  void field_value(const field_spec& f, std::string_view text, std::size_t at) {
    const std::size_t slash = text.find('/');
    const std::string_view value = text.substr(0, slash);
    const std::string_view mask = slash == std::string_view::npos ? std::string_view() : text.substr(slash + 1);
    parse_one(f, value, at, out_.key, false);
    if (slash == std::string_view::npos) full_mask(f);
    else parse_one(f, mask, at + slash + 1, out_.mask, true);
  }

  void full_mask(const field_spec& f) {
    std::uint8_t* m = field_bytes(out_.mask, f);
    switch (f.format) {
      case field_format::mac:
      case field_format::ipv4:
      case field_format::ipv6:
      case field_format::u128: std::memset(m, 0xff, f.size); return;
      case field_format::frag: *m = 0xff; return;
      default: set_field_value(out_.mask, f, field_full_mask(f));
    }
  }

  void parse_one(const field_spec& f, std::string_view text, std::size_t at, ovsxdp_flow_key& into, bool is_mask) {
    std::uint8_t* p = field_bytes(into, f);
    const std::string what = std::string(f.name);
    switch (f.format) {
      case field_format::mac:
        if (!parse_mac(text, p)) s_.fail("bad MAC address '" + std::string(text) + "' for " + what, "xx:xx:xx:xx:xx:xx", at);
        return;
      case field_format::ipv4:
        if (parse_ip(AF_INET, text, p)) return;
        if (is_mask) {
          if (auto bits = to_number(text); bits && *bits <= 32) return prefix_mask(p, 4, static_cast<unsigned>(*bits));
        }
        s_.fail("bad IPv4 address '" + std::string(text) + "' for " + what, is_mask ? "a.b.c.d or a prefix length" : "a.b.c.d", at);
      case field_format::ipv6:
        if (parse_ip(AF_INET6, text, p)) return;
        if (is_mask) {
          if (auto bits = to_number(text); bits && *bits <= 128) return prefix_mask(p, 16, static_cast<unsigned>(*bits));
        }
        s_.fail("bad IPv6 address '" + std::string(text) + "' for " + what, is_mask ? "an IPv6 address or a prefix length" : "an IPv6 address", at);
      case field_format::frag:
        // An enumeration: matched exactly or left out, as OVS reads it.
        if (is_mask) s_.fail("frag takes no mask", "frag=no|first|later, or leave frag out to match any", at);
        if (text == "no") *p = OVSXDP_FRAG_NONE;
        else if (text == "first") *p = OVSXDP_FRAG_FIRST;
        else if (text == "later") *p = OVSXDP_FRAG_LATER;
        else s_.fail("bad frag value '" + std::string(text) + "'", "no, first or later", at);
        return;
      case field_format::u128: {
        std::uint8_t bytes[16];
        u128_text(s_, text, bytes, what, at);  // least significant byte first
        for (int i = 0; i < 16; i++) p[i] = f.big_endian ? bytes[15 - i] : bytes[i];
        return;
      }
      default: {
        auto v = to_number(text);
        const std::uint64_t limit = f.format == field_format::arp_op && !is_mask ? 0xff : field_full_mask(f);
        if (f.format == field_format::arp_op && is_mask && v) v = *v & 0xff;
        if (!v || *v > limit)
          s_.fail("bad value '" + std::string(text) + "' for " + what, "a number 0.." + std::to_string(limit) + (f.format == field_format::arp_op ? " (Linux matches ARP opcodes up to 255)" : ""), at);
        set_field_value(into, f, *v);
      }
    }
  }

  void single(const field_spec& f) {
    const std::size_t at = s_.pos();
    field_value(f, s_.token(")"), at);
  }

  void in_port() {
    const std::size_t at = s_.pos();
    const std::string_view text = s_.token(")");
    if (!text.empty() && !std::isdigit(static_cast<unsigned char>(text[0]))) {
      std::optional<std::uint32_t> number = ports_ ? ports_(text) : std::nullopt;
      if (!number) s_.fail("unknown port name '" + std::string(text) + "'", "a port number, or the name of a port of this datapath", at);
      out_.key.in_port = *number;
      out_.mask.in_port = ~0u;
      return;
    }
    field_value(in_port_field(), text, at);
  }

  void eth_type(std::size_t depth, std::size_t attribute_at) {
    const std::size_t at = s_.pos();
    ovsxdp_flow_key k{}, m{};
    std::swap(k, out_.key);
    std::swap(m, out_.mask);
    field_value(eth_type_field(), s_.token(")"), at);
    std::swap(k, out_.key);
    std::swap(m, out_.mask);
    level_state& l = levels_[depth];
    l.eth_type = true;
    l.eth_type_at = attribute_at;
    l.eth_type_value = ntoh16(k.eth_type);
    l.eth_type_mask = ntoh16(m.eth_type);
  }

  template <std::size_t N, class Store>
  void flags(const flag_name (&names)[N], unsigned full, Store store) {
    const std::size_t at = s_.pos();
    const std::string_view text = s_.token(")");
    unsigned value = 0, mask = 0;
    auto lookup = [&](std::string_view name, std::size_t where) -> unsigned {
      for (const auto& f : names)
        if (name == f.name) return f.bit;
      s_.fail("unknown flag '" + std::string(name) + "'", "one of " + flag_list(names), where);
    };
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
      std::size_t i = 0;
      while (i < text.size()) {
        const bool set = text[i] == '+';
        if (text[i] != '+' && text[i] != '-') s_.fail("expected '+' or '-' before each flag", "+flag-flag", at + i);
        std::size_t j = i + 1;
        while (j < text.size() && text[j] != '+' && text[j] != '-') j++;
        const unsigned bit = lookup(text.substr(i + 1, j - i - 1), at + i + 1);
        if (mask & bit) s_.fail("flag given twice", "each flag once", at + i + 1);
        mask |= bit;
        if (set) value |= bit;
        i = j;
      }
    } else if (text.find('/') != std::string_view::npos) {
      auto v = to_number(text.substr(0, text.find('/')));
      auto m = to_number(text.substr(text.find('/') + 1));
      if (!v || !m || *v > full || *m > full) s_.fail("bad flags '" + std::string(text) + "'", "VALUE/MASK numbers, +name-name, or name|name", at);
      value = static_cast<unsigned>(*v);
      mask = static_cast<unsigned>(*m);
    } else {
      mask = full;
      std::size_t i = 0;
      while (i <= text.size()) {
        std::size_t j = text.find('|', i);
        if (j == std::string_view::npos) j = text.size();
        const std::string_view word = text.substr(i, j - i);
        if (auto n = to_number(word)) {
          if (*n > full) s_.fail("flags value out of range", "at most " + std::to_string(full), at + i);
          value |= static_cast<unsigned>(*n);
        } else {
          value |= lookup(word, at + i);
        }
        i = j + 1;
      }
    }
    store(value, mask);
  }

  // Returns whether any field's mask is nonzero.
  bool fields(const attribute_spec& a) {
    std::vector<std::string> given;
    bool masked = false;
    for (;;) {
      s_.skip_spaces();
      if (s_.peek() == ')') return masked;
      const std::size_t at = s_.pos();
      std::string_view name = s_.name();
      if (name.empty()) s_.fail("expected a field name in " + std::string(a.name) + "(...)", "field=value", at);
      // OVS prints ct_tuple6's ports as src_port/dst_port but parses tp_src/tp_dst.
      if (name == "src_port") name = "tp_src";
      if (name == "dst_port") name = "tp_dst";
      const field_spec* f = nullptr;
      for (const auto& candidate : a.fields)
        if (candidate.name == name) f = &candidate;
      if (!f) {
        std::string list;
        for (const auto& candidate : a.fields) list += std::string(list.empty() ? "" : ", ") + std::string(candidate.name);
        s_.fail("unknown field '" + std::string(name) + "' in " + std::string(a.name) + "(...)", "one of " + list, at);
      }
      if (std::find(given.begin(), given.end(), std::string(name)) != given.end())
        s_.fail(std::string(name) + " given twice in " + std::string(a.name) + "(...)", "each field once", at);
      given.emplace_back(name);
      s_.expect('=', "'=' after " + std::string(name));
      const std::size_t vat = s_.pos();
      field_value(*f, s_.token(",)"), vat);
      masked = masked || mask_nonzero(*f);
      if (s_.peek() == ',') s_.expect(',', ",");
    }
  }

  void vlan(std::size_t depth, std::size_t at) {
    level_state& l = levels_[depth];
    l.vlan = true;
    l.vlan_at = at;
    l.tci = OVSXDP_VLAN_PRESENT;
    l.tci_mask = OVSXDP_VLAN_PRESENT;
    for (;;) {
      s_.skip_spaces();
      if (s_.peek() == ')') return;
      const std::size_t fat = s_.pos();
      const std::string_view name = s_.name();
      s_.expect('=', "'=' after " + std::string(name));
      const std::size_t vat = s_.pos();
      const std::string_view text = s_.token(",)");
      const std::size_t slash = text.find('/');
      auto v = to_number(text.substr(0, slash));
      std::optional<unsigned long long> m = slash == std::string_view::npos ? std::nullopt : to_number(text.substr(slash + 1));
      if (!v || (slash != std::string_view::npos && !m)) s_.fail("bad number '" + std::string(text) + "'", "VALUE[/MASK]", vat);
      if (name == "vid") {
        const unsigned long long mask = m.value_or(0xfff);
        if (*v > 0xfff || mask > 0xfff) s_.fail("vid is 12 bits", "0..4095", vat);
        l.tci = static_cast<std::uint16_t>(l.tci | (*v & mask));
        l.tci_mask = static_cast<std::uint16_t>(l.tci_mask | mask);
      } else if (name == "pcp") {
        const unsigned long long mask = m.value_or(7);
        if (*v > 7 || mask > 7) s_.fail("pcp is 3 bits", "0..7", vat);
        l.tci = static_cast<std::uint16_t>(l.tci | ((*v & mask) << 13));
        l.tci_mask = static_cast<std::uint16_t>(l.tci_mask | (mask << 13));
      } else if (name == "cfi") {
        if (*v > 1) s_.fail("cfi is 0 or 1", "0 or 1", vat);
        if (!*v) l.tci = static_cast<std::uint16_t>(l.tci & ~OVSXDP_VLAN_PRESENT);
      } else {
        s_.fail("unknown field '" + std::string(name) + "' in vlan(...)", "vid, pcp or cfi", fat);
      }
      if (s_.peek() == ',') s_.expect(',', ",");
    }
  }

  void mpls() {
    unsigned count = 0;
    std::uint32_t lse[OVSXDP_MPLS_LABEL_DEPTH] = {}, mask[OVSXDP_MPLS_LABEL_DEPTH] = {};
    bool have[4] = {};
    for (;;) {
      s_.skip_spaces();
      if (s_.peek() == ')') break;
      const std::size_t fat = s_.pos();
      const std::string_view name = s_.name();
      s_.expect('=', "'=' after " + std::string(name));
      const std::size_t vat = s_.pos();
      const std::string_view text = s_.token(",)");
      struct field {
        const char* name;
        unsigned shift, bits;
      };
      static const field kFields[] = {{"label", 12, 20}, {"tc", 9, 3}, {"bos", 8, 1}, {"ttl", 0, 8}};
      int which = -1;
      for (int i = 0; i < 4; i++)
        if (name == kFields[i].name) which = i;
      if (which < 0) s_.fail("unknown field '" + std::string(name) + "' in mpls(...)", "label, tc, ttl or bos", fat);
      if (count == 0 || have[which]) {
        if (count == OVSXDP_MPLS_LABEL_DEPTH) s_.fail("more than 3 label stack entries", "at most 3 (label=,tc=,ttl=,bos=) groups", fat);
        count++;
        std::fill(std::begin(have), std::end(have), false);
      }
      have[which] = true;
      const std::size_t slash = text.find('/');
      auto v = to_number(text.substr(0, slash));
      const unsigned long long full = (1ULL << kFields[which].bits) - 1;
      std::optional<unsigned long long> m = slash == std::string_view::npos ? std::optional<unsigned long long>(full) : to_number(text.substr(slash + 1));
      if (!v || !m || *v > full || *m > full) s_.fail("bad " + std::string(name) + " '" + std::string(text) + "'", "0.." + std::to_string(full), vat);
      lse[count - 1] |= static_cast<std::uint32_t>(*v << kFields[which].shift);
      mask[count - 1] |= static_cast<std::uint32_t>(*m << kFields[which].shift);
      if (s_.peek() == ',') s_.expect(',', ",");
    }
    for (unsigned i = 0; i < count; i++) {
      out_.key.nw.mpls.lse[i] = hton32(lse[i]);
      out_.mask.nw.mpls.lse[i] = hton32(mask[i]);
    }
    out_.key.mpls_labels = static_cast<std::uint8_t>((1u << count) - 1);
    out_.mask.mpls_labels = out_.key.mpls_labels;
  }

  // nsh(flags=,ttl=,mdtype=,np=,spi=,si=,c1=..c4=), each value[/mask]; OVS
  // prints this form (OVS 3.1 cannot read it back). Returns whether a mask is nonzero.
  bool nsh() {
    auto& k = out_.key.nw.nsh;
    auto& m = out_.mask.nw.nsh;
    std::vector<std::string> given;
    bool masked = false;
    for (;;) {
      s_.skip_spaces();
      if (s_.peek() == ')') return masked;
      const std::size_t fat = s_.pos();
      const std::string name(s_.name());
      if (std::find(given.begin(), given.end(), name) != given.end()) s_.fail(name + " given twice in nsh(...)", "each field once", fat);
      given.push_back(name);
      s_.expect('=', "'=' after " + name);
      const std::size_t vat = s_.pos();
      const std::string_view text = s_.token(",)");
      struct field {
        const char* name;
        unsigned bits;
      };
      static const field kFields[] = {{"flags", 2}, {"ttl", 6}, {"mdtype", 8}, {"np", 8}, {"spi", 24}, {"si", 8},
                                      {"c1", 32},   {"c2", 32}, {"c3", 32},    {"c4", 32}};
      const field* f = nullptr;
      for (const auto& c : kFields)
        if (name == c.name) f = &c;
      if (!f) s_.fail("unknown field '" + name + "' in nsh(...)", "flags, ttl, mdtype, np, spi, si, c1, c2, c3 or c4", fat);
      const unsigned long long full = (1ULL << f->bits) - 1;
      const std::size_t slash = text.find('/');
      const auto v = to_number(text.substr(0, slash));
      const auto mk = slash == std::string_view::npos ? std::optional<unsigned long long>(full) : to_number(text.substr(slash + 1));
      if (!v || !mk || *v > full || *mk > full)
        s_.fail("bad " + name + " '" + std::string(text) + "'", "VALUE[/MASK], each at most " + std::to_string(full), vat);
      masked = masked || *mk != 0;
      const std::uint32_t value = static_cast<std::uint32_t>(*v), mask = static_cast<std::uint32_t>(*mk);
      if (name == "flags") k.flags = static_cast<std::uint8_t>(value), m.flags = static_cast<std::uint8_t>(mask);
      else if (name == "ttl") k.ttl = static_cast<std::uint8_t>(value), m.ttl = static_cast<std::uint8_t>(mask);
      else if (name == "mdtype") k.mdtype = static_cast<std::uint8_t>(value), m.mdtype = static_cast<std::uint8_t>(mask);
      else if (name == "np") k.np = static_cast<std::uint8_t>(value), m.np = static_cast<std::uint8_t>(mask);
      else if (name == "spi") {
        k.path_hdr = hton32((ntoh32(k.path_hdr) & 0xff) | value << 8);
        m.path_hdr = hton32((ntoh32(m.path_hdr) & 0xff) | mask << 8);
      } else if (name == "si") {
        k.path_hdr = hton32((ntoh32(k.path_hdr) & ~0xffu) | value);
        m.path_hdr = hton32((ntoh32(m.path_hdr) & ~0xffu) | mask);
      } else {
        const int i = name[1] - '1';
        k.context[i] = hton32(value);
        m.context[i] = hton32(mask);
      }
      if (s_.peek() == ',') s_.expect(',', ",");
    }
  }

  void packet_type() {
    const std::size_t at = s_.pos();
    const std::string_view text = s_.token(")");
    unsigned ns = 0, id = 0;
    char tail;
    if (std::sscanf(std::string(text).c_str(), "ns=%u,id=%i%c", &ns, reinterpret_cast<int*>(&id), &tail) != 2)
      s_.fail("bad packet_type '" + std::string(text) + "'", "ns=N,id=N", at);
    if (ns == 0 && id == 0) packet_type_ = OVSXDP_MAC_ETHERNET;
    else if (ns == 1 && id <= 0xffff) {
      packet_type_ = OVSXDP_MAC_NONE;
      packet_type_id_ = static_cast<std::uint16_t>(id);
    } else s_.fail("unsupported packet_type", "ns=0,id=0 (Ethernet) or ns=1,id=ETHERTYPE (L3)", at);
  }

  void tunnel() {
    auto& k = out_.key;
    auto& m = out_.mask;
    std::vector<std::string> given;
    for (;;) {
      s_.skip_spaces();
      if (s_.peek() == ')') break;
      const std::size_t fat = s_.pos();
      const std::string_view name = s_.name();
      if (std::find(given.begin(), given.end(), std::string(name)) != given.end()) s_.fail(std::string(name) + " given twice in tunnel(...)", "", fat);
      given.emplace_back(name);
      if (name == "flags") {
        s_.expect('(', "flags(...)");
        flags(kTunnelFlags, 0xffff, [&](unsigned v, unsigned mk) {
          k.tun_flags = static_cast<std::uint16_t>(v);
          m.tun_flags = static_cast<std::uint16_t>(mk);
        });
        s_.expect(')', "')' closing flags(...)");
      } else if (name == "geneve") {
        s_.expect('(', "geneve(...)");
        geneve();
        s_.expect(')', "')' closing geneve(...)");
      } else if (name == "vxlan") {
        s_.expect('(', "vxlan(gbp(id=N,flags=N))");
        const std::size_t at = s_.pos();
        const std::string_view text = s_.token(")");
        unsigned id = 0, fl = 0;
        char tail;
        if (std::sscanf(std::string(text).c_str(), "gbp(id=%i,flags=%i%c", reinterpret_cast<int*>(&id), reinterpret_cast<int*>(&fl), &tail) != 3 || tail != ')' ||
            id > 0xffff || fl > 0xff)
          s_.fail("bad vxlan option", "vxlan(gbp(id=N,flags=N))", at);
        s_.expect(')', "')'");
        const std::uint32_t gbp = hton32((fl << 16) | id);
        std::memcpy(k.tun_opts, &gbp, 4);
        std::memset(m.tun_opts, 0xff, 4);
        k.tun_opts_len = m.tun_opts_len = 4;
        m.tun_opts_len = 0xff;
        k.tun_opts_kind = 2;
        m.tun_opts_kind = 0xff;
      } else {
        s_.expect('=', "'=' after " + std::string(name));
        const std::size_t vat = s_.pos();
        const std::string_view text = s_.token(",)");
        static const field_spec kTunFields[] = {
            {"tun_id", offsetof(ovsxdp_flow_key, tun_id), 8, true, field_format::hex_always},
            {"src", offsetof(ovsxdp_flow_key, tun.ipv4.src), 4, true, field_format::ipv4},
            {"dst", offsetof(ovsxdp_flow_key, tun.ipv4.dst), 4, true, field_format::ipv4},
            {"ipv6_src", offsetof(ovsxdp_flow_key, tun.ipv6.src), 16, true, field_format::ipv6},
            {"ipv6_dst", offsetof(ovsxdp_flow_key, tun.ipv6.dst), 16, true, field_format::ipv6},
            {"tos", offsetof(ovsxdp_flow_key, tun_tos), 1, false, field_format::hex},
            {"ttl", offsetof(ovsxdp_flow_key, tun_ttl), 1, false, field_format::decimal},
            {"tp_src", offsetof(ovsxdp_flow_key, tun_tp_src), 2, true, field_format::decimal},
            {"tp_dst", offsetof(ovsxdp_flow_key, tun_tp_dst), 2, true, field_format::decimal},
        };
        const field_spec* f = nullptr;
        for (const auto& c : kTunFields)
          if (c.name == name) f = &c;
        if (!f) s_.fail("unknown field '" + std::string(name) + "' in tunnel(...)",
                        "tun_id, src, dst, ipv6_src, ipv6_dst, tos, ttl, tp_src, tp_dst, flags(...), geneve(...), vxlan(...)", fat);
        field_value(*f, text, vat);
        if (name == "ipv6_src" || name == "ipv6_dst") tunnel_ipv6_ = true;
      }
      if (s_.peek() == ',') s_.expect(',', ",");
    }
    k.tun_proto = tunnel_ipv6_ ? 6 : 4;
    m.tun_proto = 0xff;
  }

  void geneve() {
    auto& k = out_.key;
    auto& m = out_.mask;
    std::size_t used = 0;
    while (s_.peek() == '{') {
      const std::size_t at = s_.pos();
      s_.expect('{', "{class=,type=,len=,0xDATA}");
      const std::string_view text = s_.token("}");
      s_.expect('}', "'}'");
      unsigned cls = 0, type = 0, len = 0;
      char data[140] = {}, mask[140] = {};
      const std::string t(text);
      const int n = std::sscanf(t.c_str(), "class=%i,type=%i,len=%u,%139[0-9a-fA-Fx]/%139[0-9a-fA-Fx]", reinterpret_cast<int*>(&cls),
                                reinterpret_cast<int*>(&type), &len, data, mask);
      if (n < 3 || cls > 0xffff || type > 0xff || len % 4 || len > 124) s_.fail("bad geneve option", "{class=0xN,type=0xN,len=N,0xDATA[/0xMASK]}", at);
      if (used + 4 + len > OVSXDP_TUN_OPTS_MAX) s_.fail("geneve options exceed " + std::to_string(OVSXDP_TUN_OPTS_MAX) + " bytes", "", at);
      auto put_hex = [&](const char* hex, std::uint8_t* out) {
        std::string h = hex;
        if (h.rfind("0x", 0) == 0) h = h.substr(2);
        if (h.size() > len * 2) s_.fail("geneve option data longer than len", "", at);
        h = std::string(len * 2 - h.size(), '0') + h;
        for (unsigned i = 0; i < len; i++) out[i] = static_cast<std::uint8_t>(std::stoul(h.substr(i * 2, 2), nullptr, 16));
      };
      std::uint8_t* ko = k.tun_opts + used;
      std::uint8_t* mo = m.tun_opts + used;
      ko[0] = static_cast<std::uint8_t>(cls >> 8);
      ko[1] = static_cast<std::uint8_t>(cls);
      ko[2] = static_cast<std::uint8_t>(type);
      ko[3] = static_cast<std::uint8_t>(len / 4);
      std::memset(mo, 0xff, 4);
      if (n >= 4) put_hex(data, ko + 4);
      if (n >= 5) put_hex(mask, mo + 4);
      else std::memset(mo + 4, 0xff, len);
      used += 4 + len;
      if (s_.peek() == ',') s_.expect(',', ",");
    }
    k.tun_opts_len = static_cast<std::uint8_t>(used);
    m.tun_opts_len = 0xff;
    k.tun_opts_kind = 1;
    m.tun_opts_kind = 0xff;
  }

  void finish() {
    auto& k = out_.key;
    auto& m = out_.mask;
    const bool ethernet = eth_ || packet_type_ == OVSXDP_MAC_ETHERNET;
    bool packet_eth_type = false;
    for (std::size_t d = 0; d < levels_.size(); d++) {
      const level_state& l = levels_[d];
      const bool vlan_type = l.eth_type && (l.eth_type_value == 0x8100 || l.eth_type_value == 0x88a8);
      const char* tag = d == 0 ? "VLAN" : "C-VLAN";
      if (l.vlan && d >= 2) s_.fail("more than two VLAN tags", "at most two vlan(...) attributes", l.vlan_at);
      if (l.vlan && !vlan_type) s_.fail("vlan(...) needs eth_type(0x8100) or eth_type(0x88a8) beside it", "", l.vlan_at);
      if (l.encap && !vlan_type) s_.fail("encap(...) belongs after eth_type(0x8100) or eth_type(0x88a8) and vlan(...)", "", l.encap_at);
      // Linux validate_vlan_from_nlattrs, for the two tags a key holds: a VLAN
      // EtherType on an Ethernet frame needs both vlan() and encap(); a tci
      // without the present bit is a truncated tag, and only tci 0 with an
      // empty encap() says so. (A third tag's TPID is just the EtherType.)
      if (!partial_ && ethernet && vlan_type && d < 2) {
        if (!l.vlan || !l.encap)
          s_.fail(std::string("Invalid ") + tag + " frame: eth_type(0x" + (l.eth_type_value == 0x8100 ? "8100" : "88a8") + ") needs vlan(...) and encap(...)",
                  "eth_type(0x8100),vlan(vid=N),encap(eth_type(...),...)", l.eth_type_at);
        if (l.tci && !(l.tci & OVSXDP_VLAN_PRESENT))
          s_.fail(std::string(tag) + " tci without the present bit: only a truncated tag (vid=0,pcp=0,cfi=0) may leave it clear", "", l.vlan_at);
        if (!l.tci && d + 1 < levels_.size() && !levels_[d + 1].encap_empty)
          s_.fail(std::string("a truncated ") + tag + " header (cfi=0) has an empty encap()", "eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap()", l.encap_at);
      }
      if (l.vlan) {
        const bool truncated = !(l.tci & OVSXDP_VLAN_PRESENT) && (d + 1 >= levels_.size() || !levels_[d + 1].eth_type);
        if (truncated) {
          // eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap(): a tag too short to parse.
          k.eth_type = hton16(l.eth_type_value);
          m.eth_type = hton16(l.eth_type_mask);
          (d == 0 ? k.vlan_tci : k.cvlan_tci) = hton16(l.tci);
          (d == 0 ? m.vlan_tci : m.cvlan_tci) = hton16(l.tci_mask);
          packet_eth_type = true;
          break;
        }
        (d == 0 ? k.vlan_tpid : k.cvlan_tpid) = hton16(l.eth_type_value);
        (d == 0 ? m.vlan_tpid : m.cvlan_tpid) = hton16(l.eth_type_mask);
        (d == 0 ? k.vlan_tci : k.cvlan_tci) = hton16(l.tci);
        (d == 0 ? m.vlan_tci : m.cvlan_tci) = hton16(l.tci_mask);
        continue;
      }
      if (l.eth_type) {
        k.eth_type = hton16(l.eth_type_value);
        m.eth_type = hton16(l.eth_type_mask);
        packet_eth_type = true;
      }
      break;
    }
    if (partial_ && packet_type_ < 0 && !eth_) return;  // a filter need not say what kind of packet it is
    if (packet_type_ == OVSXDP_MAC_NONE) {
      k.mac_proto = OVSXDP_MAC_NONE;
      k.eth_type = hton16(packet_type_id_);
      m.eth_type = 0xffff;
    } else if (ethernet) {
      k.mac_proto = OVSXDP_MAC_ETHERNET;
      // Linux reads a missing eth_type as an 802.2 (non-Ethernet-II) frame, matched exactly.
      if (!packet_eth_type && !partial_) {
        k.eth_type = hton16(OVSXDP_ETH_TYPE_802_2);
        m.eth_type = 0xffff;
      } else if (k.eth_type == 0 && m.eth_type == 0xffff) {
        k.eth_type = hton16(OVSXDP_ETH_TYPE_802_2);  // eth_type(0/0xffff), as dumps print 802.2
      }
      // Linux matches the tci exactly where the key gives no tag ("always match
      // on tci"): a flow without vlan() matches untagged packets only, one
      // without an inner vlan() single-tagged packets only.
      if (!partial_) {
        if (!levels_[0].vlan) m.vlan_tci = 0xffff;
        if (levels_.size() < 2 || !levels_[1].vlan) m.cvlan_tci = 0xffff;
      }
    } else if (packet_eth_type) {
      k.mac_proto = OVSXDP_MAC_NONE;  // no eth(): an L3 packet with this ethertype
    } else {
      s_.fail("the key needs eth(...) (an Ethernet frame) or eth_type(...) (an L3 packet)", "", 0);
    }
    m.mac_proto = 0xff;
  }

  scanner& s_;
  const port_resolver& ports_;
  bool partial_;
  parsed_key out_;
  std::vector<level_state> levels_;
  std::vector<std::string> seen_;
  bool eth_ = false, tunnel_ipv6_ = false;
  int packet_type_ = -1;
  std::uint16_t packet_type_id_ = 0;
};

// ---- actions ----

class action_parser {
 public:
  action_parser(scanner& s, const port_resolver& ports) : s_(s), ports_(ports) {}

  action_list run() {
    s_.skip_separators();
    if (s_.done()) s_.fail("no actions", "actions, or drop to drop the packet");
    if (s_.rest().size() == 4 && strncasecmp(s_.rest().data(), "drop", 4) == 0) return {act::drop{}};
    return list(false);
  }

 private:
  action_list list(bool nested) {
    action_list out;
    for (;;) {
      s_.skip_separators();
      if (s_.done() || (nested && s_.peek() == ')')) return out;
      out.push_back(one(nested));
    }
  }

  std::uint64_t number(std::string_view what, std::uint64_t max) {
    const std::size_t at = s_.pos();
    const std::string_view t = s_.token(",)");
    auto v = to_number(t);
    if (!v || *v > max) s_.fail("bad " + std::string(what) + " '" + std::string(t) + "'", "a number 0.." + std::to_string(max), at);
    return *v;
  }

  void expect_field(std::string_view name) {
    if (!s_.accept(name)) s_.fail("expected " + std::string(name), std::string(name) + "N");
  }

  action one(bool nested) {
    const std::size_t at = s_.pos();
    if (std::isdigit(static_cast<unsigned char>(s_.peek()))) return act::output{static_cast<std::uint32_t>(number("output port", 0xfffffffe))};
    const std::string_view n = s_.name();
    const auto unexpected = [&] {
      s_.seek(at);
      s_.fail(std::string("unexpected '") + s_.peek() + "'", "an action: a port number, push_vlan(...), set(...), ...", at);
    };
    if (s_.peek() != '(' && !is_action_word(n)) {
      // A port name where OVS would accept one (dpctl with port names).
      s_.seek(at);
      const std::string_view port = s_.port_name();
      if (ports_ && !port.empty()) {
        if (const auto number = ports_(port)) return act::output{*number};
      }
      if (n.empty()) unexpected();
      if (port != n || !is_action_name(n))
        s_.fail("unknown port '" + std::string(port) + "'",
                ports_ ? "a port number, the name of a port of this datapath, or an action"
                       : "a port number (port names resolve only in a datapath), or an action",
                at);
      s_.seek(at + n.size());
    }
    if (n.empty()) unexpected();
    if (n == "drop") {
      if (nested) return act::drop{};
      s_.skip_separators();
      if (!s_.done()) s_.fail("drop must be the only action", "drop alone", at);
      return act::drop{};
    }
    if (n == "pop_vlan") return act::pop_vlan{};
    if (n == "pop_eth") return act::pop_eth{};
    if (n == "pop_nsh") {  // OVS prints and reads pop_nsh(); the bare word reads too
      if (s_.peek() == '(') {
        s_.expect('(', "pop_nsh()");
        s_.expect(')', "pop_nsh() takes no arguments");
      }
      return act::pop_nsh{};
    }
    if (n == "ct_clear") return act::ct_clear{};
    if (n == "ct" && s_.peek() != '(') return act::ct{};
    s_.expect('(', "'(' after " + std::string(n));
    action a = with_arguments(n, at);
    s_.expect(')', "')' closing " + std::string(n) + "(...)");
    return a;
  }

  static bool is_action_word(std::string_view n) {
    return n == "drop" || n == "pop_vlan" || n == "pop_eth" || n == "ct_clear" || n == "pop_nsh" || n == "ct";
  }
  // Actions that take arguments: without '(' the name is a mistake, not a port.
  static bool is_action_name(std::string_view n) {
    for (std::string_view a : {"output", "push_vlan", "set", "trunc", "recirc", "hash", "dec_ttl", "push_mpls", "add_mpls", "pop_mpls",
                               "push_eth", "userspace", "clone", "meter", "sample", "check_pkt_len", "push_nsh"})
      if (n == a) return true;
    return false;
  }

  // A list nested in the action at column `owner_at`. Refused past Linux's
  // depth while parsing, which also bounds this recursion.
  action_list nested_list(std::size_t owner_at) {
    if (depth_ == kMaxActionNesting)
      s_.fail("action lists nest at most " + std::to_string(kMaxActionNesting) + " deep (as in Linux)", "", owner_at);
    depth_++;
    action_list l = list(true);
    depth_--;
    return l;
  }

  // A nested action list; OVS prints an empty one as "drop".
  action_list nested_actions(std::size_t owner_at) {
    action_list l = nested_list(owner_at);
    if (l.size() == 1 && std::holds_alternative<act::drop>(l.front().base())) l.clear();
    return l;
  }

  action with_arguments(std::string_view n, std::size_t at) {
    if (n == "output") return act::output{static_cast<std::uint32_t>(number("output port", 0xfffffffe))};
    if (n == "push_vlan") return push_vlan();
    if (n == "set") return set();
    if (n == "trunc") {
      act::trunc t{static_cast<std::uint32_t>(number("trunc length", 0xffffffff))};
      return t;
    }
    if (n == "recirc") return act::recirc{static_cast<std::uint32_t>(number("recirc id", 0xffffffff))};
    if (n == "hash") {
      act::hash h;
      if (s_.accept("l4(")) h.alg = OVSXDP_HASH_L4;
      else if (s_.accept("sym_l4(")) h.alg = OVSXDP_HASH_SYM_L4;
      else s_.fail("unknown hash algorithm", "hash(l4(BASIS)) or hash(sym_l4(BASIS))");
      h.basis = static_cast<std::uint32_t>(number("hash basis", 0xffffffff));
      s_.expect(')', "')'");
      return h;
    }
    if (n == "dec_ttl") {
      if (!s_.accept("le_1(")) s_.fail("expected le_1(...)", "dec_ttl(le_1(ACTIONS))");
      act::dec_ttl d;
      s_.skip_spaces();
      if (s_.rest().rfind("drop)", 0) == 0) s_.accept("drop");
      else d.le_1 = nested_list(at);
      s_.expect(')', "')' closing le_1(...)");
      return d;
    }
    if (n == "push_mpls" || n == "add_mpls") return mpls_push(n == "add_mpls");
    if (n == "pop_mpls") {
      expect_field("eth_type=");
      return act::pop_mpls{static_cast<std::uint16_t>(number("eth_type", 0xffff))};
    }
    if (n == "push_eth") {
      act::push_eth e;
      for (int i = 0; i < 2; i++) {
        const std::size_t fat = s_.pos();
        const std::string_view f = s_.name();
        s_.expect('=', "src=MAC,dst=MAC");
        const std::string_view v = s_.token(",)");
        std::uint8_t* out = f == "src" ? e.src.data() : f == "dst" ? e.dst.data() : nullptr;
        if (!out || !parse_mac(v, out)) s_.fail("bad push_eth field", "push_eth(src=MAC,dst=MAC)", fat);
        if (s_.peek() == ',') s_.expect(',', ",");
      }
      return e;
    }
    if (n == "userspace") return userspace();
    if (n == "push_nsh") return push_nsh();
    if (n == "clone") return act::clone{nested_actions(at)};
    if (n == "meter") return act::meter{static_cast<std::uint32_t>(number("meter id", 0xffffffff))};
    if (n == "sample") {
      expect_field("sample=");
      const std::size_t pat = s_.pos();
      const std::string t(s_.token("%"));
      char* end = nullptr;
      const double percent = std::strtod(t.c_str(), &end);
      if (t.empty() || end != t.c_str() + t.size() || !(percent >= 0.0 && percent <= 100.0))
        s_.fail("bad sample percentage '" + t + "'", "sample(sample=P%,actions(...)) with 0 <= P <= 100", pat);
      s_.expect('%', "'%' after the percentage");
      s_.expect(',', "',actions(...)'");
      expect_field("actions(");
      // As OVS: probability = P / 100 * UINT32_MAX, truncated.
      act::sample smp{static_cast<std::uint32_t>(percent / 100.0 * 4294967295.0), nested_actions(at)};
      s_.expect(')', "')' closing actions(...)");
      return smp;
    }
    if (n == "check_pkt_len") {
      expect_field("size=");
      act::check_pkt_len c;
      c.max_len = static_cast<std::uint16_t>(number("check_pkt_len size", 0xffff));
      s_.expect(',', "',gt(...)'");
      expect_field("gt(");
      c.gt = nested_actions(at);
      s_.expect(')', "')' closing gt(...)");
      s_.expect(',', "',le(...)'");
      expect_field("le(");
      c.le = nested_actions(at);
      s_.expect(')', "')' closing le(...)");
      return c;
    }
    if (n == "ct") return conntrack();
    if (n == "tnl_push" || n == "tnl_pop" || n == "lb_output" || n == "psample")
      s_.fail("action '" + std::string(n) + "' is not supported by this datapath yet", "", at);
    s_.fail("unknown action '" + std::string(n) + "'",
            "a port number, drop, push_vlan, pop_vlan, set, dec_ttl, trunc, hash, push_mpls, pop_mpls, add_mpls, push_eth, "
            "pop_eth, push_nsh, pop_nsh, recirc, userspace, ct, ct_clear, clone, sample, check_pkt_len or meter",
            at);
  }

  action push_vlan() {
    act::push_vlan v;
    v.tci = OVSXDP_VLAN_PRESENT;
    bool vid = false, pcp = false;
    for (;;) {
      s_.skip_spaces();
      if (s_.peek() == ')') break;
      const std::size_t fat = s_.pos();
      const std::string_view f = s_.name();
      s_.expect('=', "'=' after " + std::string(f));
      if (f == "tpid") {
        v.tpid = static_cast<std::uint16_t>(number("tpid", 0xffff));
      } else if (f == "vid") {
        v.tci = static_cast<std::uint16_t>(v.tci | number("vid", 0xfff));
        vid = true;
      } else if (f == "pcp") {
        v.tci = static_cast<std::uint16_t>(v.tci | (number("pcp", 7) << 13));
        pcp = true;
      } else if (f == "cfi") {
        if (!number("cfi", 1)) v.tci = static_cast<std::uint16_t>(v.tci & ~OVSXDP_VLAN_PRESENT);
      } else {
        s_.fail("unknown field '" + std::string(f) + "' in push_vlan(...)", "tpid, vid, pcp or cfi", fat);
      }
      if (s_.peek() == ',') s_.expect(',', ",");
    }
    if (!vid || !pcp) s_.fail("push_vlan needs vid and pcp", "push_vlan([tpid=0x88a8,]vid=N,pcp=N)");
    return v;
  }

  action mpls_push(bool add) {
    std::uint32_t lse = 0;
    std::uint16_t type = 0;
    bool tunnel = false;
    for (;;) {
      s_.skip_spaces();
      if (s_.peek() == ')') break;
      const std::size_t fat = s_.pos();
      const std::string_view f = s_.name();
      if (f == "tunnel" && add) {
        tunnel = true;
      } else {
        s_.expect('=', "'=' after " + std::string(f));
        if (f == "label") lse |= static_cast<std::uint32_t>(number("label", 0xfffff) << 12);
        else if (f == "tc") lse |= static_cast<std::uint32_t>(number("tc", 7) << 9);
        else if (f == "ttl") lse |= static_cast<std::uint32_t>(number("ttl", 255));
        else if (f == "bos") lse |= static_cast<std::uint32_t>(number("bos", 1) << 8);
        else if (f == "eth_type") type = static_cast<std::uint16_t>(number("eth_type", 0xffff));
        else s_.fail("unknown field '" + std::string(f) + "'", "label, tc, ttl, bos, eth_type", fat);
      }
      if (s_.peek() == ',') s_.expect(',', ",");
    }
    if (!type) s_.fail("eth_type is required", add ? "add_mpls(label=N,tc=N,ttl=N,bos=N,eth_type=0x8847)" : "push_mpls(label=N,tc=N,ttl=N,bos=N,eth_type=0x8847)");
    if (add) return act::add_mpls{lse, type, tunnel};
    return act::push_mpls{lse, type};
  }

  // push_nsh(flags=,ttl=,mdtype=,np=,spi=0x,si=,c1=0x..c4=0x | md2=0x), in
  // any order, as OVS reads it (parse_odp_push_nsh_action): defaults
  // flags=0,ttl=63,mdtype=1,np=3,spi=0x0,si=255; spi and the contexts are
  // hex with 0x; c1..c4 belong to mdtype 1 and md2 to mdtype 2, which must
  // come first. md2 is padded with zeros to a multiple of 4 bytes.
  action push_nsh() {
    act::push_nsh p;
    std::uint32_t context[4] = {};
    std::vector<std::uint8_t> md2;
    auto hex_number = [&](std::string_view field, std::uint64_t max) -> std::uint32_t {
      const std::size_t vat = s_.pos();
      const std::string_view t = s_.token(", \t\r\n)");
      const bool hex = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') &&
                       std::all_of(t.begin() + 2, t.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
      const auto v = hex ? to_number(t) : std::nullopt;
      if (!v || *v > max)
        s_.fail("bad " + std::string(field) + " '" + std::string(t) + "'", "0x followed by hex digits, at most " + printf_hex(max) + " (OVS reads " + std::string(field) + " in hex only)", vat);
      return static_cast<std::uint32_t>(*v);
    };
    for (;;) {
      s_.skip_separators();
      if (s_.peek() == ')') break;
      const std::size_t fat = s_.pos();
      const std::string_view f = s_.name();
      s_.expect('=', "'=' after " + std::string(f));
      if (f == "flags") p.flags = static_cast<std::uint8_t>(number("flags", 0xff));
      else if (f == "ttl") p.ttl = static_cast<std::uint8_t>(number("ttl", 0xff));
      else if (f == "np") p.np = static_cast<std::uint8_t>(number("np", 0xff));
      else if (f == "si") p.si = static_cast<std::uint8_t>(number("si", 0xff));
      else if (f == "spi") p.spi = hex_number("spi", 0xffffff);
      else if (f == "mdtype") {
        const std::size_t vat = s_.pos();
        p.mdtype = static_cast<std::uint8_t>(number("mdtype", 0xff));
        if (p.mdtype != 1 && p.mdtype != 2) s_.fail("mdtype must be 1 or 2", "mdtype=1 (c1..c4) or mdtype=2 (md2=0x...)", vat);
        md2.clear();
      } else if (f.size() == 2 && f[0] == 'c' && f[1] >= '1' && f[1] <= '4') {
        if (p.mdtype != 1) s_.fail(std::string(f) + " is MD type 1 context", "c1..c4 with mdtype=1, md2=0x... with mdtype=2", fat);
        context[f[1] - '1'] = hex_number(f, 0xffffffff);
      } else if (f == "md2") {
        if (p.mdtype != 2) s_.fail("md2 needs mdtype=2 before it", "push_nsh(mdtype=2,md2=0xHEX)", fat);
        const std::size_t vat = s_.pos();
        const std::string_view t = s_.token(", \t\r\n)");
        std::string digits = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') ? std::string(t.substr(2)) : std::string();
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
          s_.fail("bad md2 '" + std::string(t) + "'", "md2=0x followed by hex digits", vat);
        // OVS prints the first byte without its leading zero ("0xa0b" for 0a 0b).
        if (digits.size() % 2) digits.insert(digits.begin(), '0');
        md2.clear();
        for (std::size_t i = 0; i < digits.size(); i += 2) md2.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
        while (md2.size() % 4) md2.push_back(0);
        const std::size_t max = OVSXDP_NSH_HEADER_MAX - 8;
        if (md2.size() > max) s_.fail("md2 of " + std::to_string(md2.size()) + " bytes: NSH holds at most " + std::to_string(max), "", vat);
      } else {
        s_.fail("unknown field '" + std::string(f) + "' in push_nsh(...)", "flags, ttl, mdtype, np, spi, si, c1..c4 or md2", fat);
      }
    }
    if (p.mdtype == 1) {
      p.metadata.resize(16);
      for (int i = 0; i < 4; i++) {
        const std::uint32_t be = htonl(context[i]);
        std::memcpy(&p.metadata[static_cast<std::size_t>(i) * 4], &be, 4);
      }
    } else {
      p.metadata = std::move(md2);  // empty without md2=: refused at install, as Linux does
    }
    return p;
  }

  static std::string printf_hex(std::uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
    return b;
  }

  // ct(commit|force_commit,zone=N,mark=V[/M],label=V[/M],helper=NAME,timeout=NAME,nat[(...)])
  // with OVS's rules (odp-util.c parse_conntrack_action): mark and label are
  // hex, a missing mask is all ones, and a zero mask means "not set".
  action conntrack() {
    act::ct c;
    const auto hex_u32 = [&](std::string_view what, std::string_view t, std::size_t at) {
      std::string_view d = t;
      if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) d.remove_prefix(2);
      if (d.empty() || d.size() > 8 || !std::all_of(d.begin(), d.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); }))
        s_.fail("bad " + std::string(what) + " '" + std::string(t) + "'", "a 32-bit hex value, such as 0x1 or 1f", at);
      return static_cast<std::uint32_t>(std::stoul(std::string(d), nullptr, 16));
    };
    while (s_.peek() != ')') {
      const std::size_t fat = s_.pos();
      const std::string_view f = s_.name();
      if (f == "commit") {
        c.commit = true;
      } else if (f == "force_commit") {
        c.force_commit = true;
      } else if (f == "zone") {
        s_.expect('=', "zone=N");
        c.zone = static_cast<std::uint16_t>(number("zone", 0xffff));
      } else if (f == "mark") {
        s_.expect('=', "mark=VALUE[/MASK]");
        const std::size_t vat = s_.pos();
        const std::string_view t = s_.token(",)");
        const std::size_t slash = t.find('/');
        const std::uint32_t value = hex_u32("mark", t.substr(0, slash), vat);
        const std::uint32_t mask = slash == std::string_view::npos ? 0xffffffffu : hex_u32("mark mask", t.substr(slash + 1), vat + slash + 1);
        if (mask) c.mark = std::pair{value, mask};
        else c.mark.reset();
      } else if (f == "label") {
        s_.expect('=', "label=VALUE[/MASK]");
        const std::size_t vat = s_.pos();
        const std::string_view t = s_.token(",)");
        const std::size_t slash = t.find('/');
        act::ct_labels l;
        std::array<std::uint8_t, 16> value{}, mask{};
        key_parser::u128_text(s_, t.substr(0, slash), value.data(), "label", vat);
        if (slash == std::string_view::npos) mask.fill(0xff);
        else key_parser::u128_text(s_, t.substr(slash + 1), mask.data(), "label mask", vat + slash + 1);
        l.value = value;
        l.mask = mask;
        if (mask != std::array<std::uint8_t, 16>{}) c.label = l;
        else c.label.reset();
      } else if (f == "helper" || f == "timeout") {
        s_.expect('=', std::string(f) + "=NAME");
        const std::size_t vat = s_.pos();
        const std::string_view t = s_.token(",)");
        const std::size_t limit = f == "helper" ? 15 : 31;
        if (t.empty() || t.size() > limit)
          s_.fail("bad " + std::string(f) + " '" + std::string(t) + "'", "a name of 1.." + std::to_string(limit) + " characters", vat);
        (f == "helper" ? c.helper : c.timeout) = std::string(t);
      } else if (f == "nat") {
        c.nat = nat();
      } else {
        s_.fail("unknown ct field '" + std::string(f) + "'", "commit, force_commit, zone=N, mark=V/M, label=V/M, helper=NAME, timeout=NAME or nat(...)", fat);
      }
      if (s_.peek() == ',') s_.expect(',', ",");
      else if (s_.peek() != ')') s_.fail(s_.done() ? "unexpected end of text" : std::string("unexpected '") + s_.peek() + "'", "',' or ')' in ct(...)");
    }
    if (c.commit && c.force_commit) s_.fail("ct: commit and force_commit exclude each other", "one of them");
    return c;
  }

  // nat, nat(src[=ADDR[-ADDR][:PORT[-PORT]]],persistent,hash,random), dst likewise.
  act::ct_nat nat() {
    act::ct_nat n;
    if (s_.peek() != '(') return n;
    s_.expect('(', "nat(...)");
    while (s_.peek() != ')') {
      const std::size_t fat = s_.pos();
      const std::string_view f = s_.name();
      if (f == "src" || f == "dst") {
        if (n.type != act::ct_nat::kind::none) s_.fail("nat: only one of src and dst", "src or dst", fat);
        n.type = f == "src" ? act::ct_nat::kind::src : act::ct_nat::kind::dst;
        if (s_.peek() == '=') {
          s_.expect('=', "=ADDRESS");
          nat_range(n);
        }
      } else if (f == "persistent") {
        n.persistent = true;
      } else if (f == "hash") {
        n.hash = true;
      } else if (f == "random") {
        n.random = true;
      } else {
        s_.fail("unknown nat field '" + std::string(f) + "'", "src[=ADDR[-ADDR][:PORT[-PORT]]], dst[=...], persistent, hash or random", fat);
      }
      if (s_.peek() == ',') s_.expect(',', ",");
      else if (s_.peek() != ')') s_.fail(s_.done() ? "unexpected end of text" : std::string("unexpected '") + s_.peek() + "'", "',' or ')' in nat(...)");
    }
    s_.expect(')', "')' closing nat(...)");
    if (n.type == act::ct_nat::kind::none && (!n.min_addr.empty() || n.persistent || n.hash || n.random))
      s_.fail("nat: options are allowed only with src or dst", "nat(src...) or nat(dst...)");
    if (n.hash && n.random) s_.fail("nat: hash and random exclude each other", "one of them");
    return n;
  }

  // ADDR[-ADDR][:PORT[-PORT]]; IPv6 addresses in brackets when a port follows.
  void nat_range(act::ct_nat& n) {
    const auto address = [&](std::vector<std::uint8_t>& out) {
      const std::size_t at = s_.pos();
      std::string_view t;
      const bool bracket = s_.peek() == '[';
      if (bracket) {
        s_.expect('[', "[IPv6]");
        t = s_.token("]");
        s_.expect(']', "']' closing an IPv6 address");
      } else {
        // An IPv4 address ends at '-', ':' or the list's end; an unbracketed IPv6 one only at '-' or the end.
        const std::size_t start = s_.pos();
        std::string_view rest = s_.rest();
        std::size_t len = rest.find_first_of(",)");
        if (len == std::string_view::npos) len = rest.size();
        std::string_view word = rest.substr(0, len);
        const bool v6 = word.find(':') != std::string_view::npos && word.find('.') == std::string_view::npos
                            ? true
                            : std::count(word.begin(), word.end(), ':') > 1;
        std::size_t end = v6 ? word.find('-') : word.find_first_of("-:");
        if (end == std::string_view::npos) end = word.size();
        t = word.substr(0, end);
        s_.seek(start + end);
      }
      std::uint8_t bytes[16];
      if (parse_ip(AF_INET, t, bytes)) out.assign(bytes, bytes + 4);
      else if (parse_ip(AF_INET6, t, bytes)) out.assign(bytes, bytes + 16);
      else s_.fail("bad nat address '" + std::string(t) + "'", "an IPv4 or IPv6 address", at);
    };
    address(n.min_addr);
    if (s_.peek() == '-') {
      s_.expect('-', "-ADDRESS");
      address(n.max_addr);
      if (n.max_addr.size() != n.min_addr.size()) s_.fail("nat: the range's addresses are of different families", "two IPv4 or two IPv6 addresses");
      if (n.max_addr < n.min_addr) s_.fail("nat: the range's last address is below its first", "ADDR-ADDR in order");
    }
    if (s_.peek() == ':') {
      s_.expect(':', ":PORT");
      const std::size_t at = s_.pos();
      const std::string_view t = s_.token("-,)");
      auto v = to_number(t);
      if (!v || *v > 0xffff) s_.fail("bad nat port '" + std::string(t) + "'", "a port 0..65535", at);
      n.min_port = static_cast<std::uint16_t>(*v);
      if (s_.peek() == '-') {
        s_.expect('-', "-PORT");
        const std::size_t mat = s_.pos();
        const std::string_view m = s_.token(",)");
        auto w = to_number(m);
        if (!w || *w > 0xffff || *w < *v) s_.fail("bad nat port range end '" + std::string(m) + "'", "a port from " + std::to_string(*v) + " to 65535", mat);
        n.max_port = static_cast<std::uint16_t>(*w);
      }
    }
  }

  action userspace() {
    act::userspace u;
    expect_field("pid=");
    u.pid = static_cast<std::uint32_t>(number("pid", 0xffffffff));
    while (s_.peek() == ',') {
      s_.expect(',', ",");
      const std::size_t fat = s_.pos();
      const std::string_view f = s_.name();
      if (f == "userdata") {
        s_.expect('(', "userdata(HEX)");
        const std::size_t vat = s_.pos();
        const std::string_view hex = s_.token(")");
        if (hex.size() % 2 || !std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
          s_.fail("bad userdata '" + std::string(hex) + "'", "an even number of hex digits", vat);
        for (std::size_t i = 0; i < hex.size(); i += 2) u.userdata.push_back(static_cast<std::uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
        s_.expect(')', "')'");
      } else if (f == "actions") {
        u.attach_actions = true;
      } else if (f == "tunnel_out_port") {
        s_.expect('=', "tunnel_out_port=N");
        u.tunnel_out_port = static_cast<std::uint32_t>(number("tunnel_out_port", 0xffffffff));
      } else {
        s_.fail("unknown userspace field '" + std::string(f) + "'", "userdata(HEX), actions or tunnel_out_port=N", fat);
      }
    }
    return u;
  }

  action set() {
    const std::size_t at = s_.pos();
    const std::string_view n = s_.name();
    s_.expect('(', "'(' after " + std::string(n));
    scanner& outer = s_;
    key_parser kp(outer, {});
    if (n == "skb_mark" || n == "skb_priority") {
      kp.single_attribute(n, at);
      s_.expect(')', "')'");
      const auto& k = kp.key();
      const auto& m = kp.mask();
      if (n == "skb_mark") return act::set_skb_mark{k.skb_mark, m.skb_mark};
      return act::set_priority{k.priority, m.priority};
    }
    if (n != "eth" && n != "ipv4" && n != "ipv6" && n != "tcp" && n != "udp" && n != "sctp" && n != "mpls" && n != "arp" && n != "nd" &&
        n != "icmp" && n != "icmpv6") {
      if (n == "tunnel") s_.fail("set(tunnel(...)) is not supported by this datapath yet", "", at);
      if (n == "nd_ext") s_.fail("set(nd_ext(...)) is not supported by this datapath (set(nd(...)) is)", "", at);
      if (n == "nsh") s_.fail("set(nsh(...)) is not supported: Linux removed it (it never worked); OVS 3.1 cannot parse it either", "", at);
      s_.fail("cannot set " + std::string(n) + "(...)", "eth, ipv4, ipv6, tcp, udp, sctp, mpls, arp, nd, icmp, icmpv6, skb_mark or skb_priority", at);
    }
    if (n == "arp") kp.attribute_fields(set_arp_attribute());  // with the 16-bit opcode
    else kp.single_attribute(n, at);
    s_.expect(')', "')' closing " + std::string(n) + "(...)");
    const auto& k = kp.key();
    const auto& m = kp.mask();
    if (n == "eth") {
      act::set_ethernet e;
      std::memcpy(e.value.src, k.eth_src, 6);
      std::memcpy(e.value.dst, k.eth_dst, 6);
      std::memcpy(e.mask.src, m.eth_src, 6);
      std::memcpy(e.mask.dst, m.eth_dst, 6);
      return e;
    }
    if (n == "ipv4") {
      // proto and frag appear in OVS's full (unmasked) form; they are not
      // writable, and install checks them against the flow.
      act::set_ipv4 a;
      a.value = {k.nw.ipv4.src, k.nw.ipv4.dst, k.ip_tos, k.ip_ttl, k.ip_proto, k.ip_frag};
      a.mask = {m.nw.ipv4.src, m.nw.ipv4.dst, m.ip_tos, m.ip_ttl, m.ip_proto, m.ip_frag};
      return a;
    }
    if (n == "ipv6") {
      act::set_ipv6 a;
      std::memcpy(a.value.src, k.nw.ipv6.src, 16);
      std::memcpy(a.value.dst, k.nw.ipv6.dst, 16);
      std::memcpy(a.mask.src, m.nw.ipv6.src, 16);
      std::memcpy(a.mask.dst, m.nw.ipv6.dst, 16);
      a.value.label = k.ipv6_label;
      a.mask.label = m.ipv6_label;
      a.value.tclass = k.ip_tos;
      a.mask.tclass = m.ip_tos;
      a.value.hlimit = k.ip_ttl;
      a.mask.hlimit = m.ip_ttl;
      a.value.proto = k.ip_proto;
      a.mask.proto = m.ip_proto;
      a.value.frag = k.ip_frag;
      a.mask.frag = m.ip_frag;
      return a;
    }
    if (n == "arp") {
      act::set_arp a;
      a.value = {k.nw.ipv4.src, k.nw.ipv4.dst, {}, {}, k.tp_src, 0};
      a.mask = {m.nw.ipv4.src, m.nw.ipv4.dst, {}, {}, m.tp_src, 0};
      std::memcpy(a.value.sha, k.nw_ext.arp.sha, 6);
      std::memcpy(a.value.tha, k.nw_ext.arp.tha, 6);
      std::memcpy(a.mask.sha, m.nw_ext.arp.sha, 6);
      std::memcpy(a.mask.tha, m.nw_ext.arp.tha, 6);
      return a;
    }
    if (n == "nd") {
      act::set_nd d;
      std::memcpy(d.value.target, k.nw_ext.nd.target, 16);
      std::memcpy(d.value.sll, k.nw_ext.nd.sll, 6);
      std::memcpy(d.value.tll, k.nw_ext.nd.tll, 6);
      std::memcpy(d.mask.target, m.nw_ext.nd.target, 16);
      std::memcpy(d.mask.sll, m.nw_ext.nd.sll, 6);
      std::memcpy(d.mask.tll, m.nw_ext.nd.tll, 6);
      return d;
    }
    if (n == "icmp" || n == "icmpv6") {
      // type and code sit in the low bytes of tp_src and tp_dst.
      act::set_icmp i;
      i.target = n == "icmp" ? OVSXDP_SET_ICMP : OVSXDP_SET_ICMPV6;
      i.value = {static_cast<std::uint8_t>(ntoh16(k.tp_src)), static_cast<std::uint8_t>(ntoh16(k.tp_dst)), 0};
      i.mask = {static_cast<std::uint8_t>(ntoh16(m.tp_src)), static_cast<std::uint8_t>(ntoh16(m.tp_dst)), 0};
      return i;
    }
    if (n == "mpls") {
      // mpls() with no field is the all-zero mask, as for the other headers.
      if (__builtin_popcount(k.mpls_labels) > 1) s_.fail("set(mpls(...)) takes one label stack entry", "", at);
      return act::set_mpls{{k.nw.mpls.lse[0]}, {m.nw.mpls.lse[0]}};
    }
    act::set_transport t;
    t.target = n == "tcp" ? OVSXDP_SET_TCP : n == "udp" ? OVSXDP_SET_UDP : OVSXDP_SET_SCTP;
    t.value = {k.tp_src, k.tp_dst};
    t.mask = {m.tp_src, m.tp_dst};
    return t;
  }

  scanner& s_;
  const port_resolver& ports_;
  int depth_ = 0;  // nested lists open around the current action
};

std::string hex(const std::vector<std::uint8_t>& b) {
  std::string s;
  char buf[3];
  for (auto c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    s += buf;
  }
  return s;
}

std::string mac_text(const std::array<std::uint8_t, 6>& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

// OVS prints MD type 2 metadata with ds_put_hex: 0x, the first byte without
// its leading zero, then two digits a byte. Leading zero bytes it leaves
// out, which loses them; here they are written, so the text reads back.
std::string md2_text(const std::vector<std::uint8_t>& md) {
  std::string s = "0x";
  char b[4];
  for (std::size_t i = 0; i < md.size(); i++) {
    std::snprintf(b, sizeof b, i == 0 && md[0] ? "%x" : "%02x", md[i]);
    s += b;
  }
  return s;
}

std::string format_list(const action_list& actions);
std::string nested(const action_list& actions) { return actions.empty() ? std::string("drop") : format_list(actions); }

std::string format_one(const action& a) {
  char buf[160];
  return std::visit(
      overloaded{
          [&](const act::output& x) { return std::to_string(x.port); },
          [&](const act::drop&) { return std::string("drop"); },
          [&](const act::push_vlan& x) {
            std::string s = "push_vlan(";
            if (x.tpid != 0x8100) {
              std::snprintf(buf, sizeof buf, "tpid=0x%04x,", x.tpid);
              s += buf;
            }
            std::snprintf(buf, sizeof buf, "vid=%u,pcp=%u", x.tci & 0xfffu, x.tci >> 13);
            s += buf;
            if (!(x.tci & OVSXDP_VLAN_PRESENT)) s += ",cfi=0";
            return s + ")";
          },
          [&](const act::pop_vlan&) { return std::string("pop_vlan"); },
          [&](const act::set_ethernet& x) {
            ovsxdp_flow_key k{}, m{};
            std::memcpy(k.eth_src, x.value.src, 6);
            std::memcpy(k.eth_dst, x.value.dst, 6);
            std::memcpy(m.eth_src, x.mask.src, 6);
            std::memcpy(m.eth_dst, x.mask.dst, 6);
            return "set(" + format_attribute(eth_attribute(), k, m) + ")";
          },
          [&](const act::set_ipv4& x) {
            ovsxdp_flow_key k{}, m{};
            k.nw.ipv4.src = x.value.src;
            k.nw.ipv4.dst = x.value.dst;
            k.ip_tos = x.value.tos;
            k.ip_ttl = x.value.ttl;
            m.nw.ipv4.src = x.mask.src;
            m.nw.ipv4.dst = x.mask.dst;
            m.ip_tos = x.mask.tos;
            m.ip_ttl = x.mask.ttl;
            k.ip_proto = x.value.proto;
            m.ip_proto = x.mask.proto;
            k.ip_frag = x.value.frag;
            m.ip_frag = x.mask.frag;
            return "set(" + format_attribute(ipv4_attribute(), k, m) + ")";
          },
          [&](const act::set_ipv6& x) {
            ovsxdp_flow_key k{}, m{};
            std::memcpy(k.nw.ipv6.src, x.value.src, 16);
            std::memcpy(k.nw.ipv6.dst, x.value.dst, 16);
            std::memcpy(m.nw.ipv6.src, x.mask.src, 16);
            std::memcpy(m.nw.ipv6.dst, x.mask.dst, 16);
            k.ipv6_label = x.value.label;
            m.ipv6_label = x.mask.label;
            k.ip_tos = x.value.tclass;
            m.ip_tos = x.mask.tclass;
            k.ip_ttl = x.value.hlimit;
            m.ip_ttl = x.mask.hlimit;
            k.ip_proto = x.value.proto;
            m.ip_proto = x.mask.proto;
            k.ip_frag = x.value.frag;
            m.ip_frag = x.mask.frag;
            return "set(" + format_attribute(ipv6_attribute(), k, m) + ")";
          },
          [&](const act::set_transport& x) {
            ovsxdp_flow_key k{}, m{};
            k.tp_src = x.value.src;
            k.tp_dst = x.value.dst;
            m.tp_src = x.mask.src;
            m.tp_dst = x.mask.dst;
            const attribute_spec& spec = x.target == OVSXDP_SET_TCP ? tcp_attribute() : x.target == OVSXDP_SET_UDP ? udp_attribute() : sctp_attribute();
            return "set(" + format_attribute(spec, k, m) + ")";
          },
          [&](const act::set_mpls& x) {
            ovsxdp_flow_key k{}, m{};
            k.nw.mpls.lse[0] = x.value.lse;
            m.nw.mpls.lse[0] = x.mask.lse;
            return "set(" + format_mpls(k, &m, 1) + ")";
          },
          [&](const act::set_skb_mark& x) {
            ovsxdp_flow_key k{}, m{};
            k.skb_mark = x.value;
            m.skb_mark = x.mask;
            return "set(" + format_single(skb_mark_field(), k, m) + ")";
          },
          [&](const act::set_priority& x) {
            ovsxdp_flow_key k{}, m{};
            k.priority = x.value;
            m.priority = x.mask;
            return "set(" + format_single(skb_priority_field(), k, m) + ")";
          },
          [&](const act::dec_ttl& x) { return "dec_ttl(le_1(" + (x.le_1.empty() ? std::string("drop") : format_list(x.le_1)) + "))"; },
          [&](const act::trunc& x) { return "trunc(" + std::to_string(x.max_len) + ")"; },
          [&](const act::hash& x) {
            return std::string(x.alg == OVSXDP_HASH_SYM_L4 ? "hash(sym_l4(" : "hash(l4(") + std::to_string(x.basis) + "))";
          },
          [&](const act::push_mpls& x) {
            std::snprintf(buf, sizeof buf, "push_mpls(label=%u,tc=%u,ttl=%u,bos=%u,eth_type=0x%x)", x.lse >> 12, (x.lse >> 9) & 7, x.lse & 0xff,
                          (x.lse >> 8) & 1, x.ethertype);
            return std::string(buf);
          },
          [&](const act::pop_mpls& x) {
            std::snprintf(buf, sizeof buf, "pop_mpls(eth_type=0x%x)", x.ethertype);
            return std::string(buf);
          },
          [&](const act::add_mpls& x) {
            std::snprintf(buf, sizeof buf, "add_mpls(label=%u,tc=%u,ttl=%u,bos=%u,eth_type=0x%x%s)", x.lse >> 12, (x.lse >> 9) & 7, x.lse & 0xff,
                          (x.lse >> 8) & 1, x.ethertype, x.l3_tunnel ? ",tunnel" : "");
            return std::string(buf);
          },
          [&](const act::push_eth& x) { return "push_eth(src=" + mac_text(x.src) + ",dst=" + mac_text(x.dst) + ")"; },
          [&](const act::pop_eth&) { return std::string("pop_eth"); },
          [&](const act::recirc& x) {
            if (!x.id) return std::string("recirc(0)");
            std::snprintf(buf, sizeof buf, "recirc(%#x)", x.id);
            return std::string(buf);
          },
          [&](const act::userspace& x) {
            std::string s = "userspace(pid=" + std::to_string(x.pid);
            if (!x.userdata.empty()) s += ",userdata(" + hex(x.userdata) + ")";
            if (x.attach_actions) s += ",actions";
            if (x.tunnel_out_port) s += ",tunnel_out_port=" + std::to_string(*x.tunnel_out_port);
            return s + ")";
          },
          [&](const act::ct_clear&) { return std::string("ct_clear"); },
          [&](const act::ct& x) { return format_conntrack(x); },
          [&](const act::clone& x) { return "clone(" + nested(x.actions) + ")"; },
          [&](const act::sample& x) {
            std::snprintf(buf, sizeof buf, "sample(sample=%.1f%%,actions(", 100.0 * x.probability / 4294967295.0);
            return std::string(buf) + nested(x.actions) + "))";
          },
          [&](const act::check_pkt_len& x) {
            return "check_pkt_len(size=" + std::to_string(x.max_len) + ",gt(" + nested(x.gt) + "),le(" + nested(x.le) + "))";
          },
          [&](const act::meter& x) { return "meter(" + std::to_string(x.id) + ")"; },
          [&](const act::set_arp& x) {
            ovsxdp_flow_key k{}, m{};
            k.nw.ipv4.src = x.value.sip;
            k.nw.ipv4.dst = x.value.tip;
            k.tp_src = x.value.op;
            std::memcpy(k.nw_ext.arp.sha, x.value.sha, 6);
            std::memcpy(k.nw_ext.arp.tha, x.value.tha, 6);
            m.nw.ipv4.src = x.mask.sip;
            m.nw.ipv4.dst = x.mask.tip;
            m.tp_src = x.mask.op;
            std::memcpy(m.nw_ext.arp.sha, x.mask.sha, 6);
            std::memcpy(m.nw_ext.arp.tha, x.mask.tha, 6);
            return "set(" + format_attribute(set_arp_attribute(), k, m) + ")";
          },
          [&](const act::set_nd& x) {
            ovsxdp_flow_key k{}, m{};
            std::memcpy(k.nw_ext.nd.target, x.value.target, 16);
            std::memcpy(k.nw_ext.nd.sll, x.value.sll, 6);
            std::memcpy(k.nw_ext.nd.tll, x.value.tll, 6);
            std::memcpy(m.nw_ext.nd.target, x.mask.target, 16);
            std::memcpy(m.nw_ext.nd.sll, x.mask.sll, 6);
            std::memcpy(m.nw_ext.nd.tll, x.mask.tll, 6);
            return "set(" + format_attribute(nd_attribute(), k, m) + ")";
          },
          [&](const act::set_icmp& x) {
            ovsxdp_flow_key k{}, m{};
            k.tp_src = hton16(x.value.type);
            k.tp_dst = hton16(x.value.code);
            m.tp_src = hton16(x.mask.type);
            m.tp_dst = hton16(x.mask.code);
            return "set(" + format_attribute(x.target == OVSXDP_SET_ICMPV6 ? icmpv6_attribute() : icmp_attribute(), k, m) + ")";
          },
          [&](const act::push_nsh& x) {
            // OVS format_odp_push_nsh_action, on the header as pushed.
            std::snprintf(buf, sizeof buf, "push_nsh(flags=%d,ttl=%d,mdtype=%d,np=%d,spi=0x%x,si=%d", x.flags & 0x3, x.ttl & 0x3f, x.mdtype, x.np,
                          x.spi & 0xffffffu, x.si);
            std::string s = buf;
            if (x.mdtype == 1) {
              for (unsigned i = 0; i < 4; i++) {
                std::uint32_t be = 0;
                if (x.metadata.size() >= (i + 1) * 4) std::memcpy(&be, &x.metadata[i * 4], 4);
                std::snprintf(buf, sizeof buf, ",c%u=0x%x", i + 1, ntohl(be));
                s += buf;
              }
            } else if (x.mdtype == 2) {
              // Without metadata (refused at install) OVS prints md2=0, which
              // it cannot read back; nothing is printed here instead.
              if (!x.metadata.empty()) s += ",md2=" + md2_text(x.metadata);
            } else {
              s += ",<error: unknown mdtype>";
            }
            return s + ")";
          },
          [&](const act::pop_nsh&) { return std::string("pop_nsh()"); },
      },
      a.base());
}

std::string format_list(const action_list& actions) {
  std::string out;
  for (const auto& a : actions) out += (out.empty() ? "" : ",") + format_one(a);
  return out;
}

}  // namespace

parsed_key parse_key(std::string_view text, const port_resolver& ports) {
  scanner s(text, "flow key");
  return key_parser(s, ports).run();
}

parsed_key parse_key_filter(std::string_view text, const port_resolver& ports) {
  scanner s(text, "filter");
  return key_parser(s, ports, true).run();
}

action_list parse_actions(std::string_view text, const port_resolver& ports) {
  scanner s(text, "actions");
  return action_parser(s, ports).run();
}

ovsxdp_ufid parse_ufid(std::string_view text) {
  if (text.rfind("ufid:", 0) == 0) text.remove_prefix(5);
  unsigned a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;
  int consumed = 0;
  const std::string t(text);
  if (t.size() != 36 || std::sscanf(t.c_str(), "%8x-%4x-%4x-%4x-%4x%8x%n", &a, &b, &c, &d, &e, &f, &consumed) != 6 || consumed != 36)
    throw syntax_error("ufid", text, 1, "malformed UFID '" + t + "'", "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX (hex)");
  const std::uint32_t u32[4] = {a, b << 16 | c, d << 16 | e, f};
  return ovsxdp_ufid{{std::uint64_t{u32[0]} | std::uint64_t{u32[1]} << 32, std::uint64_t{u32[2]} | std::uint64_t{u32[3]} << 32}};
}

std::string format_ufid(const ovsxdp_ufid& u) {
  const std::uint32_t w[4] = {static_cast<std::uint32_t>(u.words[0]), static_cast<std::uint32_t>(u.words[0] >> 32),
                              static_cast<std::uint32_t>(u.words[1]), static_cast<std::uint32_t>(u.words[1] >> 32)};
  char buf[48];
  std::snprintf(buf, sizeof buf, "ufid:%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff, w[2] >> 16, w[2] & 0xffff, w[3]);
  return buf;
}

std::string format_actions(const action_list& actions) { return actions.empty() ? "drop" : format_list(actions); }

}  // namespace ovsxdp::odp
