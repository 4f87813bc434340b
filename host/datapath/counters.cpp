// The datapath's counters (per CPU, summed here) and their names.
#include <iterator>

#include "datapath/datapath_impl.hpp"
#include "runtime/environment.hpp"

namespace ovsxdp {

using namespace datapath_detail;

double datapath_counters::masks_per_hit() const {
  return values[OVSXDP_C_HIT] ? static_cast<double>(values[OVSXDP_C_MASK_PROBES]) / static_cast<double>(values[OVSXDP_C_HIT]) : 0.0;
}

double datapath_counters::cache_hit_rate() const {
  const std::uint64_t total = values[OVSXDP_C_CACHE_HIT] + values[OVSXDP_C_CACHE_MISS];
  return total ? static_cast<double>(values[OVSXDP_C_CACHE_HIT]) / static_cast<double>(total) : 0.0;
}

const char* counter_name(ovsxdp_counter counter) {
  static constexpr const char* names[] = {
      "hit", "missed", "lost", "mask_probes", "cache_hit", "cache_miss", "miss_dropped", "miss_passed",
      "drop_malformed", "drop_recursion", "drop_action", "drop_explicit", "drop_no_output", "drop_no_port",
      "drop_l3_on_ethernet", "drop_ttl", "drop_internal", "unknown_ingress", "upcall_action", "output", "recirculated", "executed",
      "execute_no_request", "forked", "copy_skipped", "copy_lost", "drop_meter", "drop_fork", "drop_fork_jumbo", "recirc_lost",
      "loop_foreign", "drop_deferred", "tx_drop_mtu", "tx_drop_down", "tx_drop_refused", "tx_drop_other", "vlan_from_metadata",
      "ct_tracked", "ct_invalid", "ct_committed", "ct_commit_race", "ct_expired", "ct_untrackable", "ct_related"};
  static_assert(std::size(names) == OVSXDP_COUNTER_MAX, "a name for every counter, in enum order");
  return counter < OVSXDP_COUNTER_MAX ? names[counter] : "unknown";
}
// ---------------------------------------------------------------- counters
datapath_counters datapath::counters() const {
  datapath_counters out;
  const int cpus = possible_cpus();
  for (std::uint32_t c = 0; c < OVSXDP_COUNTER_MAX; c++)
    for (std::uint64_t v : impl_->map("counters").lookup_percpu<std::uint64_t>(c, cpus)) out.values[c] += v;
  return out;
}

}  // namespace ovsxdp
