// Test program proving the kfunc declarations in ovsxdp/bpf/kfuncs.h
// resolve against the running kernel and behave: it looks a TCP flow up in
// nf_conntrack, creates and inserts the entry when absent, and reads the
// frame through an XDP dynptr.
#include "bpf-src/kfunc_probe.h"
#include "ovsxdp/bpf/kfuncs.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/ipv4.h"
#include "ovsxdp/proto/transport.h"


kfunc_probe_result probe_result;

extern "C" SEC("xdp") int ovsxdp_kfunc_probe(xdp_md* ctx) {
  using namespace ovsxdp;
  probe_result = {};
  bpf_dynptr frame;
  if (bpf_dynptr_from_xdp(ctx, 0, &frame) == 0) {
    probe_result.dynptr_size = bpf_dynptr_size(&frame);
    u8 buffer[sizeof(ethernet::header)];
    if (auto* eth = static_cast<ethernet::header*>(bpf_dynptr_slice(&frame, 0, buffer, sizeof(buffer))))
      probe_result.dynptr_ethertype = ntoh16(eth->type);
  }

  const cursor c(frame_of(ctx));
  const auto* ip = c.at<ipv4::header>(sizeof(ethernet::header));
  const auto* tcp = c.at<tcp::header>(sizeof(ethernet::header) + sizeof(ipv4::header));
  if (!ip || !tcp) return XDP_ABORTED;
  bpf_sock_tuple tuple{};
  tuple.ipv4.saddr = ip->src;
  tuple.ipv4.daddr = ip->dst;
  tuple.ipv4.sport = tcp->src;
  tuple.ipv4.dport = tcp->dst;
  bpf_ct_opts opts{};
  opts.netns_id = kfunc::kCurrentNetns;
  opts.l4proto = ip_proto::tcp;
  nf_conn* ct = bpf_xdp_ct_lookup(ctx, &tuple, sizeof(tuple.ipv4), &opts, kfunc::kCtOptsSize);
  probe_result.lookup_error = opts.error;
  if (ct) {
    probe_result.found = 1;
    bpf_ct_release(ct);
    return XDP_PASS;
  }
  bpf_ct_opts alloc_opts{};
  alloc_opts.netns_id = kfunc::kCurrentNetns;
  alloc_opts.l4proto = ip_proto::tcp;
  nf_conn___init* fresh = bpf_xdp_ct_alloc(ctx, &tuple, sizeof(tuple.ipv4), &alloc_opts, kfunc::kCtOptsSize);
  if (!fresh) return XDP_PASS;
  bpf_ct_set_timeout(fresh, 10000);
  if (nf_conn* inserted = bpf_ct_insert_entry(fresh)) {
    probe_result.inserted = 1;
    bpf_ct_release(inserted);
  }
  return XDP_PASS;
}

OVSXDP_LICENSE;
