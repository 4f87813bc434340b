// What every ovsxdp BPF translation unit includes: helper declarations
// generated from the installed libbpf, section and map-definition macros
// (libbpf-compatible spellings), and the XDP frame accessor.
#pragma once

#if !defined(__bpf__)
#error "ovsxdp/bpf/ headers are for the BPF target only"
#endif

#include <linux/bpf.h>
#include <ovsxdp_generated/bpf_helpers.h>

#include "ovsxdp/base/types.h"
#include "ovsxdp/packet/cursor.h"

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int(*name)[val]
#define __type(name, val) __typeof__(val)* name
#define __array(name, val) __typeof__(val)* name[]
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))

// A map value type referenced only through __type() would reach BTF as a bare
// forward declaration ("can't determine value size"): anchor it.
#define OVSXDP_BTF_TYPE(T) [[gnu::used]] static T T##_btf_anchor

#define OVSXDP_LICENSE char LICENSE[] SEC("license") = "GPL"

namespace ovsxdp {

OVSXDP_INLINE frame_bytes frame_of(const xdp_md* ctx) {
  return {reinterpret_cast<u8*>(static_cast<long>(ctx->data)),
          reinterpret_cast<u8*>(static_cast<long>(ctx->data_end))};
}

template <class V, class K>
OVSXDP_INLINE V* map_lookup(void* map, const K& key) {
  return static_cast<V*>(bpf_map_lookup_elem(map, &key));
}

}  // namespace ovsxdp
