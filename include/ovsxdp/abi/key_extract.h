// ABI of the key-extractor program (bpf-src/key_extract.bpf.cpp) that
// `ovsxdp-dpctl parse-pcap` and the tests run through BPF_PROG_TEST_RUN.
#pragma once

#include "ovsxdp/abi/flow_key.h"

/* Written by the program after each run; read by the host from .bss. */
struct ovsxdp_extract_result {
  struct ovsxdp_flow_key key;
  __u32 status;   /* ovsxdp::flow::extract_status */
  __u32 runs;     /* incremented per run, so the host can tell a stale result */
};

#ifdef __cplusplus
static_assert(sizeof(ovsxdp_extract_result) == 280);
static_assert(__has_unique_object_representations(ovsxdp_extract_result));
#endif
