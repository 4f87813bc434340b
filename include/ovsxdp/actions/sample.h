// sample(probability, actions) and check_pkt_len(size, gt, le): which
// nested list runs. The lists themselves run like a clone's.
#pragma once

#include "ovsxdp/actions/common.h"

namespace ovsxdp::action {

// Linux sample(): UINT32_MAX always, 0 never, else when random <= probability.
OVSXDP_INLINE bool sample_taken(u32 probability, u32 random) {
  if (probability == OVSXDP_SAMPLE_ALWAYS) return true;
  return probability != 0 && random <= probability;
}

// The random number of sample record `offset` in a fork: every copy of one
// packet draws the same one, so all copies agree on the decision.
OVSXDP_INLINE u32 fork_random(u32 seed, u32 offset) {
  u32 x = seed ^ (offset * 0x9e3779b9u);
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

}  // namespace ovsxdp::action
