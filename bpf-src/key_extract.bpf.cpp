// The flow-key extractor alone: runs the same extraction code as the datapath
// on one frame and leaves the key in .bss. Used by `ovsxdp-dpctl parse-pcap`
// and by the tests, through BPF_PROG_TEST_RUN.
#include "ovsxdp/abi/key_extract.h"
#include "ovsxdp/bpf/program.h"
#include "ovsxdp/flow/extract.h"

// Set by the host before a run.
__u32 extract_in_port;
ovsxdp_extract_result extract_result;

extern "C" SEC("xdp") int ovsxdp_key_extract(xdp_md* ctx) {
  ovsxdp_flow_key& key = extract_result.key;
  ovsxdp::zero(key);
  key.in_port = extract_in_port;
  extract_result.status = static_cast<__u32>(ovsxdp::flow::extract(ctx, key));
  extract_result.runs++;
  return XDP_PASS;
}

OVSXDP_LICENSE;
