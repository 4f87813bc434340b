// Conntrack: dump, flush (all, a zone, one connection by tuple), capacity
// and count, for the provider's ct_dump_*, ct_flush, ct_get_maxconns and
// ct_get_nconns.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "capi/errors.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"

namespace ovsxdp::capi {
namespace {

ovsxdp_ct_conn_tuple to_c(const conntrack_tuple& t) {
  ovsxdp_ct_conn_tuple out{};
  out.family = t.family;
  out.proto = t.proto;
  std::memcpy(out.src, t.src, sizeof out.src);
  std::memcpy(out.dst, t.dst, sizeof out.dst);
  out.src_port = htons(t.src_port);
  out.dst_port = htons(t.dst_port);
  out.icmp_id = htons(t.icmp_id);
  out.icmp_type = t.icmp_type;
  out.icmp_code = t.icmp_code;
  return out;
}

conntrack_tuple from_c(const ovsxdp_ct_conn_tuple& t) {
  if (t.family != OVSXDP_CT_IPV4 && t.family != OVSXDP_CT_IPV6)
    fail(EINVAL, "tuple: family " + std::to_string(t.family) + " is neither 4 (IPv4) nor 6 (IPv6)");
  conntrack_tuple out;
  out.family = t.family;
  out.proto = t.proto;
  std::memcpy(out.src, t.src, sizeof out.src);
  std::memcpy(out.dst, t.dst, sizeof out.dst);
  out.src_port = ntohs(t.src_port);
  out.dst_port = ntohs(t.dst_port);
  out.icmp_id = ntohs(t.icmp_id);
  out.icmp_type = t.icmp_type;
  out.icmp_code = t.icmp_code;
  return out;
}

ovsxdp_ct_conn to_c(const conntrack_entry& e) {
  ovsxdp_ct_conn out{};
  out.orig = to_c(original_tuple(e));
  out.reply = to_c(reply_tuple(e));
  out.zone = e.original.zone;
  out.mark = e.state.mark;
  std::memcpy(out.labels, e.state.labels, sizeof out.labels);
  out.packets_orig = e.state.packets[0];
  out.bytes_orig = e.state.bytes[0];
  out.packets_reply = e.state.packets[1];
  out.bytes_reply = e.state.bytes[1];
  out.start_ns = conntrack_start_realtime_ns(e);
  out.timeout_sec = static_cast<std::uint32_t>(e.expires_in_ns / 1000000000ULL);
  if (e.original.proto == IPPROTO_TCP) {
    out.tcp_state_orig = e.state.tcp[0].state;
    out.tcp_state_reply = e.state.tcp[1].state;
    out.tcp_wscale_orig = e.state.tcp[0].wscale & OVSXDP_CT_WSCALE_MASK;
    out.tcp_wscale_reply = e.state.tcp[1].wscale & OVSXDP_CT_WSCALE_MASK;
  }
  return out;
}

std::optional<std::uint16_t> zone_of(const uint16_t* zone) {
  if (!zone) return std::nullopt;
  return *zone;
}

}  // namespace
}  // namespace ovsxdp::capi

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" int ovsxdp_ct_dump(ovsxdp_dp* dp, const uint16_t* zone, ovsxdp_ct_conn** conns, size_t* n_conns) {
  return guarded("ovsxdp_ct_dump", [&] {
    datapath& d = datapath_of(dp);
    require(conns, "conns");
    require(n_conns, "n_conns");
    *conns = nullptr;
    *n_conns = 0;
    const std::vector<conntrack_entry> all = d.dump_conntrack(zone_of(zone));
    auto* out = static_cast<ovsxdp_ct_conn*>(std::malloc(std::max<std::size_t>(all.size(), 1) * sizeof(ovsxdp_ct_conn)));
    if (!out) throw std::bad_alloc();
    for (std::size_t i = 0; i < all.size(); i++) out[i] = to_c(all[i]);
    *conns = out;
    *n_conns = all.size();
  });
}

extern "C" int ovsxdp_ct_flush(ovsxdp_dp* dp, const uint16_t* zone, const ovsxdp_ct_conn_tuple* tuple) {
  return guarded("ovsxdp_ct_flush", [&] {
    datapath& d = datapath_of(dp);
    if (!tuple) {
      d.flush_conntrack(zone_of(zone));
      return;
    }
    const std::uint16_t z = zone ? *zone : 0;
    bool removed = false;
    try {
      removed = d.flush_conntrack(z, from_c(*tuple));
    } catch (const std::invalid_argument& e) {
      fail(EINVAL, e.what());
    }
    if (!removed)
      fail(ENOENT, "datapath " + d.name() + " has no connection in zone " + std::to_string(z) +
                       " with this tuple as its original or reply direction (give the tuple before NAT)");
  });
}

extern "C" int ovsxdp_ct_get_maxconns(ovsxdp_dp* dp, uint32_t* maxconns) {
  return guarded("ovsxdp_ct_get_maxconns", [&] {
    datapath& d = datapath_of(dp);
    require(maxconns, "maxconns");
    *maxconns = d.max_conns();
  });
}

extern "C" int ovsxdp_ct_get_nconns(ovsxdp_dp* dp, uint32_t* nconns) {
  return guarded("ovsxdp_ct_get_nconns", [&] {
    datapath& d = datapath_of(dp);
    require(nconns, "nconns");
    *nconns = static_cast<std::uint32_t>(d.dump_conntrack().size());
  });
}
