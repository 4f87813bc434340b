// The ovsxdp datapath: the programs composed from one pipeline.
//   ovsxdp_datapath       attached to every port: lookup, execute, transmit
//   ovsxdp_datapath_vlan_md  the same, for a port whose VLAN tags can arrive as
//                         RX metadata: an instance per port, bound to its device
//   ovsxdp_trace          BPF_PROG_TEST_RUN: the same, outputs recorded
//   ovsxdp_execute        BPF_PROG_TEST_RUN live frames: given actions, transmit
//   ovsxdp_execute_trace  BPF_PROG_TEST_RUN: given actions, outputs recorded
//   ovsxdp_copy           devmap egress program: one copy of a forked packet
#include "ovsxdp/datapath/pipeline.h"
#include "ovsxdp/datapath/vlan_metadata.h"

using namespace ovsxdp;

extern "C" SEC("xdp.frags") int ovsxdp_datapath(xdp_md* ctx) { return dp::port_packet<dp::live_sink>(ctx); }

// Calls a metadata kfunc, which the verifier allows only in a program loaded
// for one device (prog_ifindex, BPF_F_XDP_DEV_BOUND_ONLY): "?" keeps it out
// of the datapath's own load; add_port loads it per port.
extern "C" SEC("?xdp.frags") int ovsxdp_datapath_vlan_md(xdp_md* ctx) { return dp::port_packet_vlan_md<dp::live_sink>(ctx); }

extern "C" SEC("xdp.frags") int ovsxdp_trace(xdp_md* ctx) {
  ovsxdp_xdp_meta meta;
  if (!dp::take_metadata(ctx, meta)) return XDP_ABORTED;
  ovsxdp_exec_state* st = dp::begin_packet(OVSXDP_PROGRAM_TRACE, meta.in_port, meta.nonce);
  if (!st) return dp::drop_internal();
  return dp::run_trace(ctx, st, nullptr);
}

namespace {
// The execute programs: the request the host's metadata names.
template <class Sink>
OVSXDP_INLINE int execute_request(xdp_md* ctx, u32 kind) {
  ovsxdp_xdp_meta meta;
  if (!dp::take_metadata(ctx, meta)) return XDP_ABORTED;
  ovsxdp_exec_state* st = dp::begin_packet(kind, meta.in_port, meta.nonce);
  if (!st) return dp::drop_internal();
  ovsxdp_execute_request* request = nullptr;
  const ovsxdp_action_set* actions = dp::begin_request(st, request);
  if (!actions) return XDP_DROP;
  int verdict;
  if constexpr (__is_same(Sink, dp::trace_sink)) verdict = dp::run_trace(ctx, st, actions);
  else verdict = dp::run<Sink>(ctx, st, actions);
  dp::end_request(request, verdict);
  return verdict;
}
}  // namespace

extern "C" SEC("xdp.frags") int ovsxdp_execute(xdp_md* ctx) { return execute_request<dp::live_sink>(ctx, OVSXDP_PROGRAM_EXECUTE); }

extern "C" SEC("xdp.frags") int ovsxdp_execute_trace(xdp_md* ctx) {
  return execute_request<dp::trace_sink>(ctx, OVSXDP_PROGRAM_EXECUTE_TRACE);
}

extern "C" SEC("xdp.frags/devmap") int ovsxdp_copy(xdp_md* ctx) { return ovsxdp_copy_packet(ctx); }

OVSXDP_LICENSE;
