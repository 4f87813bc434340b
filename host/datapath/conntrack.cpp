// The conntrack table seen from the host: dump and flush over the pinned
// LRU hash the datapath's ct() action fills (include/ovsxdp/datapath/conntrack.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "datapath/datapath_impl.hpp"
#include "ovsxdp/conntrack/packet.h"

namespace ovsxdp {

namespace {

// bpf_ktime_get_coarse_ns's clock: the one the entries' expiry is in.
std::uint64_t coarse_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Calls visit(tuple, entry) for every stored connection. Keys are collected
// first: deleting while walking with get_next_key restarts the walk.
template <class Visit>
void walk(const map_handle& table, Visit&& visit) {
  std::vector<ovsxdp_ct_tuple> keys;
  ovsxdp_ct_tuple key{}, next{};
  const ovsxdp_ct_tuple* previous = nullptr;
  while (bpf_map_get_next_key(table.fd(), previous, &next) == 0) {
    keys.push_back(next);
    key = next;
    previous = &key;
  }
  if (errno != ENOENT) throw system_error("walk map", table.name(), errno);
  for (const auto& k : keys) {
    ovsxdp_ct_entry e{};
    if (table.lookup(k, e)) visit(k, e);  // gone meanwhile: skipped
  }
}

bool is_icmp(std::uint8_t proto) { return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6; }

// The query type an ICMP connection is keyed by, from either end's type;
// std::nullopt for a type conntrack does not track.
std::optional<std::uint8_t> icmp_query_type(std::uint8_t proto, std::uint8_t type) {
  if (proto == IPPROTO_ICMPV6) {
    if (type == 128 || type == 129) return 128;
    return std::nullopt;
  }
  if (conntrack::detail::icmp4_reply_of(type) != 0xff) return type;
  const std::uint8_t request = conntrack::detail::icmp4_request_of(type);
  if (request != 0xff) return request;
  return std::nullopt;
}

// The answer to an ICMP query type.
std::uint8_t icmp_answer_type(std::uint8_t proto, std::uint8_t request) {
  if (proto == IPPROTO_ICMPV6) return request == 128 ? 129 : request;
  const std::uint8_t reply = conntrack::detail::icmp4_reply_of(request);
  return reply == 0xff ? request : reply;
}

conntrack_tuple describe(const ovsxdp_ct_tuple& t, const ovsxdp_ct_entry& e, bool reply_direction) {
  conntrack_tuple out;
  out.family = t.family;
  out.proto = t.proto;
  std::memcpy(out.src, t.src, sizeof out.src);
  std::memcpy(out.dst, t.dst, sizeof out.dst);
  if (is_icmp(t.proto)) {
    // Both directions are keyed by the identifier and the query's type (conntrack/packet.h).
    const auto request = static_cast<std::uint8_t>(ntohs(t.dst_port));
    out.icmp_id = ntohs(t.src_port);
    out.icmp_type = reply_direction ? icmp_answer_type(t.proto, request) : request;
    out.icmp_code = static_cast<std::uint8_t>(ntohs(e.orig_tp_dst) & 0xff);
  } else {
    out.src_port = ntohs(t.src_port);
    out.dst_port = ntohs(t.dst_port);
  }
  return out;
}

ovsxdp_ct_tuple table_key(std::uint16_t zone, const conntrack_tuple& t) {
  if (t.family != OVSXDP_CT_IPV4 && t.family != OVSXDP_CT_IPV6)
    throw std::invalid_argument("conntrack tuple: family " + std::to_string(t.family) + " is neither 4 (IPv4) nor 6 (IPv6)");
  ovsxdp_ct_tuple k{};
  k.family = t.family;
  k.proto = t.proto;
  k.zone = zone;
  std::memcpy(k.src, t.src, t.family == OVSXDP_CT_IPV4 ? 4 : 16);
  std::memcpy(k.dst, t.dst, t.family == OVSXDP_CT_IPV4 ? 4 : 16);
  if (is_icmp(t.proto)) {
    const auto request = icmp_query_type(t.proto, t.icmp_type);
    if (!request)
      throw std::invalid_argument("conntrack tuple: ICMP type " + std::to_string(t.icmp_type) +
                                  " is no query or answer conntrack tracks (echo, timestamp, information)");
    k.src_port = htons(t.icmp_id);
    k.dst_port = htons(*request);
  } else if (t.proto == IPPROTO_TCP || t.proto == IPPROTO_UDP) {
    k.src_port = htons(t.src_port);
    k.dst_port = htons(t.dst_port);
  }  // other protocols are tracked by addresses alone (conntrack/packet.h)
  return k;
}

}  // namespace

std::uint64_t conntrack_start_realtime_ns(const conntrack_entry& entry) {
  timespec real;
  clock_gettime(CLOCK_REALTIME, &real);
  const std::uint64_t real_ns = static_cast<std::uint64_t>(real.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(real.tv_nsec);
  const std::uint64_t mono_ns = coarse_now_ns();
  const std::uint64_t age_ns = mono_ns - std::min<std::uint64_t>(mono_ns, entry.state.created_ns);
  return real_ns - std::min(real_ns, age_ns);
}

conntrack_tuple original_tuple(const conntrack_entry& entry) { return describe(entry.original, entry.state, false); }
conntrack_tuple reply_tuple(const conntrack_entry& entry) { return describe(entry.reply, entry.state, true); }

std::vector<conntrack_entry> datapath::dump_conntrack(std::optional<std::uint16_t> zone) const {
  const auto& table = impl_->map("conntrack");
  std::vector<conntrack_entry> out;
  const std::uint64_t now = coarse_now_ns();
  walk(table, [&](const ovsxdp_ct_tuple& t, const ovsxdp_ct_entry& e) {
    if (zone && t.zone != *zone) return;
    if (now > e.expires_ns) return;
    conntrack_entry c;
    c.original = t;
    conntrack::reverse_tuple(t, c.reply);
    c.state = e;
    c.expires_in_ns = e.expires_ns - now;
    out.push_back(c);
  });
  return out;
}

std::size_t datapath::flush_conntrack(std::optional<std::uint16_t> zone) {
  auto& p = *impl_;
  impl::write_scope write(p);
  const auto& table = p.map("conntrack");
  std::size_t removed = 0;
  walk(table, [&](const ovsxdp_ct_tuple& t, const ovsxdp_ct_entry&) {
    if (zone && t.zone != *zone) return;
    if (table.erase(t)) removed++;
  });
  return removed;
}

bool datapath::flush_conntrack(std::uint16_t zone, const conntrack_tuple& tuple) {
  const ovsxdp_ct_tuple as_original = table_key(zone, tuple);
  ovsxdp_ct_tuple as_reply{};
  conntrack::reverse_tuple(as_original, as_reply);
  auto& p = *impl_;
  impl::write_scope write(p);
  const auto& table = p.map("conntrack");
  return table.erase(as_original) || table.erase(as_reply);
}

std::uint32_t datapath::max_conns() const { return impl_->info().max_conns; }

}  // namespace ovsxdp
