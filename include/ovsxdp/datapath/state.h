// Working state of one packet's trip through the datapath, kept in a
// per-CPU scratch map (too big for the 512-byte BPF stack) and handed to the
// BPF global functions that make up the pipeline.
#pragma once

#include "ovsxdp/abi/datapath.h"
#include "ovsxdp/flow/extract.h"

struct ovsxdp_exec_state {
  struct ovsxdp_flow_key key;
  struct ovsxdp_packet_layout layout;
  __u32 in_port;
  __u32 cutlen;       // bytes a trunc action cuts at the next output
  __u32 recirc_id;    // set by a recirc action
  __u32 drop_reason;  // counter of the failure that ended the pass
  __u32 sequence;     // trace events emitted in this run
  __u32 set_slot;     // action set being run (OVSXDP_NO_SET: an execute request's own list)
  __u32 pass;         // pipeline passes before this one (recirculations so far)
  __u32 pad;
  __u64 nonce;        // trace/execute run id (0 for live traffic)
};

// What every copy of a forked packet starts from, per CPU: the fork writes
// it, the copies' egress programs (run later, at the devmap flush on the same
// CPU) read it. Decisions that must be the same for every copy live here too.
struct ovsxdp_copy_context {
  struct ovsxdp_exec_state state;  // at the fork
  __u32 sequence;                  // the fork's; a copy whose metadata disagrees was overwritten
  __u32 seed;                      // sample decisions
  __u64 meters_decided[OVSXDP_ACTIONS_MAX_BYTES / 4 / 64];  // by meter record offset / 4
  __u64 meters_passed[OVSXDP_ACTIONS_MAX_BYTES / 4 / 64];
  __u64 copies_taken[OVSXDP_ACTIONS_MAX_BYTES / 4 / 64];   // by copy index: repeats to one interface
  __u8 frame_head[8];                                      // the bytes the copies' frame tag took the place of
};

#ifdef __cplusplus
static_assert(OVSXDP_ACTIONS_MAX_BYTES / 4 / 64 == 8 && OVSXDP_FORK_MAX_COPIES <= 8 * 64);
#endif
