// Meters: features, set, get, del (one drop band, OVS semantics).
#include <cerrno>

#include "capi/errors.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"

namespace ovsxdp::capi {
namespace {

constexpr unsigned kMeterFlags = OVSXDP_METER_KBPS | OVSXDP_METER_PKTPS | OVSXDP_METER_BURST | OVSXDP_METER_STATS;

ovsxdp_meter_stats to_c(const meter_stats& s) {
  ovsxdp_meter_stats out{};
  out.packets = s.packets;
  out.bytes = s.bytes;
  out.band_packets = s.band_packets;
  out.band_bytes = s.band_bytes;
  out.duration_sec = static_cast<std::uint32_t>(s.age_ns / 1000000000ULL);
  return out;
}

meter_entry existing_meter(datapath& d, std::uint32_t id) {
  std::optional<meter_entry> m;
  if (id < d.info().max_meters) m = d.get_meter(id);
  if (!m) fail(ENOENT, "datapath " + d.name() + " has no meter " + std::to_string(id));
  return *m;
}

}  // namespace
}  // namespace ovsxdp::capi

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" void ovsxdp_meter_get_features(ovsxdp_dp* dp, ovsxdp_meter_features* features) {
  guarded("ovsxdp_meter_get_features", [&] {
    require(features, "features");
    *features = {};
    datapath& d = datapath_of(dp);
    features->max_meters = d.info().max_meters;
    features->max_bands = 1;  // one drop band per meter
    features->kbps = features->pktps = features->burst = features->stats = true;
  });
}

extern "C" int ovsxdp_meter_set(ovsxdp_dp* dp, uint32_t id, unsigned flags, uint32_t rate, uint32_t burst) {
  return guarded("ovsxdp_meter_set", [&] {
    datapath& d = datapath_of(dp);
    const std::string meter = "meter " + std::to_string(id);
    if (flags & ~kMeterFlags)
      fail(EINVAL, meter + ": flags " + std::to_string(flags) + " have bits ovsxdp meters lack (" + std::to_string(flags & ~kMeterFlags) +
                       "): use OVSXDP_METER_KBPS or _PKTPS, with _BURST and _STATS");
    const bool kbps = flags & OVSXDP_METER_KBPS, pktps = flags & OVSXDP_METER_PKTPS;
    if (kbps == pktps) fail(EINVAL, meter + ": give exactly one of OVSXDP_METER_KBPS and OVSXDP_METER_PKTPS");
    if (!rate) fail(EINVAL, meter + ": the rate is 0; a drop band needs at least 1 " + (pktps ? "packet/s" : "kbit/s"));
    if (id >= d.info().max_meters)
      fail(EFBIG, meter + ": datapath " + d.name() + " has meters 0.." + std::to_string(d.info().max_meters - 1) +
                      " (ovsxdp_meter_get_features: max_meters)");
    meter_config c;
    c.id = id;
    c.pktps = pktps;
    c.rate = rate;
    if ((flags & OVSXDP_METER_BURST) && burst) c.burst = burst;
    c.stats = (flags & OVSXDP_METER_STATS) != 0;
    d.set_meter(c);
  });
}

extern "C" int ovsxdp_meter_get(ovsxdp_dp* dp, uint32_t id, ovsxdp_meter_stats* stats) {
  return guarded("ovsxdp_meter_get", [&] {
    datapath& d = datapath_of(dp);
    require(stats, "stats");
    *stats = to_c(existing_meter(d, id).stats);
  });
}

extern "C" int ovsxdp_meter_del(ovsxdp_dp* dp, uint32_t id, ovsxdp_meter_stats* stats) {
  return guarded("ovsxdp_meter_del", [&] {
    datapath& d = datapath_of(dp);
    const meter_entry m = existing_meter(d, id);
    if (!d.delete_meter(id)) fail(ENOENT, "datapath " + d.name() + " has no meter " + std::to_string(id));
    if (stats) *stats = to_c(m.stats);
  });
}
