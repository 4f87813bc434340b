#include "odp/key_format.hpp"

#include <arpa/inet.h>
#include <linux/openvswitch.h>

#include <cstdio>
#include <cstring>

#include "datapath/key_attributes.hpp"
#include "odp/key_schema.hpp"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/icmpv6.h"
#include "ovsxdp/proto/transport.h"
#include "ovsxdp/proto/vlan.h"

namespace ovsxdp::odp {
namespace {

using key_t = ovsxdp_flow_key;

std::string printf_string(const char* format, unsigned long long value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// %#x: "0" for zero, else 0x...
std::string alt_hex(unsigned long long v) { return v ? printf_string("0x%llx", v) : "0"; }

std::string format_mac(const std::uint8_t* p) {
  char buffer[18];
  std::snprintf(buffer, sizeof(buffer), "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
  return buffer;
}

std::string format_ip(int family, const std::uint8_t* p) {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(family, p, buffer, sizeof(buffer));
  return buffer;
}

std::string format_u128(const std::uint8_t* p, bool big_endian) {
  std::string out;
  bool printed = false;
  for (int i = 0; i < 16; i++) {
    std::uint8_t byte = p[big_endian ? i : 15 - i];
    if (!byte && !printed) continue;
    out += printf_string(printed ? "%02llx" : "0x%llx", byte);
    printed = true;
  }
  return printed ? out : "0";
}

bool bytes_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

bool bytes_ones(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; i++)
    if (p[i] != 0xff) return false;
  return true;
}

// A field's value text, in the field's own notation.
std::string value_text(const field_spec& f, const key_t& k) {
  const std::uint8_t* p = field_bytes(k, f);
  switch (f.format) {
    case field_format::decimal:
    case field_format::arp_op: return std::to_string(field_value(k, f));
    case field_format::hex: return alt_hex(field_value(k, f));
    case field_format::hex_always: return printf_string("0x%llx", field_value(k, f));
    case field_format::ethertype: return printf_string("0x%04llx", field_value(k, f));
    case field_format::mac: return format_mac(p);
    case field_format::ipv4: return format_ip(AF_INET, p);
    case field_format::ipv6: return format_ip(AF_INET6, p);
    case field_format::u128: return format_u128(p, f.big_endian);
    case field_format::frag: {
      static const char* names[] = {"no", "first", "later"};
      unsigned v = static_cast<unsigned>(field_value(k, f));
      return v < 3 ? names[v] : printf_string("%llu", v);
    }
  }
  return {};
}

// The mask's text after '/', in the notation OVS uses for that field's masks.
std::string mask_text(const field_spec& f, const key_t& m) {
  switch (f.format) {
    case field_format::ethertype: return printf_string("0x%04llx", field_value(m, f));
    case field_format::decimal:
    case field_format::hex:
    case field_format::hex_always:
    case field_format::arp_op: return alt_hex(field_value(m, f));
    default: return value_text(f, m);
  }
}

enum class mask_state { zero, partial, full };

mask_state mask_state_of(const field_spec& f, const key_t* m) {
  if (!m) return mask_state::full;
  const std::uint8_t* p = field_bytes(*m, f);
  if (f.format == field_format::arp_op) {
    // The kernel reports the op mask as htons(u8 mask): never the full 0xffff.
    return *p ? mask_state::partial : mask_state::zero;
  }
  if (f.value_bits) {
    std::uint64_t v = field_value(*m, f) & f.value_bits;
    return v == 0 ? mask_state::zero : v == f.value_bits ? mask_state::full : mask_state::partial;
  }
  if (f.format == field_format::frag) {
    // Only the two frag bits count (FLOW_NW_FRAG_MASK).
    return *p == 0 ? mask_state::zero : (*p & 3) == 3 ? mask_state::full : mask_state::partial;
  }
  if (bytes_zero(p, f.size)) return mask_state::zero;
  return bytes_ones(p, f.size) ? mask_state::full : mask_state::partial;
}

// Appends "name=value[/mask]," following OVS: wildcarded fields are left
// out unless verbose; frag never shows a mask.
void put_field(std::string& out, const field_spec& f, const key_t& k, const key_t* m, bool verbose) {
  mask_state state = mask_state_of(f, m);
  if (f.format == field_format::frag) {
    if (state == mask_state::zero) return;
    if (state == mask_state::partial) {
      out += "error: partial mask not supported for frag (" + alt_hex(*field_bytes(*m, f)) + "),";
      return;
    }
    out += std::string(f.name) + "=" + value_text(f, k) + ",";
    return;
  }
  if (state == mask_state::zero && !verbose) return;
  out += std::string(f.name) + "=" + value_text(f, k);
  if (state != mask_state::full) out += "/" + mask_text(f, *m);
  out += ",";
}

void chomp(std::string& s) {
  if (!s.empty() && s.back() == ',') s.pop_back();
}

bool attribute_wildcarded(const attribute_spec& a, const key_t* m) {
  if (!m) return false;
  for (const field_spec& f : a.fields)
    if (mask_state_of(f, m) != mask_state::zero) return false;
  return true;
}

class printer {
 public:
  // Attributes Linux expects are printed even when fully wildcarded (as
  // "ipv4()", "tcp_flags(0/0)"), so a dumped flow always installs again;
  // ovs-dpctl leaves them out.
  printer(const key_t& k, const key_t* m, const key_format_options& o) : k_(k), m_(m), o_(o), expected_(m ? expected_attributes(k, *m) : 0) {}

  std::string run() {
    metadata();
    packet();
    chomp(out_);
    return out_.empty() ? "<empty>" : out_;
  }

 private:
  bool expected(int attribute) const { return expected_ & attribute_bit(attribute); }

  void attribute(const attribute_spec& a, int id) {
    if (!o_.verbose && attribute_wildcarded(a, m_) && !expected(id)) return;
    std::string body;
    for (const field_spec& f : a.fields) put_field(body, f, k_, m_, o_.verbose);
    chomp(body);
    out_ += std::string(a.name) + "(" + body + "),";
  }

  void single(const field_spec& f, bool is_metadata) {
    mask_state state = mask_state_of(f, m_);
    if (state == mask_state::zero && !o_.verbose) return;
    if (is_metadata && o_.omit_zero_metadata && !m_ && bytes_zero(field_bytes(k_, f), f.size)) return;
    out_ += std::string(f.name) + "(" + value_text(f, k_);
    if (state != mask_state::full) out_ += "/" + mask_text(f, *m_);
    out_ += "),";
  }

  void ct_state() {
    unsigned value = k_.ct_state;
    if (!m_) {
      if (o_.omit_zero_metadata && !value) return;
      out_ += "ct_state(" + flags_text(value, ct_state_name) + "),";
      return;
    }
    unsigned mask = m_->ct_state;
    if (!mask && !o_.verbose) return;
    if (o_.verbose) {
      out_ += "ct_state(" + alt_hex(value) + "/" + alt_hex(mask) + "),";
      return;
    }
    // The kernel's ct_state is 8 bits, so its mask is never OVS's full 32-bit one.
    out_ += "ct_state(" + masked_flags_text(value, mask, ct_state_name) + "),";
  }

  void tcp_flags() {
    unsigned value = ntoh16(k_.tcp_flags) & tcp::kFlagsMask;
    unsigned mask = m_ ? ntoh16(m_->tcp_flags) & tcp::kFlagsMask : tcp::kFlagsMask;
    if (!mask && !o_.verbose && !expected(OVS_KEY_ATTR_TCP_FLAGS)) return;
    if (mask == tcp::kFlagsMask) out_ += "tcp_flags(" + flags_text(value, tcp_flag_name) + "),";
    else out_ += "tcp_flags(" + masked_flags_text(value, mask, tcp_flag_name) + "),";
  }

  void vlan(be16 tci_be, be16 mask_be) {
    unsigned tci = ntoh16(tci_be), mask = ntoh16(mask_be);
    if (!mask && !o_.verbose) return;
    std::string body;
    unsigned vid = tci & vlan::kVidMask, vid_mask = mask & vlan::kVidMask;
    unsigned pcp = tci >> vlan::kPcpShift, pcp_mask = mask >> vlan::kPcpShift;
    if (o_.verbose || vid || vid_mask) {
      body += "vid=" + std::to_string(vid);
      if (vid_mask != vlan::kVidMask) body += printf_string("/0x%llx", vid_mask);
      body += ",";
    }
    if (o_.verbose || pcp || pcp_mask) {
      body += "pcp=" + std::to_string(pcp);
      if (pcp_mask != 7) body += printf_string("/0x%llx", pcp_mask);
      body += ",";
    }
    if (!(tci & vlan::kPresent)) body += "cfi=0,";
    chomp(body);
    out_ += "vlan(" + body + "),";
  }

  void mpls() {
    unsigned count = static_cast<unsigned>(__builtin_popcount(k_.mpls_labels & ((1u << OVSXDP_MPLS_LABEL_DEPTH) - 1)));
    const bool wildcarded = m_ && bytes_zero(reinterpret_cast<const std::uint8_t*>(m_->nw.mpls.lse), count * 4);
    if ((count == 0 || wildcarded) && m_ && expected(OVS_KEY_ATTR_MPLS) && !o_.verbose) {
      out_ += "mpls(),";
      return;
    }
    // A stack truncated before its bottom label gives Linux an empty MPLS
    // attribute, which OVS cannot print or parse: leave it out.
    if (count == 0) return;
    bool exact = !m_ || bytes_ones(reinterpret_cast<const std::uint8_t*>(m_->nw.mpls.lse), count * 4);
    if (wildcarded && !o_.verbose) return;
    std::string body;
    for (unsigned i = 0; i < count; i++) {
      unsigned lse = ntoh32(k_.nw.mpls.lse[i]);
      unsigned label = lse >> 12, tc = (lse >> 9) & 7, bos = (lse >> 8) & 1, ttl = lse & 0xff;
      if (exact) {
        body += "label=" + std::to_string(label) + ",tc=" + std::to_string(tc) + ",ttl=" + std::to_string(ttl) +
                ",bos=" + std::to_string(bos) + ",";
      } else {
        unsigned m = ntoh32(m_->nw.mpls.lse[i]);
        body += "label=" + std::to_string(label) + printf_string("/0x%llx", m >> 12) + ",tc=" + std::to_string(tc) +
                printf_string("/%llx", (m >> 9) & 7) + ",ttl=" + std::to_string(ttl) + printf_string("/0x%llx", m & 0xff) +
                ",bos=" + std::to_string(bos) + printf_string("/%llx", (m >> 8) & 1) + ",";
      }
    }
    chomp(body);
    out_ += "mpls(" + body + "),";
  }

  static std::string hex_bytes(const u8* p, std::size_t n) {
    std::string out;
    bool printed = false;
    for (std::size_t i = 0; i < n; i++) {
      if (!p[i] && !printed) continue;
      out += printf_string(printed ? "%02llx" : "0x%llx", p[i]);
      printed = true;
    }
    return printed ? out : "0";
  }

  static std::string tunnel_flag_name(unsigned bit) {
    switch (bit) {
      case OVSXDP_TNL_OAM: return "oam";
      case OVSXDP_TNL_DONT_FRAGMENT: return "df";
      case OVSXDP_TNL_CSUM: return "csum";
      case OVSXDP_TNL_KEY: return "key";
      default: return {};
    }
  }

  // tunnel(...) in the order Linux emits its sub-attributes, flags(...) last.
  void tunnel() {
    if (!k_.tun_proto) return;
    static const field_spec kId{"tun_id", __builtin_offsetof(key_t, tun_id), 8, true, field_format::hex_always};
    static const field_spec kSrc{"src", __builtin_offsetof(key_t, tun.ipv4.src), 4, true, field_format::ipv4};
    static const field_spec kDst{"dst", __builtin_offsetof(key_t, tun.ipv4.dst), 4, true, field_format::ipv4};
    static const field_spec kSrc6{"ipv6_src", __builtin_offsetof(key_t, tun.ipv6.src), 16, true, field_format::ipv6};
    static const field_spec kDst6{"ipv6_dst", __builtin_offsetof(key_t, tun.ipv6.dst), 16, true, field_format::ipv6};
    static const field_spec kTos{"tos", __builtin_offsetof(key_t, tun_tos), 1, false, field_format::hex};
    static const field_spec kTtl{"ttl", __builtin_offsetof(key_t, tun_ttl), 1, false, field_format::decimal};
    static const field_spec kTpSrc{"tp_src", __builtin_offsetof(key_t, tun_tp_src), 2, true, field_format::decimal};
    static const field_spec kTpDst{"tp_dst", __builtin_offsetof(key_t, tun_tp_dst), 2, true, field_format::decimal};
    std::string body;
    put_field(body, kId, k_, m_, o_.verbose);
    if (k_.tun_proto == 6) {
      put_field(body, kSrc6, k_, m_, o_.verbose);
      put_field(body, kDst6, k_, m_, o_.verbose);
    } else {
      put_field(body, kSrc, k_, m_, o_.verbose);
      put_field(body, kDst, k_, m_, o_.verbose);
    }
    put_field(body, kTos, k_, m_, o_.verbose);
    put_field(body, kTtl, k_, m_, o_.verbose);
    put_field(body, kTpSrc, k_, m_, o_.verbose);
    put_field(body, kTpDst, k_, m_, o_.verbose);
    if (k_.tun_opts_kind == 1 && k_.tun_opts_len) {
      std::string opts;
      for (u32 at = 0; at + 4 <= k_.tun_opts_len && at + 4 <= OVSXDP_TUN_OPTS_MAX;) {
        const u8* o = k_.tun_opts + at;
        const u32 len = (o[3] & 0x1f) * 4u;
        if (at + 4 + len > OVSXDP_TUN_OPTS_MAX) break;
        opts += printf_string("{class=%#llx", static_cast<unsigned>(o[0] << 8 | o[1]));
        opts += printf_string(",type=%#llx", o[2]) + ",len=" + std::to_string(len) + "," + hex_bytes(o + 4, len);
        if (m_ && !bytes_ones(m_->tun_opts + at + 4, len)) opts += "/" + hex_bytes(m_->tun_opts + at + 4, len);
        opts += "}";
        at += 4 + len;
      }
      body += "geneve(" + opts + "),";
    } else if (k_.tun_opts_kind == 2 && k_.tun_opts_len >= 4) {
      const u32 gbp = ntoh32(load_unaligned<be32>(k_.tun_opts));
      body += "vxlan(gbp(id=" + std::to_string(gbp & 0xffff) + ",flags=" + alt_hex((gbp >> 16) & 0xff) + ")),";
    }
    const unsigned flags = k_.tun_flags, fmask = m_ ? m_->tun_flags : 0xffff;
    if ((fmask & 0xf) == 0xf) {
      std::string names;
      for (unsigned bit = 1; bit <= 8; bit <<= 1)
        if (flags & bit) names += tunnel_flag_name(bit) + "|";
      if (!names.empty()) names.pop_back();
      body += "flags(" + (names.empty() ? std::string("0") : names) + "),";
    } else if (fmask & 0xf) {
      std::string f;
      for (unsigned bit = 1; bit <= 8; bit <<= 1)
        if (fmask & bit) f += std::string(flags & bit ? "+" : "-") + tunnel_flag_name(bit);
      body += "flags(" + f + "),";
    } else if (o_.verbose) {
      body += "flags(0/0),";
    }
    chomp(body);
    out_ += "tunnel(" + body + "),";
  }

  void metadata() {
    single(recirc_id_field(), true);
    single(dp_hash_field(), true);
    single(skb_priority_field(), true);
    tunnel();
    single(in_port_field(), false);
    single(skb_mark_field(), true);
    ct_state();
    single(ct_zone_field(), true);
    single(ct_mark_field(), true);
    single(ct_label_field(), true);
    if (ct_tuple_present()) {
      if (k_.eth_type == be16_c<ethernet::type::ipv4>) attribute(ct_tuple4_attribute(), OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4);
      else if (k_.eth_type == be16_c<ethernet::type::ipv6>) attribute(ct_tuple6_attribute(), OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6);
    }
  }

  // A conntrack original tuple is in the key when it names a protocol, or
  // when the mask matches its fields: for IP packets other than ND those
  // share the extras' space, so a masked extra there is the tuple (Linux).
  bool ct_tuple_present() const {
    if (k_.ct_orig_proto) return true;
    if (!m_) return false;
    if (m_->ct_orig_proto || m_->ct_orig_tp_src || m_->ct_orig_tp_dst) return true;
    const bool ipv4 = k_.eth_type == be16_c<ethernet::type::ipv4>, ipv6 = k_.eth_type == be16_c<ethernet::type::ipv6>;
    const bool nd = ipv6 && k_.ip_proto == ip_proto::icmpv6 &&
                    (k_.tp_src == be16_c<icmpv6::type::neighbor_solicitation> || k_.tp_src == be16_c<icmpv6::type::neighbor_advertisement>);
    if (!(ipv4 || ipv6) || nd) return false;
    return any_byte_set(m_->nw_ext);
  }

  void packet() {
    int open_encaps = 0;
    if (k_.mac_proto == OVSXDP_MAC_ETHERNET) {
      if (!o_.verbose && attribute_wildcarded(eth_attribute(), m_)) out_ += "eth(),";
      else attribute(eth_attribute(), OVS_KEY_ATTR_ETHERNET);
      const bool third_tag = vlan::is_tpid(k_.eth_type);
      if (k_.vlan_tci || third_tag) {
        if (!k_.vlan_tci) {
          // A tag too short to parse. Linux reports ethertype 0 here, which OVS
          // cannot read back; print what OVS userspace prints (and parses):
          // eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap().
          single(eth_type_field(), false);
          vlan(0, m_ ? m_->vlan_tci : 0xffff);
          out_ += "encap(),";
          return;
        }
        tag(k_.vlan_tpid, k_.vlan_tci, m_ ? m_->vlan_tpid : 0xffff, m_ ? m_->vlan_tci : 0xffff);
        open_encaps++;
        if (k_.cvlan_tci || third_tag) {
          if (k_.cvlan_tci) {
            tag(k_.cvlan_tpid, k_.cvlan_tci, m_ ? m_->cvlan_tpid : 0xffff, m_ ? m_->cvlan_tci : 0xffff);
            open_encaps++;
          } else {
            // An inner tag too short to parse: the outer case's form, one level in.
            single(eth_type_field(), false);
            vlan(0, m_ ? m_->cvlan_tci : 0xffff);
            out_ += "encap(),";
            close(open_encaps);
            return;
          }
        }
      }
      if (k_.eth_type == be16_c<ethernet::type::llc_802_2>) {
        // 802.2 frames carry no eth_type attribute, but the kernel still masks
        // it, which OVS prints as eth_type(0/MASK).
        const unsigned mask = m_ ? ntoh16(m_->eth_type) : 0xffff;
        if (mask) out_ += printf_string("eth_type(0/0x%04llx),", mask);
        close(open_encaps);
        return;
      }
    }
    single(eth_type_field(), false);
    if (!vlan::is_tpid(k_.eth_type)) network();
    close(open_encaps);
  }

  void tag(be16 tpid, be16 tci, be16 tpid_mask, be16 tci_mask) {
    ovsxdp_flow_key tpid_key{}, tpid_mask_key{};
    tpid_key.eth_type = tpid;
    tpid_mask_key.eth_type = tpid_mask;
    printer nested(tpid_key, m_ ? &tpid_mask_key : nullptr, o_);
    nested.single(eth_type_field(), false);
    out_ += nested.out_;
    vlan(tci, m_ ? tci_mask : 0xffff);
    out_ += "encap(";
  }

  void close(int open_encaps) {
    for (int i = 0; i < open_encaps; i++) {
      chomp(out_);
      out_ += "),";
    }
  }

  void network() {
    const u16 type = ntoh16(k_.eth_type);
    const bool ipv4 = type == ethernet::type::ipv4, ipv6 = type == ethernet::type::ipv6;
    if (ipv4) attribute(ipv4_attribute(), OVS_KEY_ATTR_IPV4);
    else if (ipv6) attribute(ipv6_attribute(), OVS_KEY_ATTR_IPV6);
    else if (type == ethernet::type::arp || type == ethernet::type::rarp) attribute(arp_attribute(), OVS_KEY_ATTR_ARP);
    else if (type == ethernet::type::mpls_unicast || type == ethernet::type::mpls_multicast) mpls();
    else if (type == ethernet::type::nsh) nsh();
    if (!(ipv4 || ipv6) || k_.ip_frag == OVSXDP_FRAG_LATER) return;
    switch (k_.ip_proto) {
      case ip_proto::tcp:
        attribute(tcp_attribute(), OVS_KEY_ATTR_TCP);
        tcp_flags();
        break;
      case ip_proto::udp: attribute(udp_attribute(), OVS_KEY_ATTR_UDP); break;
      case ip_proto::sctp: attribute(sctp_attribute(), OVS_KEY_ATTR_SCTP); break;
      case ip_proto::icmp:
        if (ipv4) attribute(icmp_attribute(), OVS_KEY_ATTR_ICMP);
        break;
      case ip_proto::icmpv6:
        if (!ipv6) break;
        attribute(icmpv6_attribute(), OVS_KEY_ATTR_ICMPV6);
        if (k_.tp_src == be16_c<icmpv6::type::neighbor_solicitation> ||
            k_.tp_src == be16_c<icmpv6::type::neighbor_advertisement>)
          attribute(nd_attribute(), OVS_KEY_ATTR_ND);
        break;
      default: break;
    }
  }

  using name_fn = const char* (*)(unsigned bit);

  static const char* tcp_flag_name(unsigned bit) {
    switch (bit) {
      case 0x001: return "fin";
      case 0x002: return "syn";
      case 0x004: return "rst";
      case 0x008: return "psh";
      case 0x010: return "ack";
      case 0x020: return "urg";
      case 0x040: return "ece";
      case 0x080: return "cwr";
      case 0x100: return "ns";
      case 0x200: return "[200]";
      case 0x400: return "[400]";
      case 0x800: return "[800]";
      default: return nullptr;
    }
  }

  static const char* ct_state_name(unsigned bit) {
    switch (bit) {
      case OVSXDP_CS_NEW: return "new";
      case OVSXDP_CS_ESTABLISHED: return "est";
      case OVSXDP_CS_RELATED: return "rel";
      case OVSXDP_CS_REPLY_DIR: return "rpl";
      case OVSXDP_CS_INVALID: return "inv";
      case OVSXDP_CS_TRACKED: return "trk";
      case OVSXDP_CS_SRC_NAT: return "snat";
      case OVSXDP_CS_DST_NAT: return "dnat";
      default: return nullptr;
    }
  }

 public:
  // OVS format_flags: names joined by '|', lowest bit first; "0" for none.
  static std::string flags_text(unsigned flags, name_fn name) {
    if (!flags) return "0";
    std::string out;
    unsigned bad = 0;
    for (unsigned bit = 1; flags; bit <<= 1) {
      if (!(flags & bit)) continue;
      flags &= ~bit;
      if (const char* s = name(bit)) out += std::string(s) + "|";
      else bad |= bit;
    }
    if (bad) out += printf_string("0x%llx|", bad);
    out.pop_back();
    return out;
  }

  // OVS format_flags_masked: +name/-name for every masked bit.
  static std::string masked_flags_text(unsigned flags, unsigned mask, name_fn name) {
    if (!mask) return "0/0";
    std::string out;
    for (unsigned bit = 1; mask; bit <<= 1) {
      if (!(mask & bit)) continue;
      mask &= ~bit;
      const char* s = name(bit);
      out += (flags & bit) ? "+" : "-";
      out += s ? s : "[Unknown]";
    }
    return out;
  }

  static const char* tcp_name(unsigned bit) { return tcp_flag_name(bit); }

 private:
  // nsh(...) as OVS formats it (format_nsh_key / format_nsh_key_mask):
  // exact fields as decimal (spi and contexts in hex); with a mask, only the
  // masked fields, partial ones as 0x%02x/0x%02x (u8) or 0x%x/0x%08x.
  void nsh() {
    const auto& n = k_.nw.nsh;
    const auto* mn = m_ ? &m_->nw.nsh : nullptr;
    std::string body;
    auto u8_field = [&](const char* name, unsigned v, unsigned mask, unsigned full) {
      if (mn && !mask && !o_.verbose) return;
      if (!mn || mask == full) body += std::string(name) + "=" + std::to_string(v) + ",";
      else body += std::string(name) + "=" + printf_string("0x%02llx", v) + "/" + printf_string("0x%02llx", mask) + ",";
    };
    auto hex_field = [&](const char* name, unsigned v, unsigned mask, unsigned full) {
      if (mn && !mask && !o_.verbose) return;
      body += std::string(name) + "=" + printf_string("0x%llx", v);
      if (mn && mask != full) body += "/" + printf_string("0x%08llx", mask);
      body += ",";
    };
    const unsigned path = ntoh32(n.path_hdr), path_mask = mn ? ntoh32(mn->path_hdr) : 0xffffffffu;
    u8_field("flags", n.flags, mn ? mn->flags : 3, 3);
    u8_field("ttl", n.ttl, mn ? mn->ttl : 63, 63);
    u8_field("mdtype", n.mdtype, mn ? mn->mdtype : 0xff, 0xff);
    u8_field("np", n.np, mn ? mn->np : 0xff, 0xff);
    hex_field("spi", path >> 8, path_mask >> 8, 0xffffff);
    u8_field("si", path & 0xff, path_mask & 0xff, 0xff);
    // The context is in the key for every MD type (zero unless MD type 1), as
    // a dump of an exact flow shows it in Linux and in OVS.
    static const char* names[] = {"c1", "c2", "c3", "c4"};
    for (int i = 0; i < OVSXDP_NSH_CONTEXT_WORDS; i++) hex_field(names[i], ntoh32(n.context[i]), mn ? ntoh32(mn->context[i]) : 0xffffffffu, 0xffffffffu);
    chomp(body);
    if (mn && body.empty() && !expected(OVS_KEY_ATTR_NSH) && !o_.verbose) return;
    out_ += "nsh(" + body + "),";
  }

  const key_t& k_;
  const key_t* m_;
  const key_format_options& o_;
  attribute_set expected_;
  std::string out_;
};

}  // namespace

std::string format_key(const ovsxdp_flow_key& key, const ovsxdp_flow_key* mask, const key_format_options& options) {
  return printer(key, mask, options).run();
}

std::string format_tcp_flags(unsigned flags) { return printer::flags_text(flags & 0xfff, printer::tcp_name); }

std::string format_attribute(const attribute_spec& attribute, const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  std::string body;
  for (const field_spec& f : attribute.fields) put_field(body, f, key, &mask, false);
  chomp(body);
  return std::string(attribute.name) + "(" + body + ")";
}

std::string format_single(const field_spec& field, const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  std::string out = std::string(field.name) + "(" + value_text(field, key);
  if (mask_state_of(field, &mask) != mask_state::full) out += "/" + mask_text(field, mask);
  return out + ")";
}

std::string format_mpls(const ovsxdp_flow_key& key, const ovsxdp_flow_key* mask, unsigned count) {
  ovsxdp_flow_key k = key;
  k.mpls_labels = static_cast<u8>((1u << count) - 1);
  k.eth_type = hton16(0x8847);
  key_format_options o;
  ovsxdp_flow_key m{};
  if (mask) m = *mask;
  else
    for (unsigned i = 0; i < count && i < OVSXDP_MPLS_LABEL_DEPTH; i++) m.nw.mpls.lse[i] = 0xffffffffu;
  m.eth_type = 0xffff;
  m.mpls_labels = k.mpls_labels;
  m.mac_proto = 0xff;
  k.mac_proto = OVSXDP_MAC_NONE;  // no eth() in front
  std::string text = format_key(k, &m, o);
  const std::size_t at = text.find("mpls(");
  return at == std::string::npos ? "mpls()" : text.substr(at);
}

}  // namespace ovsxdp::odp
