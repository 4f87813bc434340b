#include "datapath/actions.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include <cstring>
#include <type_traits>

#include "runtime/error.hpp"
#include "runtime/overloaded.hpp"

namespace ovsxdp {
namespace {

template <class T>
bool bytes_equal(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

class encoder {
 public:
  std::vector<std::uint8_t> out;

  void list(const action_list& actions) {
    for (const auto& a : actions) one(a);
  }

 private:
  template <class Record>
  Record& add(std::uint8_t type, std::size_t extra = 0) {
    const std::size_t size = (sizeof(Record) + extra + 3) & ~std::size_t{3};
    if (size / 4 > 255) throw invalid_flow("encode actions", "", "an action record of " + std::to_string(size) + " bytes exceeds the 1020-byte record limit");
    const std::size_t at = out.size();
    out.resize(at + size, 0);
    auto* h = reinterpret_cast<ovsxdp_action_header*>(&out[at]);
    h->type = type;
    h->words = static_cast<std::uint8_t>(size / 4);
    return *reinterpret_cast<Record*>(&out[at]);
  }
  // Records are read back through `out`, which may move: re-fetch by offset.
  template <class Record>
  Record& at(std::size_t offset) {
    return *reinterpret_cast<Record*>(&out[offset]);
  }

  template <class Record, class Value>
  void set(ovsxdp_set_target target, const Value& value, const Value& mask) {
    auto& r = add<Record>(OVSXDP_ACTION_SET);
    r.h.arg = target;
    r.value = value;
    r.mask = mask;
  }

  // Appends a nested list; returns its length in bytes.
  std::uint16_t nested(const action_list& actions, const char* owner) {
    const std::size_t start = out.size();
    list(actions);
    const std::size_t bytes = out.size() - start;
    if (bytes > 0xffff) throw invalid_flow("encode actions", owner, "its nested list is too long");
    return static_cast<std::uint16_t>(bytes);
  }

  void one(const action& a) {
    std::visit(
        overloaded{
            [&](const act::output& x) { add<ovsxdp_action_output>(OVSXDP_ACTION_OUTPUT).port = x.port; },
            [&](const act::drop& x) { add<ovsxdp_action_drop>(OVSXDP_ACTION_DROP).h.arg = x.reason; },
            [&](const act::push_vlan& x) {
              auto& r = add<ovsxdp_action_push_vlan>(OVSXDP_ACTION_PUSH_VLAN);
              r.tpid = htons(x.tpid);
              r.tci = htons(x.tci);
            },
            [&](const act::pop_vlan&) { add<ovsxdp_action_pop_vlan>(OVSXDP_ACTION_POP_VLAN); },
            [&](const act::set_ethernet& x) { set<ovsxdp_action_set_ethernet>(OVSXDP_SET_ETHERNET, x.value, x.mask); },
            [&](const act::set_ipv4& x) { set<ovsxdp_action_set_ipv4>(OVSXDP_SET_IPV4, x.value, x.mask); },
            [&](const act::set_ipv6& x) { set<ovsxdp_action_set_ipv6>(OVSXDP_SET_IPV6, x.value, x.mask); },
            [&](const act::set_transport& x) { set<ovsxdp_action_set_transport>(x.target, x.value, x.mask); },
            [&](const act::set_mpls& x) { set<ovsxdp_action_set_mpls>(OVSXDP_SET_MPLS, x.value, x.mask); },
            [&](const act::set_skb_mark& x) {
              set<ovsxdp_action_set_u32>(OVSXDP_SET_SKB_MARK, ovsxdp_set_u32{x.value}, ovsxdp_set_u32{x.mask});
            },
            [&](const act::set_priority& x) {
              set<ovsxdp_action_set_u32>(OVSXDP_SET_PRIORITY, ovsxdp_set_u32{x.value}, ovsxdp_set_u32{x.mask});
            },
            [&](const act::dec_ttl& x) {
              const std::size_t offset = out.size();
              add<ovsxdp_action_dec_ttl>(OVSXDP_ACTION_DEC_TTL);
              const std::size_t nested_start = out.size();
              list(x.le_1);
              const std::size_t nested = out.size() - nested_start;
              if (nested > 0xffff) throw invalid_flow("encode actions", "dec_ttl", "its le_1 list is too long");
              at<ovsxdp_action_dec_ttl>(offset).h.arg = static_cast<std::uint16_t>(nested);
            },
            [&](const act::trunc& x) { add<ovsxdp_action_trunc>(OVSXDP_ACTION_TRUNC).max_len = x.max_len; },
            [&](const act::hash& x) {
              auto& r = add<ovsxdp_action_hash>(OVSXDP_ACTION_HASH);
              r.alg = x.alg;
              r.basis = x.basis;
            },
            [&](const act::push_mpls& x) {
              auto& r = add<ovsxdp_action_push_mpls>(OVSXDP_ACTION_PUSH_MPLS);
              r.lse = htonl(x.lse);
              r.ethertype = htons(x.ethertype);
            },
            [&](const act::pop_mpls& x) { add<ovsxdp_action_pop_mpls>(OVSXDP_ACTION_POP_MPLS).ethertype = htons(x.ethertype); },
            [&](const act::add_mpls& x) {
              auto& r = add<ovsxdp_action_add_mpls>(OVSXDP_ACTION_ADD_MPLS);
              r.lse = htonl(x.lse);
              r.ethertype = htons(x.ethertype);
              r.flags = x.l3_tunnel ? OVSXDP_ADD_MPLS_L3_TUNNEL : 0;
            },
            [&](const act::push_eth& x) {
              auto& r = add<ovsxdp_action_push_eth>(OVSXDP_ACTION_PUSH_ETH);
              std::memcpy(r.src, x.src.data(), 6);
              std::memcpy(r.dst, x.dst.data(), 6);
            },
            [&](const act::pop_eth&) { add<ovsxdp_action_pop_eth>(OVSXDP_ACTION_POP_ETH); },
            [&](const act::recirc& x) { add<ovsxdp_action_recirc>(OVSXDP_ACTION_RECIRC).recirc_id = x.id; },
            [&](const act::userspace& x) {
              if (x.userdata.size() > OVSXDP_USERDATA_MAX)
                throw invalid_flow("encode actions", "userspace", "userdata of " + std::to_string(x.userdata.size()) +
                                                               " bytes exceeds the " + std::to_string(OVSXDP_USERDATA_MAX) + "-byte limit");
              const std::size_t offset = out.size();
              auto& r = add<ovsxdp_action_userspace>(OVSXDP_ACTION_USERSPACE, x.userdata.size());
              r.pid = x.pid;
              r.userdata_len = static_cast<std::uint16_t>(x.userdata.size());
              r.flags = static_cast<std::uint16_t>((x.tunnel_out_port ? OVSXDP_USERSPACE_HAS_TUNNEL_PORT : 0) |
                                                   (x.attach_actions ? OVSXDP_USERSPACE_ATTACH_ACTIONS : 0) |
                                                   (x.keep_cutlen ? OVSXDP_USERSPACE_KEEP_CUTLEN : 0));
              r.tunnel_out_port = x.tunnel_out_port.value_or(0);
              if (!x.userdata.empty()) std::memcpy(&out[offset + sizeof(ovsxdp_action_userspace)], x.userdata.data(), x.userdata.size());
            },
            [&](const act::ct_clear&) { add<ovsxdp_action_ct_clear>(OVSXDP_ACTION_CT_CLEAR); },
            [&](const act::ct& x) {
              // The record holds what the tracker runs; validate_actions refuses the rest first.
              if (x.nat || !x.helper.empty() || !x.timeout.empty())
                throw invalid_flow("encode actions", "ct", "nat, helper and timeout have no datapath record yet");
              if (x.commit && x.force_commit) throw invalid_flow("encode actions", "ct", "commit and force_commit together");
              auto& r = add<ovsxdp_action_ct>(OVSXDP_ACTION_CT);
              r.h.arg = static_cast<std::uint16_t>((x.commit ? OVSXDP_CT_COMMIT : 0) | (x.force_commit ? OVSXDP_CT_FORCE_COMMIT : 0) |
                                                   (x.mark ? OVSXDP_CT_SET_MARK : 0) | (x.label ? OVSXDP_CT_SET_LABELS : 0));
              r.zone = x.zone;
              if (x.mark) {
                r.mark = x.mark->first;
                r.mark_mask = x.mark->second;
              }
              if (x.label) {
                std::memcpy(r.labels, x.label->value.data(), 16);
                std::memcpy(r.labels_mask, x.label->mask.data(), 16);
              }
            },
            [&](const act::clone& x) {
              const std::size_t offset = out.size();
              add<ovsxdp_action_clone>(OVSXDP_ACTION_CLONE).flags = x.invisible ? OVSXDP_NESTED_INVISIBLE : 0;
              at<ovsxdp_action_clone>(offset).h.arg = nested(x.actions, "clone");
            },
            [&](const act::sample& x) {
              const std::size_t offset = out.size();
              auto& r = add<ovsxdp_action_sample>(OVSXDP_ACTION_SAMPLE);
              r.probability = x.probability;
              r.flags = x.invisible ? OVSXDP_NESTED_INVISIBLE : 0;
              at<ovsxdp_action_sample>(offset).h.arg = nested(x.actions, "sample");
            },
            [&](const act::check_pkt_len& x) {
              const std::size_t offset = out.size();
              auto& r = add<ovsxdp_action_check_pkt_len>(OVSXDP_ACTION_CHECK_PKT_LEN);
              r.max_len = x.max_len;
              r.flags = x.invisible ? OVSXDP_NESTED_INVISIBLE : 0;
              const std::uint16_t gt = nested(x.gt, "check_pkt_len");
              const std::uint16_t le = nested(x.le, "check_pkt_len");
              at<ovsxdp_action_check_pkt_len>(offset).gt_bytes = gt;
              at<ovsxdp_action_check_pkt_len>(offset).le_bytes = le;
            },
            [&](const act::meter& x) { add<ovsxdp_action_meter>(OVSXDP_ACTION_METER).meter_id = x.id; },
            [&](const act::set_arp& x) { set<ovsxdp_action_set_arp>(OVSXDP_SET_ARP, x.value, x.mask); },
            [&](const act::set_nd& x) { set<ovsxdp_action_set_nd>(OVSXDP_SET_ND, x.value, x.mask); },
            [&](const act::set_icmp& x) { set<ovsxdp_action_set_icmp>(x.target, x.value, x.mask); },
            [&](const act::push_nsh& x) { push_nsh(x); },
            [&](const act::pop_nsh&) { add<ovsxdp_action_pop_nsh>(OVSXDP_ACTION_POP_NSH); },
        },
        a.base());
  }

  // The NSH header as Linux's nsh_hdr_from_nlattr builds it: version 0,
  // flags and ttl masked to their fields, the length in 4-byte words.
  void push_nsh(const act::push_nsh& x) {
    const std::size_t length = 8 + x.metadata.size();
    if (x.metadata.size() % 4 || length > OVSXDP_NSH_HEADER_MAX)
      throw invalid_flow("encode actions", "push_nsh",
                         "metadata of " + std::to_string(x.metadata.size()) + " bytes: NSH carries a multiple of 4 bytes, at most " +
                             std::to_string(OVSXDP_NSH_HEADER_MAX - 8));
    const std::size_t offset = out.size();
    add<ovsxdp_action_push_nsh>(OVSXDP_ACTION_PUSH_NSH, length).h.arg = static_cast<std::uint16_t>(length);
    std::uint8_t* h = &out[offset + sizeof(ovsxdp_action_push_nsh)];
    const std::uint16_t first = static_cast<std::uint16_t>((x.flags & 0x3u) << 12 | (x.ttl & 0x3fu) << 6 | (length / 4));
    h[0] = static_cast<std::uint8_t>(first >> 8);
    h[1] = static_cast<std::uint8_t>(first);
    h[2] = x.mdtype;
    h[3] = x.np;
    const std::uint32_t path = htonl((x.spi & 0xffffffu) << 8 | x.si);
    std::memcpy(h + 4, &path, 4);
    if (!x.metadata.empty()) std::memcpy(h + 8, x.metadata.data(), x.metadata.size());
  }
};

class decoder {
 public:
  explicit decoder(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  action_list list(std::size_t begin, std::size_t end) {
    action_list out;
    std::size_t off = begin;
    while (off < end) {
      if (end - off < sizeof(ovsxdp_action_header)) fail(off, "truncated record header");
      ovsxdp_action_header h;
      std::memcpy(&h, &bytes_[off], sizeof h);
      const std::size_t size = h.words * 4u;
      if (size < sizeof h || size > end - off) fail(off, "record length " + std::to_string(size) + " runs past the list");
      // A nested list inside its owner's list: else its records would also be read as the owner list's next ones.
      const std::size_t nested = nested_bytes(h, off, size);
      if (nested > end - off - size) fail(off, "nested list of " + std::to_string(nested) + " bytes runs past the list that holds it");
      if (h.type != OVSXDP_ACTION_FORK) out.push_back(one(h, off, size));  // a fork record is the datapath's, not the flow's
      off += size + nested;  // nested lists were consumed by one()
    }
    return out;
  }

 private:
  std::size_t nested_bytes(const ovsxdp_action_header& h, std::size_t off, std::size_t size) {
    switch (h.type) {
      case OVSXDP_ACTION_DEC_TTL:
      case OVSXDP_ACTION_CLONE:
      case OVSXDP_ACTION_SAMPLE: return h.arg;
      case OVSXDP_ACTION_CHECK_PKT_LEN: {
        auto r = record<ovsxdp_action_check_pkt_len>(off, size);
        return std::size_t{r.gt_bytes} + r.le_bytes;
      }
      default: return 0;
    }
  }

  action_list nested(std::size_t begin, std::size_t length, std::size_t owner) {
    if (begin + length > bytes_.size()) fail(owner, "nested list runs past the actions");
    return list(begin, begin + length);
  }

  [[noreturn]] void fail(std::size_t off, const std::string& what) {
    throw error("decode actions", "byte " + std::to_string(off), what);
  }

  template <class Record>
  Record record(std::size_t off, std::size_t size) {
    if (size < sizeof(Record)) fail(off, "record of " + std::to_string(size) + " bytes is shorter than its type needs");
    Record r;
    std::memcpy(&r, &bytes_[off], sizeof r);
    return r;
  }

  action one(const ovsxdp_action_header& h, std::size_t off, std::size_t size) {
    switch (h.type) {
      case OVSXDP_ACTION_OUTPUT: return act::output{record<ovsxdp_action_output>(off, size).port};
      case OVSXDP_ACTION_DROP: return act::drop{h.arg};
      case OVSXDP_ACTION_PUSH_VLAN: {
        auto r = record<ovsxdp_action_push_vlan>(off, size);
        return act::push_vlan{ntohs(r.tpid), ntohs(r.tci)};
      }
      case OVSXDP_ACTION_POP_VLAN: return act::pop_vlan{};
      case OVSXDP_ACTION_SET:
        switch (h.arg) {
          case OVSXDP_SET_ETHERNET: {
            auto r = record<ovsxdp_action_set_ethernet>(off, size);
            return act::set_ethernet{r.value, r.mask};
          }
          case OVSXDP_SET_IPV4: {
            auto r = record<ovsxdp_action_set_ipv4>(off, size);
            return act::set_ipv4{r.value, r.mask};
          }
          case OVSXDP_SET_IPV6: {
            auto r = record<ovsxdp_action_set_ipv6>(off, size);
            return act::set_ipv6{r.value, r.mask};
          }
          case OVSXDP_SET_TCP:
          case OVSXDP_SET_UDP:
          case OVSXDP_SET_SCTP: {
            auto r = record<ovsxdp_action_set_transport>(off, size);
            return act::set_transport{static_cast<ovsxdp_set_target>(h.arg), r.value, r.mask};
          }
          case OVSXDP_SET_MPLS: {
            auto r = record<ovsxdp_action_set_mpls>(off, size);
            return act::set_mpls{r.value, r.mask};
          }
          case OVSXDP_SET_SKB_MARK: {
            auto r = record<ovsxdp_action_set_u32>(off, size);
            return act::set_skb_mark{r.value.value, r.mask.value};
          }
          case OVSXDP_SET_PRIORITY: {
            auto r = record<ovsxdp_action_set_u32>(off, size);
            return act::set_priority{r.value.value, r.mask.value};
          }
          case OVSXDP_SET_ARP: {
            auto r = record<ovsxdp_action_set_arp>(off, size);
            return act::set_arp{r.value, r.mask};
          }
          case OVSXDP_SET_ND: {
            auto r = record<ovsxdp_action_set_nd>(off, size);
            return act::set_nd{r.value, r.mask};
          }
          case OVSXDP_SET_ICMP:
          case OVSXDP_SET_ICMPV6: {
            auto r = record<ovsxdp_action_set_icmp>(off, size);
            return act::set_icmp{static_cast<ovsxdp_set_target>(h.arg), r.value, r.mask};
          }
          default: fail(off, "unknown set target " + std::to_string(h.arg));
        }
      case OVSXDP_ACTION_DEC_TTL: {
        const std::size_t nested_begin = off + size, nested_end = nested_begin + h.arg;
        if (nested_end > bytes_.size()) fail(off, "dec_ttl's le_1 list runs past the actions");
        return act::dec_ttl{list(nested_begin, nested_end)};
      }
      case OVSXDP_ACTION_TRUNC: return act::trunc{record<ovsxdp_action_trunc>(off, size).max_len};
      case OVSXDP_ACTION_HASH: {
        auto r = record<ovsxdp_action_hash>(off, size);
        return act::hash{r.alg, r.basis};
      }
      case OVSXDP_ACTION_PUSH_MPLS: {
        auto r = record<ovsxdp_action_push_mpls>(off, size);
        return act::push_mpls{ntohl(r.lse), ntohs(r.ethertype)};
      }
      case OVSXDP_ACTION_POP_MPLS: return act::pop_mpls{ntohs(record<ovsxdp_action_pop_mpls>(off, size).ethertype)};
      case OVSXDP_ACTION_ADD_MPLS: {
        auto r = record<ovsxdp_action_add_mpls>(off, size);
        return act::add_mpls{ntohl(r.lse), ntohs(r.ethertype), (r.flags & OVSXDP_ADD_MPLS_L3_TUNNEL) != 0};
      }
      case OVSXDP_ACTION_PUSH_ETH: {
        auto r = record<ovsxdp_action_push_eth>(off, size);
        act::push_eth e;
        std::memcpy(e.src.data(), r.src, 6);
        std::memcpy(e.dst.data(), r.dst, 6);
        return e;
      }
      case OVSXDP_ACTION_POP_ETH: return act::pop_eth{};
      case OVSXDP_ACTION_RECIRC: return act::recirc{record<ovsxdp_action_recirc>(off, size).recirc_id};
      case OVSXDP_ACTION_USERSPACE: {
        auto r = record<ovsxdp_action_userspace>(off, size);
        if (sizeof r + r.userdata_len > size) fail(off, "userdata runs past its record");
        // The datapath keeps at most this much; longer records cannot have come from encode_actions.
        if (r.userdata_len > OVSXDP_USERDATA_MAX)
          fail(off, "userdata of " + std::to_string(r.userdata_len) + " bytes exceeds the " +
                        std::to_string(OVSXDP_USERDATA_MAX) + "-byte limit");
        act::userspace u;
        u.pid = r.pid;
        u.userdata.assign(&bytes_[off + sizeof r], &bytes_[off + sizeof r] + r.userdata_len);
        if (r.flags & OVSXDP_USERSPACE_HAS_TUNNEL_PORT) u.tunnel_out_port = r.tunnel_out_port;
        u.attach_actions = (r.flags & OVSXDP_USERSPACE_ATTACH_ACTIONS) != 0;
        u.keep_cutlen = (r.flags & OVSXDP_USERSPACE_KEEP_CUTLEN) != 0;
        return u;
      }
      case OVSXDP_ACTION_CT_CLEAR: return act::ct_clear{};
      case OVSXDP_ACTION_CT: {
        auto r = record<ovsxdp_action_ct>(off, size);
        act::ct c;
        c.commit = (r.h.arg & OVSXDP_CT_COMMIT) != 0;
        c.force_commit = (r.h.arg & OVSXDP_CT_FORCE_COMMIT) != 0;
        if (c.commit && c.force_commit) fail(off, "ct record with both commit and force_commit");
        c.zone = r.zone;
        if (r.h.arg & OVSXDP_CT_SET_MARK) c.mark = std::pair{r.mark, r.mark_mask};
        if (r.h.arg & OVSXDP_CT_SET_LABELS) {
          c.label.emplace();
          std::memcpy(c.label->value.data(), r.labels, 16);
          std::memcpy(c.label->mask.data(), r.labels_mask, 16);
        }
        return c;
      }
      case OVSXDP_ACTION_CLONE: {
        auto r = record<ovsxdp_action_clone>(off, size);
        return act::clone{nested(off + size, h.arg, off), (r.flags & OVSXDP_NESTED_INVISIBLE) != 0};
      }
      case OVSXDP_ACTION_SAMPLE: {
        auto r = record<ovsxdp_action_sample>(off, size);
        return act::sample{r.probability, nested(off + size, h.arg, off), (r.flags & OVSXDP_NESTED_INVISIBLE) != 0};
      }
      case OVSXDP_ACTION_CHECK_PKT_LEN: {
        auto r = record<ovsxdp_action_check_pkt_len>(off, size);
        act::check_pkt_len c;
        c.max_len = r.max_len;
        c.gt = nested(off + size, r.gt_bytes, off);
        c.le = nested(off + size + r.gt_bytes, r.le_bytes, off);
        c.invisible = (r.flags & OVSXDP_NESTED_INVISIBLE) != 0;
        return c;
      }
      case OVSXDP_ACTION_METER: return act::meter{record<ovsxdp_action_meter>(off, size).meter_id};
      case OVSXDP_ACTION_PUSH_NSH: {
        const std::size_t length = h.arg;
        if (length < 8 || length % 4 || length > OVSXDP_NSH_HEADER_MAX || sizeof(ovsxdp_action_push_nsh) + length > size)
          fail(off, "push_nsh header of " + std::to_string(length) + " bytes does not fit its record or NSH");
        const std::uint8_t* p = &bytes_[off + sizeof(ovsxdp_action_push_nsh)];
        if ((p[1] & 0x3fu) * 4u != length || p[0] >> 6) fail(off, "push_nsh header with a version or length that is not its own");
        act::push_nsh n;
        n.flags = static_cast<std::uint8_t>((p[0] >> 4) & 0x3);
        n.ttl = static_cast<std::uint8_t>((p[0] & 0xf) << 2 | p[1] >> 6);
        n.mdtype = p[2];
        n.np = p[3];
        std::uint32_t path;
        std::memcpy(&path, p + 4, 4);
        n.spi = ntohl(path) >> 8;
        n.si = static_cast<std::uint8_t>(ntohl(path));
        n.metadata.assign(p + 8, p + length);
        return n;
      }
      case OVSXDP_ACTION_POP_NSH: return act::pop_nsh{};
      default: fail(off, "unknown action type " + std::to_string(h.type));
    }
  }

  std::span<const std::uint8_t> bytes_;
};

}  // namespace

std::vector<std::uint8_t> encode_actions(const action_list& actions) {
  encoder e;
  // No actions means drop (OVS prints an empty list as "drop"): store it so,
  // and the flow dumps and counts as the drop it is.
  e.list(actions.empty() ? action_list{act::drop{}} : actions);
  if (e.out.size() > OVSXDP_ACTIONS_MAX_BYTES)
    throw invalid_flow("encode actions", "", "the action list needs " + std::to_string(e.out.size()) + " bytes; the datapath holds at most " +
                                          std::to_string(OVSXDP_ACTIONS_MAX_BYTES) + " per flow",
                "split the work with recirc() over several flows");
  return e.out;
}

void encode_action_records(const action_list& actions, std::vector<std::uint8_t>& out) {
  encoder e;
  e.out = std::move(out);
  e.list(actions);
  out = std::move(e.out);
}

action_list decode_actions(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > OVSXDP_ACTIONS_MAX_BYTES)
    throw error("decode actions", "", std::to_string(bytes.size()) + " bytes of records; a datapath action list holds at most " +
                                          std::to_string(OVSXDP_ACTIONS_MAX_BYTES));
  return decoder(bytes).list(0, bytes.size());
}

namespace {
void collect_output_ports(const action_list& actions, std::vector<std::uint32_t>& out) {
  for (const auto& a : actions)
    std::visit(overloaded{
                   [&](const act::output& x) {
                     if (std::find(out.begin(), out.end(), x.port) == out.end()) out.push_back(x.port);
                   },
                   [&](const act::clone& x) { collect_output_ports(x.actions, out); },
                   [&](const act::sample& x) { collect_output_ports(x.actions, out); },
                   [&](const act::check_pkt_len& x) {
                     collect_output_ports(x.gt, out);
                     collect_output_ports(x.le, out);
                   },
                   [&](const act::dec_ttl& x) { collect_output_ports(x.le_1, out); },
                   [](const auto&) {},
               },
               a.base());
}
}  // namespace

std::vector<std::uint32_t> output_ports(const action_list& actions) {
  std::vector<std::uint32_t> out;
  collect_output_ports(actions, out);
  return out;
}

std::string action_name(const action& a) {
  return std::visit(overloaded{
                        [](const act::output&) -> std::string { return "output"; },
                        [](const act::drop&) -> std::string { return "drop"; },
                        [](const act::push_vlan&) -> std::string { return "push_vlan"; },
                        [](const act::pop_vlan&) -> std::string { return "pop_vlan"; },
                        [](const act::set_ethernet&) -> std::string { return "set(eth)"; },
                        [](const act::set_ipv4&) -> std::string { return "set(ipv4)"; },
                        [](const act::set_ipv6&) -> std::string { return "set(ipv6)"; },
                        [](const act::set_transport& x) -> std::string {
                          return x.target == OVSXDP_SET_TCP ? "set(tcp)" : x.target == OVSXDP_SET_UDP ? "set(udp)" : "set(sctp)";
                        },
                        [](const act::set_mpls&) -> std::string { return "set(mpls)"; },
                        [](const act::set_skb_mark&) -> std::string { return "set(skb_mark)"; },
                        [](const act::set_priority&) -> std::string { return "set(skb_priority)"; },
                        [](const act::dec_ttl&) -> std::string { return "dec_ttl"; },
                        [](const act::trunc&) -> std::string { return "trunc"; },
                        [](const act::hash&) -> std::string { return "hash"; },
                        [](const act::push_mpls&) -> std::string { return "push_mpls"; },
                        [](const act::pop_mpls&) -> std::string { return "pop_mpls"; },
                        [](const act::add_mpls&) -> std::string { return "add_mpls"; },
                        [](const act::push_eth&) -> std::string { return "push_eth"; },
                        [](const act::pop_eth&) -> std::string { return "pop_eth"; },
                        [](const act::recirc&) -> std::string { return "recirc"; },
                        [](const act::userspace&) -> std::string { return "userspace"; },
                        [](const act::ct_clear&) -> std::string { return "ct_clear"; },
                        [](const act::ct&) -> std::string { return "ct"; },
                        [](const act::clone&) -> std::string { return "clone"; },
                        [](const act::sample&) -> std::string { return "sample"; },
                        [](const act::check_pkt_len&) -> std::string { return "check_pkt_len"; },
                        [](const act::meter&) -> std::string { return "meter"; },
                        [](const act::set_arp&) -> std::string { return "set(arp)"; },
                        [](const act::set_nd&) -> std::string { return "set(nd)"; },
                        [](const act::set_icmp& x) -> std::string { return x.target == OVSXDP_SET_ICMPV6 ? "set(icmpv6)" : "set(icmp)"; },
                        [](const act::push_nsh&) -> std::string { return "push_nsh"; },
                        [](const act::pop_nsh&) -> std::string { return "pop_nsh"; },
                    },
                    a.base());
}

bool operator==(const action& a, const action& b) {
  if (a.index() != b.index()) return false;
  return encode_actions({a}) == encode_actions({b});
}

}  // namespace ovsxdp
