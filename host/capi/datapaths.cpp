// Datapaths: open (create or adopt), close, destroy, enumerate, statistics.
#include <cerrno>
#include <cstdlib>

#include "capi/errors.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"
#include "runtime/environment.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::capi {

datapath& datapath_of(ovsxdp_dp* handle) {
  require(handle, "dp");
  if (!handle->dp)
    fail(ENODEV, "datapath '" + handle->name + "' was destroyed through this handle: only ovsxdp_dp_close may use it now");
  return *handle->dp;
}

namespace {

// Where datapaths live: the library's defaults, or OVSXDP_BPFFS and
// OVSXDP_RUN_DIR when set (tests, and a daemon run in a sandbox of its own).
datapath_location location() {
  datapath_location where;
  if (const char* bpffs = std::getenv("OVSXDP_BPFFS"); bpffs && *bpffs) where.bpffs = bpffs;
  if (const char* run = std::getenv("OVSXDP_RUN_DIR"); run && *run) where.run_dir = run;
  return where;
}

// The datapath's own rule (datapath.cpp), checked here so that a bad name
// is EINVAL rather than whatever creating it would fail with.
void check_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 15;
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  if (!ok) fail(EINVAL, "datapath name '" + name + "' is invalid: names are 1 to 15 characters of letters, digits, '_' and '-'");
}

datapath_options creation_options(const std::string& name, const ovsxdp_dp_config* config, const datapath_location& where) {
  datapath_options o;
  o.name = name;
  o.bpffs = where.bpffs;
  o.run_dir = where.run_dir;
  if (config) {
    if (config->max_flows) o.max_flows = config->max_flows;
    if (config->max_ports) o.max_ports = config->max_ports;
    if (config->max_meters) o.max_meters = config->max_meters;
    // The datapath sends every miss to its upcall channels; what a miss
    // becomes after that is its miss policy: dropped, as the slow path
    // executes the packet itself.
    if (!config->upcall_misses)
      fail(EINVAL, "creating datapath '" + name + "' with upcall_misses false: ovsxdp always sends misses to its upcall "
                   "channels (unread, they are lost and counted as n_lost); set upcall_misses");
  }
  o.miss_policy = OVSXDP_MISS_DROP;
  return o;
}

}  // namespace
}  // namespace ovsxdp::capi

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" int ovsxdp_dp_open(const char* name, bool create, const ovsxdp_dp_config* config, ovsxdp_dp** dp, bool* created) {
  return guarded("ovsxdp_dp_open", [&] {
    require(dp, "dp");
    *dp = nullptr;
    require(name, "name");
    const std::string n = name;
    check_name(n);
    const datapath_location where = location();
    bool made = false;
    std::optional<datapath> d;
    if (datapath::exists(n, where)) {
      d.emplace(datapath::open(n, where));
    } else if (!create) {
      fail(ENOENT, "datapath '" + n + "' does not exist (no pins in " + where.bpffs + "/ovsxdp): open it with create to make it");
    } else {
      ensure_bpffs(where.bpffs);
      const datapath_options options = creation_options(n, config, where);
      try {
        d.emplace(datapath::create(options));
        made = true;
      } catch (const error&) {
        if (!datapath::exists(n, where)) throw;
        d.emplace(datapath::open(n, where));  // another process created it meanwhile: adopt it
      }
    }
    *dp = new ovsxdp_dp(std::move(*d));
    if (created) *created = made;
  });
}

extern "C" void ovsxdp_dp_close(ovsxdp_dp* dp) { delete dp; }

extern "C" int ovsxdp_dp_destroy(ovsxdp_dp* dp) {
  return guarded("ovsxdp_dp_destroy", [&] {
    datapath& d = datapath_of(dp);
    const std::string name = d.name();
    const datapath_location where = location();
    // The handle's descriptors go first: the pins are what destroy removes,
    // and nothing of the datapath should outlive the call.
    {
      std::unique_lock lock(dp->channels_lock);
      dp->channels.clear();
    }
    dp->dp.reset();
    const std::string unrestored = datapath::destroy(name, where);
    if (!unrestored.empty())
      fail(EIO, "datapath '" + name + "' was removed, but some ports' offload settings could not be restored: " + unrestored);
  });
}

extern "C" int ovsxdp_dp_enumerate(void (*cb)(const char* name, void* aux), void* aux) {
  return guarded("ovsxdp_dp_enumerate", [&] {
    if (!cb) fail(EINVAL, "argument cb is NULL: pass the function to call with each name");
    const datapath_location where = location();
    if (!is_bpffs(where.bpffs)) return;  // no bpffs: no datapath can exist
    for (const std::string& name : datapath::list(where)) cb(name.c_str(), aux);
  });
}

extern "C" int ovsxdp_dp_get_stats(ovsxdp_dp* dp, ovsxdp_dp_stats* stats) {
  return guarded("ovsxdp_dp_get_stats", [&] {
    datapath& d = datapath_of(dp);
    require(stats, "stats");
    const datapath_counters c = d.counters();
    *stats = {};
    stats->n_hit = c[OVSXDP_C_HIT];
    stats->n_missed = c[OVSXDP_C_MISSED];
    stats->n_lost = c[OVSXDP_C_LOST];
    stats->n_flows = d.flow_count();
    stats->n_mask_hit = c[OVSXDP_C_MASK_PROBES];
    stats->n_masks = static_cast<std::uint32_t>(d.mask_count());
    stats->n_cache_hit = c[OVSXDP_C_CACHE_HIT];
  });
}
