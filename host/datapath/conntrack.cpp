// The conntrack table seen from the host: dump and flush over the pinned
// LRU hash the datapath's ct() action fills (include/ovsxdp/datapath/conntrack.h).
#include <time.h>

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

}  // namespace

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

std::uint32_t datapath::max_conns() const { return impl_->info().max_conns; }

}  // namespace ovsxdp
