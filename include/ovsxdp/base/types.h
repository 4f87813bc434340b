// Fixed-width types and byte order, identical on the BPF target and the host.
// The BPF target has no C++ standard library, so this is the whole type layer.
#pragma once

#include <linux/types.h>

#define OVSXDP_INLINE [[gnu::always_inline]] inline

namespace ovsxdp {

using u8 = __u8;
using u16 = __u16;
using u32 = __u32;
using u64 = __u64;
using s32 = __s32;
using s64 = __s64;
// Network byte order; kept as plain integers so ABI structs stay C layouts.
using be16 = __be16;
using be32 = __be32;
using be64 = __be64;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "ovsxdp assumes little-endian hosts and the bpfel target");

OVSXDP_INLINE constexpr u16 bswap16(u16 v) { return __builtin_bswap16(v); }
OVSXDP_INLINE constexpr u32 bswap32(u32 v) { return __builtin_bswap32(v); }
OVSXDP_INLINE constexpr u64 bswap64(u64 v) { return __builtin_bswap64(v); }

OVSXDP_INLINE constexpr be16 hton16(u16 v) { return bswap16(v); }
OVSXDP_INLINE constexpr be32 hton32(u32 v) { return bswap32(v); }
OVSXDP_INLINE constexpr be64 hton64(u64 v) { return bswap64(v); }
OVSXDP_INLINE constexpr u16 ntoh16(be16 v) { return bswap16(v); }
OVSXDP_INLINE constexpr u32 ntoh32(be32 v) { return bswap32(v); }
OVSXDP_INLINE constexpr u64 ntoh64(be64 v) { return bswap64(v); }

// Compile-time constant in network order, for comparisons against header fields.
template <u16 V>
inline constexpr be16 be16_c = bswap16(V);
template <u32 V>
inline constexpr be32 be32_c = bswap32(V);

// Hides a value's origin from the optimiser (no instruction is emitted).
// Used where clang would otherwise rewrite code into a form the BPF verifier
// cannot follow: pointer comparisons turned into integer ones, a checked
// pointer reused under a looser bound, unused arguments passed as undef.
template <class T>
OVSXDP_INLINE void opaque(T& value) {
  asm volatile("" : "+r"(value));
}

template <class T>
OVSXDP_INLINE void zero(T& object) {
  __builtin_memset(&object, 0, sizeof(T));
}

template <class T>
OVSXDP_INLINE void copy(T& dst, const T& src) {
  __builtin_memcpy(&dst, &src, sizeof(T));
}

// Packet headers sit at any byte offset. On the host a plain struct access
// there is misaligned (undefined behaviour, and UBSan says so); packing gives
// the header types alignment 1. BPF may load packet data unaligned as it is,
// and packing would turn every field load into byte loads, so BPF builds
// leave the types as they are.
#if defined(__bpf__)
#define OVSXDP_WIRE
#else
#define OVSXDP_WIRE __attribute__((packed))
#endif

// A scalar in packet bytes (cursor.at<wire<be32>>()->value).
template <class T>
struct OVSXDP_WIRE wire {
  T value;
};

// Load/store of possibly unaligned packet bytes.
template <class T>
OVSXDP_INLINE T load_unaligned(const void* p) {
  T v;
  __builtin_memcpy(&v, p, sizeof(T));
  return v;
}
template <class T>
OVSXDP_INLINE void store_unaligned(void* p, T v) {
  __builtin_memcpy(p, &v, sizeof(T));
}

template <class T, u32 N>
constexpr u32 array_size(const T (&)[N]) {
  return N;
}

}  // namespace ovsxdp
