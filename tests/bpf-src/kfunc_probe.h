// Result record of the kfunc probe test program, shared with the test.
#pragma once

#include <linux/types.h>

struct kfunc_probe_result {
  __s32 lookup_error;   // opts.error of the first lookup (-ENOENT when new)
  __u32 found;          // 1 when the first lookup found an entry
  __u32 inserted;       // 1 when alloc + insert succeeded
  __u32 dynptr_size;    // bpf_dynptr_size of the frame
  __u16 dynptr_ethertype;  // read through bpf_dynptr_slice, host order
  __u16 pad;
};
