// Bounds-checked access to packet bytes, identical on the BPF target and the
// host. Every header read in the parser goes through `cursor::at`, so the
// check the verifier needs (pointer + size <= data_end) lives in one place.
#pragma once

#include "ovsxdp/base/types.h"

namespace ovsxdp {

// Largest offset the parser ever computes. The verifier marks a packet range
// only if the variable offset's maximum plus the access stays below 64 KiB,
// so offsets are kept under 16 KiB (2^14 - 1, a mask for normalize_offset);
// a single-buffer XDP frame is at most one page anyway.
inline constexpr u32 kMaxPacketOffset = 0x3fff;

// Bounds a variable offset to [0, kMaxPacketOffset] with the same tracked
// range on every path. Loops over variable-length headers call it once per
// iteration: the verifier then sees identical states at the loop head and
// prunes instead of exploring every combination of header kinds.
OVSXDP_INLINE bool normalize_offset(u32& offset) {
  if (offset > kMaxPacketOffset) return false;
  opaque(offset);
  offset &= kMaxPacketOffset;
  return true;
}

// A frame's bytes [data, end). On BPF these are packet pointers: they are
// valid only until a helper that moves packet data (adjust_head/tail/meta).
struct frame_bytes {
  u8* data;
  u8* end;
};

class cursor {
 public:
  OVSXDP_INLINE explicit cursor(frame_bytes frame) : data_(frame.data), end_(frame.end) {}

  // Pointer to a T at byte `offset`, or nullptr if the frame is too short.
  template <class T>
  OVSXDP_INLINE T* at(u32 offset) const {
    if (offset > kMaxPacketOffset) return nullptr;
#if defined(__bpf__)
    // The barriers matter: without the first two, clang splits `data + (x - 2)`
    // into `(data + x) - 2`, a negative fixed offset the verifier refuses;
    // without the last, it compares integers instead of packet pointers.
    opaque(offset);
    u8* p = data_ + offset;
    opaque(p);
    u8* limit = p + sizeof(T);
    opaque(limit);
    if (limit > end_) return nullptr;
    return reinterpret_cast<T*>(p);
#else
    // On the host, compare lengths: a pointer past the end (or into an empty
    // frame's null) is undefined behaviour even when never dereferenced.
    if (u64{offset} + sizeof(T) > length()) return nullptr;
    return reinterpret_cast<T*>(data_ + offset);
#endif
  }

  // True when `size` bytes starting at `offset` are inside the frame.
  OVSXDP_INLINE bool has(u32 offset, u32 size) const {
    if (offset > kMaxPacketOffset || size > kMaxPacketOffset) return false;
#if defined(__bpf__)
    u8* limit = data_ + offset + size;
    opaque(limit);
    return limit <= end_;
#else
    return u64{offset} + size <= length();
#endif
  }

  // Frame length as a bounded scalar.
  OVSXDP_INLINE u32 length() const {
    long n = reinterpret_cast<long>(end_) - reinterpret_cast<long>(data_);
    opaque(n);
    if (n < 0) return 0;
    return n > kMaxPacketOffset ? kMaxPacketOffset : static_cast<u32>(n);
  }

  OVSXDP_INLINE u8* data() const { return data_; }

 private:
  u8* data_;
  u8* end_;
};

}  // namespace ovsxdp
