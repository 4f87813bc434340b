// Checksum arithmetic for header rewrites: incremental Internet checksum
// updates (RFC 1624) and the CRC32c delta SCTP needs. Host and BPF.
//
// The Internet checksum is byte-order independent, so values are used as
// they sit in the packet (network order) without swapping.
#pragma once

#include "ovsxdp/base/types.h"

namespace ovsxdp::csum {

OVSXDP_INLINE u16 fold(u32 sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<u16>(sum);
}

// The checksum after a 16-bit word changes from `from` to `to`: ~(~C + ~m + m').
OVSXDP_INLINE u16 replace16(u16 check, u16 from, u16 to) {
  return static_cast<u16>(~fold(static_cast<u16>(~check) + static_cast<u32>(static_cast<u16>(~from)) + to));
}

OVSXDP_INLINE u16 replace32(u16 check, u32 from, u32 to) {
  u32 sum = static_cast<u16>(~check);
  sum += static_cast<u16>(~from) + static_cast<u16>(~(from >> 16));
  sum += (to & 0xffff) + (to >> 16);
  return static_cast<u16>(~fold(sum));
}

OVSXDP_INLINE u16 replace128(u16 check, const u8* from, const u8* to) {
  u32 sum = static_cast<u16>(~check);
#pragma unroll
  for (u32 i = 0; i < 16; i += 4) {
    const u32 f = load_unaligned<u32>(from + i), t = load_unaligned<u32>(to + i);
    sum += static_cast<u16>(~f) + static_cast<u16>(~(f >> 16));
    sum += (t & 0xffff) + (t >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<u16>(~fold(sum));
}

// UDP: a zero checksum means "none" and stays zero; a computed zero is sent as 0xffff.
OVSXDP_INLINE u16 udp_mangled(u16 check) { return check == 0 ? 0xffff : check; }

// ---- CRC32c (SCTP) ----
// Rewriting SCTP ports changes the packet's CRC32c by crc(old) ^ crc(new),
// which for equal lengths is the raw (init 0, no final xor) CRC of old ^ new:
// the 4 changed bytes followed by `tail` zero bytes. The zero tail is applied
// by multiplying with x^(8*tail) mod P, so no byte of the payload is read.
inline constexpr u32 kCrc32cPoly = 0x82f63b78;  // reflected Castagnoli

// Data-dependent selection without branches, and without the
// `(x s>> 31) & c` idiom either: Linux 6.18's verifier forks on both, which
// gives 2^32 paths per multiply. A 0/1 bit hidden from clang, multiplied, is
// a plain scalar to the verifier.
OVSXDP_INLINE u32 bit_of(u32 v, u32 shift) {
  u32 bit = (v >> shift) & 1;
  opaque(bit);
  return bit;
}
OVSXDP_INLINE u32 crc32c_shift(u32 crc) { return (crc >> 1) ^ (kCrc32cPoly * bit_of(crc, 0)); }

// (a * b) mod P, reflected (zlib's multmodp, without branches).
OVSXDP_INLINE u32 crc32c_multiply(u32 a, u32 b) {
  u32 product = 0;
#pragma unroll
  for (u32 i = 0; i < 32; i++) {
    product ^= b * bit_of(a, 31 - i);
    b = crc32c_shift(b);
  }
  return product;
}

// x^(2^k) mod P, reflected, for k = 0..31.
struct crc32c_powers {
  u32 value[32];
  constexpr crc32c_powers() : value{} {
    u32 p = 1u << 30;  // x^1
    value[0] = p;
    for (u32 k = 1; k < 32; k++) {
      // square p: p * p mod P (constexpr copy of crc32c_multiply)
      u32 a = p, b = p, r = 0;
      for (u32 i = 0; i < 32; i++) {
        if (a & (0x80000000u >> i)) r ^= b;
        b = (b & 1) ? (b >> 1) ^ kCrc32cPoly : b >> 1;
      }
      value[k] = p = r;
    }
  }
};
inline constexpr crc32c_powers kCrc32cPowers{};

// Raw CRC32c register after `crc` is followed by `bytes` zero bytes.
OVSXDP_INLINE u32 crc32c_zero_extend(u32 crc, u32 bytes) {
  // multiply by x^(8*bytes): for every set bit j of `bytes`, by x^(8*2^j) = x^(2^(j+3))
  // Only set bits cost a multiplication (a 64-byte frame has 3 or 4).
#pragma unroll
  for (u32 j = 0; j < 16; j++)  // frames are < 64 KiB
    if (bytes & (1u << j)) crc = crc32c_multiply(kCrc32cPowers.value[j + 3], crc);
  return crc;
}

// Raw CRC32c of four bytes (init 0, no final xor).
OVSXDP_INLINE u32 crc32c_raw4(u32 crc, const u8* p) {
#pragma unroll
  for (u32 i = 0; i < 4; i++) {
    crc ^= p[i];
#pragma unroll
    for (u32 b = 0; b < 8; b++) crc = crc32c_shift(crc);
  }
  return crc;
}

// How the CRC32c of an SCTP packet of `length` bytes (from the SCTP header)
// changes when its first 4 bytes (the ports) change from `from` to `to`.
// New checksum field (little-endian CRC) = old field ^ delta, which also
// carries any error of the old checksum through, as Linux does.
OVSXDP_INLINE u32 sctp_port_delta(const u8 from[4], const u8 to[4], u32 length) {
  u8 diff[4];
#pragma unroll
  for (u32 i = 0; i < 4; i++) diff[i] = from[i] ^ to[i];
  return crc32c_zero_extend(crc32c_raw4(0, diff), length - 4);
}

}  // namespace ovsxdp::csum
