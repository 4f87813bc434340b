// extern "C" declarations of the kernel functions (kfuncs) ovsxdp calls, as
// this kernel's BTF declares them (bpftool btf dump file /sys/kernel/btf/vmlinux).
// libbpf resolves them at load time against the running kernel; a missing one
// fails the load with "failed to find BTF for extern".
#pragma once

#include "ovsxdp/bpf/program.h"

extern "C" {

// ---- nf_conntrack (net/netfilter/nf_conntrack_bpf.c) ----
// Opaque to us: only kfuncs touch them. They must be complete structs, not
// forward declarations: libbpf matches kfunc prototypes against the kernel's
// BTF by kind and name (a FWD never matches the kernel's STRUCT).
struct nf_conn {
  __u8 opaque_;
};
struct nf_conn___init {  // allocated, not yet inserted
  __u8 opaque_;
};

// Size-checked option block (NF_BPF_CT_OPTS_SZ = 16).
struct bpf_ct_opts {
  __s32 netns_id;  // BPF_F_CURRENT_NETNS (-1) for the program's namespace
  __s32 error;     // out: errno when the call returns NULL
  __u8 l4proto;    // IPPROTO_TCP or IPPROTO_UDP
  __u8 dir;        // out: IP_CT_DIR_ORIGINAL / IP_CT_DIR_REPLY
  __u16 ct_zone_id;
  __u8 ct_zone_dir;
  __u8 reserved[3];
};

union nf_inet_addr {
  __u32 all[4];
  __be32 ip;
  __be32 ip6[4];
};

enum nf_nat_manip_type : __u32 { NF_NAT_MANIP_SRC = 0, NF_NAT_MANIP_DST = 1 };

struct nf_conn* bpf_xdp_ct_lookup(struct xdp_md* xdp_ctx, struct bpf_sock_tuple* bpf_tuple, __u32 tuple__sz,
                                  struct bpf_ct_opts* opts, __u32 opts__sz) __ksym;
struct nf_conn___init* bpf_xdp_ct_alloc(struct xdp_md* xdp_ctx, struct bpf_sock_tuple* bpf_tuple, __u32 tuple__sz,
                                        struct bpf_ct_opts* opts, __u32 opts__sz) __ksym;
struct nf_conn* bpf_ct_insert_entry(struct nf_conn___init* nfct_i) __ksym;
void bpf_ct_release(struct nf_conn* nfct) __ksym;
void bpf_ct_set_timeout(struct nf_conn___init* nfct, __u32 timeout) __ksym;
int bpf_ct_change_timeout(struct nf_conn* nfct, __u32 timeout) __ksym;
int bpf_ct_set_status(const struct nf_conn___init* nfct, __u32 status) __ksym;
int bpf_ct_change_status(struct nf_conn* nfct, __u32 status) __ksym;
int bpf_ct_set_nat_info(struct nf_conn___init* nfct, union nf_inet_addr* addr, int port, enum nf_nat_manip_type manip) __ksym;

// ---- dynptr over XDP frames (kernel/bpf/helpers.c, net/core/filter.c) ----
int bpf_dynptr_from_xdp(struct xdp_md* x, __u64 flags, struct bpf_dynptr* ptr__uninit) __ksym;
void* bpf_dynptr_slice(const struct bpf_dynptr* p, __u32 offset, void* buffer__opt, __u32 buffer__szk) __ksym;
void* bpf_dynptr_slice_rdwr(const struct bpf_dynptr* p, __u32 offset, void* buffer__opt, __u32 buffer__szk) __ksym;
int bpf_dynptr_adjust(const struct bpf_dynptr* p, __u32 start, __u32 end) __ksym;
int bpf_dynptr_copy(struct bpf_dynptr* dst_ptr, __u32 dst_off, struct bpf_dynptr* src_ptr, __u32 src_off, __u32 size) __ksym;
__u32 bpf_dynptr_size(const struct bpf_dynptr* p) __ksym;

// ---- open-coded iterators (kernel/bpf/bpf_iter.c): loops the verifier
// checks until their state converges instead of once per iteration ----
struct bpf_iter_num {
  __u64 opaque_;
} __attribute__((aligned(8)));
int bpf_iter_num_new(struct bpf_iter_num* it, int start, int end) __ksym;
int* bpf_iter_num_next(struct bpf_iter_num* it) __ksym;
void bpf_iter_num_destroy(struct bpf_iter_num* it) __ksym;

// ---- XDP RX metadata (device-bound programs only; net/core/xdp.c) ----
// The verifier refuses these in a program loaded without a device
// (prog_ifindex, BPF_F_XDP_DEV_BOUND_ONLY), so they belong in programs of
// their own. Weak: an object whose other programs load on kernels without
// them (rx_vlan_tag is Linux 6.8+) still loads there.
enum xdp_rss_hash_type : __u32 {};
int bpf_xdp_metadata_rx_hash(const struct xdp_md* ctx, __u32* hash, enum xdp_rss_hash_type* rss_type) __ksym __weak;
int bpf_xdp_metadata_rx_timestamp(const struct xdp_md* ctx, __u64* timestamp) __ksym __weak;
// The outer tag the device took out of the frame: TPID in network order,
// TCI in host order. -ENODATA when the frame had none (or kept it).
int bpf_xdp_metadata_rx_vlan_tag(const struct xdp_md* ctx, __be16* vlan_proto, __u16* vlan_tci) __ksym __weak;

}  // extern "C"

// clang emits a struct reached only through kfunc pointers as a FWD; anchor
// the full types so libbpf's match against kernel BTF succeeds.
OVSXDP_BTF_TYPE(nf_conn);
OVSXDP_BTF_TYPE(nf_conn___init);
OVSXDP_BTF_TYPE(bpf_iter_num);

namespace ovsxdp::kfunc {
inline constexpr __s32 kCurrentNetns = -1;  // BPF_F_CURRENT_NETNS
inline constexpr __u32 kCtOptsSize = sizeof(bpf_ct_opts);
static_assert(sizeof(bpf_ct_opts) == 16, "NF_BPF_CT_OPTS_SZ");
}  // namespace ovsxdp::kfunc
