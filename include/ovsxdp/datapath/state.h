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
  __u32 pad;
  __u64 nonce;        // trace/execute run id (0 for live traffic)
};
