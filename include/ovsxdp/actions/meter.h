// meter(id) (Linux ovs_meter_execute): a token bucket with one drop band.
// Tokens are kept in nano-units so that refills are exact at nanosecond
// resolution (Linux refills per millisecond): rate kbit/s times ns gives
// bits * 10^6, rate packets/s times ns gives packets * 10^9. The bucket is
// read, refilled and charged under the meter's spin lock, so CPUs never
// spend the same tokens twice.
#pragma once

#include "ovsxdp/abi/datapath.h"
#include "ovsxdp/actions/common.h"

namespace ovsxdp::action {

// The cost of one packet of `bytes` in bucket units.
OVSXDP_INLINE u64 meter_cost(const ovsxdp_meter& m, u32 bytes) {
  return (m.flags & OVSXDP_METER_KBPS) ? static_cast<u64>(bytes) * 8u * 1000000u : 1000000000ull;
}

// True when the packet is within the rate. `charge` false answers the same
// question without spending tokens or counting (trace runs).
OVSXDP_INLINE bool meter_admit(ovsxdp_meter& m, u64 now, u32 bytes, bool charge) {
  const u64 cost = meter_cost(m, bytes);
  const u64 rate = m.rate;
  bpf_spin_lock(&m.lock);
  u64 bucket = m.bucket;
  const u64 max_bucket = m.max_bucket;
  if (bucket > max_bucket) bucket = max_bucket;
  if (now > m.last_ns) {
    const u64 elapsed = now - m.last_ns;
    const u64 room = max_bucket - bucket;
    // elapsed * rate, but never past a full bucket (and never overflowing).
    const u64 refill = rate && elapsed > room / rate ? room : elapsed * rate;
    bucket += refill;
    if (charge) m.last_ns = now;
  }
  const bool pass = bucket >= cost;
  if (charge) {
    if (pass) bucket -= cost;
    m.bucket = bucket;
    m.packets++;
    m.bytes += bytes;
    if (!pass) {
      m.band_packets++;
      m.band_bytes += bytes;
    }
  }
  bpf_spin_unlock(&m.lock);
  return pass;
}

}  // namespace ovsxdp::action
