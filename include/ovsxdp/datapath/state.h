// Working state of one packet's trip through the datapath, kept in a
// per-CPU scratch map (too big for the 512-byte BPF stack) and handed to the
// BPF global functions that make up the pipeline.
#pragma once

#include "ovsxdp/abi/datapath.h"
#include "ovsxdp/flow/extract.h"

// Programs built from the pipeline; each has its own scratch slot.
enum ovsxdp_program_kind : __u32 {
  OVSXDP_PROGRAM_DATAPATH = 0,     // attached to ports: lookup, execute, transmit
  OVSXDP_PROGRAM_TRACE = 1,        // BPF_PROG_TEST_RUN: lookup, execute, record outputs
  OVSXDP_PROGRAM_EXECUTE = 2,      // BPF_PROG_TEST_RUN live frames: given actions, transmit
  OVSXDP_PROGRAM_EXECUTE_TRACE = 3,// BPF_PROG_TEST_RUN: given actions, record outputs
  OVSXDP_PROGRAM_KINDS = 4,
};

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
