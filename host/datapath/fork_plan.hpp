// Where an action list needs copies, and what each copy runs.
//
// OVS semantics: in `A1,output:1,A2,output:2` port 1 gets the packet after
// A1 and port 2 after A1+A2; clone, sample and (non-final) check_pkt_len run
// their nested lists on a copy. XDP sends a frame once, so the planner cuts
// the list at the first action that would need a copy (a fork): what comes
// before runs on the packet in place; at the fork the packet is broadcast to
// one devmap entry per emission, and each copy runs its own short plan of
// steps, offsets of records in the encoded list (include/ovsxdp/datapath/fork.h).
//
// A copy's plan is its path through the list: the modifications before its
// emission (other copies' outputs and the pending truncs they spent left
// out, clone bodies it is not in skipped), guards for the branches it is in
// (sample draw, check_pkt_len side, dec_ttl outcome, meter verdict), then its
// output, its userspace() upcall for an upcall-only copy, or its recirc for
// a copy that recirculates (through the loop device). push_vlan
// directly followed by pop_vlan cancels, and a set overwritten by the next
// set of the same header is dropped, so flooding with per-port tags costs
// each copy O(1), not O(ports).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "datapath/actions.hpp"
#include "ovsxdp/abi/datapath.h"

namespace ovsxdp {

// The port number a recirculating copy's plan names: it leaves through the
// datapath's loop device, which has no port number of its own.
inline constexpr std::uint32_t kLoopPort = OVSXDP_NO_PORT;

struct copy_plan {
  std::vector<std::uint16_t> steps;  // OVSXDP_STEP_* words
  std::uint32_t port = 0;            // where it leaves (an upcall-only copy: the port it rides on; kLoopPort)
  bool carrier = false;              // emits a userspace() upcall only
  bool recirculates = false;         // ends in recirc: leaves through the loop device into its next pass
};

struct planned_actions {
  std::vector<std::uint8_t> bytes;           // the ABI list, with a fork record where copies start
  std::optional<std::uint32_t> fork_offset;  // of the fork record
  std::vector<copy_plan> copies;             // in emission order
};

// Plans `actions` (already validated). Throws invalid_flow for what this
// datapath cannot do: a copy that needs more than OVSXDP_COPY_MAX_STEPS steps, more than
// OVSXDP_FORK_MAX_COPIES copies, more than OVSXDP_COPY_MAX_REPEATS copies to
// one port, upcall-only copies in a list without any output.
planned_actions plan_actions(const action_list& actions);

// Byte offset of the top-level fork record of an encoded list, if it has one.
std::optional<std::size_t> fork_record_offset(const std::vector<std::uint8_t>& bytes);

// The copies of an encoded list with a fork record (none without one).
std::vector<copy_plan> plan_copies(const std::vector<std::uint8_t>& bytes);

}  // namespace ovsxdp
