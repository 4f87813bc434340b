// Meters: OVS meter semantics with one drop band, kept in a BPF map whose
// entries the datapath updates under their spin locks.
#include <time.h>

#include <algorithm>

#include "datapath/datapath_impl.hpp"

namespace ovsxdp {

using namespace datapath_detail;

// ---------------------------------------------------------------- meters
namespace {

std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns's clock
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

meter_entry entry_of(const ovsxdp_meter& m, std::uint32_t id) {
  meter_entry e;
  e.config.id = id;
  e.config.pktps = (m.flags & OVSXDP_METER_PKTPS) != 0;
  e.config.rate = m.rate;
  if (m.flags & OVSXDP_METER_BURST) e.config.burst = m.burst;
  e.config.stats = (m.flags & OVSXDP_METER_STATS) != 0;
  e.stats = {m.packets, m.bytes, m.band_packets, m.band_bytes, monotonic_ns() - std::min<std::uint64_t>(monotonic_ns(), m.created_ns)};
  return e;
}

}  // namespace

void datapath::set_meter(const meter_config& c) {
  auto& p = *impl_;
  const std::string what = "meter " + std::to_string(c.id);
  if (c.id >= p.info().max_meters)
    throw error("set " + what + " in datapath", p.name, "meter ids are 0.." + std::to_string(p.info().max_meters - 1),
                "create the datapath with a larger max_meters");
  if (c.rate == 0) throw error("set " + what + " in datapath", p.name, "the rate must be at least 1 " + std::string(c.pktps ? "packet/s" : "kbit/s"));
  const std::uint32_t burst = c.burst.value_or(c.rate);
  if (burst == 0) throw error("set " + what + " in datapath", p.name, "the burst size must be at least 1");
  ovsxdp_meter m{};
  m.flags = (c.pktps ? OVSXDP_METER_PKTPS : OVSXDP_METER_KBPS) | (c.burst ? OVSXDP_METER_BURST : 0) | (c.stats ? OVSXDP_METER_STATS : 0);
  m.rate = c.rate;
  m.burst = burst;
  // Bucket units: kbit * 10^9 (bits * 10^6) or packets * 10^9.
  m.max_bucket = static_cast<std::uint64_t>(burst) * 1000000000ULL;
  m.bucket = m.max_bucket;
  m.last_ns = m.created_ns = monotonic_ns();
  impl::write_scope write(p);
  p.map("meters").update(c.id, m, BPF_F_LOCK);
  p.bump_generation();
}

bool datapath::delete_meter(std::uint32_t id) {
  auto& p = *impl_;
  if (id >= p.info().max_meters) return false;
  impl::write_scope write(p);
  ovsxdp_meter m{};
  if (!p.map("meters").lookup(id, m) || !m.flags) return false;
  const ovsxdp_meter none{};
  p.map("meters").update(id, none, BPF_F_LOCK);
  p.bump_generation();
  return true;
}

std::optional<meter_entry> datapath::get_meter(std::uint32_t id) const {
  const auto& p = *impl_;
  if (id >= p.info().max_meters) return std::nullopt;
  ovsxdp_meter m{};
  if (bpf_map_lookup_elem_flags(p.map("meters").fd(), &id, &m, BPF_F_LOCK) != 0 || !m.flags) return std::nullopt;
  return entry_of(m, id);
}

std::vector<meter_entry> datapath::dump_meters() const {
  std::vector<meter_entry> out;
  for (std::uint32_t id = 0; id < impl_->info().max_meters; id++)
    if (auto e = get_meter(id)) out.push_back(*e);
  return out;
}

}  // namespace ovsxdp
