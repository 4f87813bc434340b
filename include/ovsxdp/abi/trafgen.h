// ABI of the traffic generator and counting receiver (bpf-src/trafgen.bpf.cpp)
// that `ovsxdp-bench forward|latency` and `ovsxdp-trafgen` drive.
//
// The generator runs under BPF_PROG_TEST_RUN with live frames: the kernel
// hands it the template frame again and again and it returns XDP_TX, so each
// frame leaves the interface named as ingress. Before it does, the program
// writes the flow number into one 16-bit word of the frame (the low half of
// the IPv4 destination, say) and patches the checksums that cover that word.
// Every frame ends with OVSXDP_TRAFGEN_MAGIC, so the receiver tells ours
// from anything else on the wire.
//
// The kernel recycles live-frame pages without restoring their bytes, and
// the device under test may rewrite them in place (a veth passes the very
// page along): so the generator writes the template's headers back into
// every frame before naming its flow. The kernel also reuses the page's
// xdp_frame as it was left unless the program changed the frame's bounds
// (it does not compare the metadata size), so the template handed to the
// test run is one byte longer than frame_len and the generator trims it:
// the bounds always differ and the kernel rebuilds the frame every time.
#pragma once

#include <linux/types.h>

#define OVSXDP_TRAFGEN_MAGIC 0x6e6567706478766fULL /* "ovxdpgen" read as a little-endian u64 */
#define OVSXDP_TRAFGEN_MAX_FLOWS 65536
#define OVSXDP_TRAFGEN_MAX_FIELD_OFFSET 512 /* the flow word lies in the first 512 bytes */
#define OVSXDP_TRAFGEN_HEADER_BYTES 128     /* template bytes restored per frame (all headers) */

/* generator config: ARRAY [1]. */
struct ovsxdp_trafgen_config {
  __u32 flows;                  /* distinct flows, 1..OVSXDP_TRAFGEN_MAX_FLOWS; frame n carries flow n % flows */
  __u16 flow_offset;            /* byte offset of the 16-bit word that names the flow */
  __u16 flow_base;              /* that word in the template, host order; flow k writes flow_base + k */
  __u16 csum_offset[2];         /* checksums covering the word (0: none) */
  __u16 csum_template[2];       /* their values in the template, as stored in the frame */
  __u8 csum_udp[2];             /* 1: a UDP checksum (0 means none, a computed 0 is sent as 0xffff) */
  __u16 header_len;             /* bytes of header[] restored, 14..OVSXDP_TRAFGEN_HEADER_BYTES */
  __u16 frame_len;              /* length of the frames sent (the test run's frame is one byte longer) */
  __u16 stamp_shift;            /* clock read on frames 0, 2^shift, 2*2^shift, ...: a clock read per frame costs
                                   more than the redirect being measured on some VMs */
  __u8 header[OVSXDP_TRAFGEN_HEADER_BYTES];  /* the template's first bytes */
};

/* generator and receiver statistics: PERCPU_ARRAY [1], summed by the host. */
struct ovsxdp_trafgen_stats {
  __u64 packets;   /* frames sent / frames of ours received */
  __u64 bytes;
  __u64 first_ns;  /* bpf_ktime_get_ns (CLOCK_MONOTONIC) of the first and last */
  __u64 last_ns;   /* of the last stamped frame */
  __u64 stamped;   /* frames counted up to and including the last stamped one */
  __u64 foreign;   /* receiver: frames without the magic (not ours), dropped all the same */
  __u32 next_flow; /* generator: the flow of the next frame */
  __u32 reserved;
};

/* receiver config: ARRAY [1]. */
struct ovsxdp_trafgen_receiver_config {
  __u32 reflect;      /* 1: swap the MAC addresses and send our frames back (XDP_TX); 0: drop them */
  __u32 stamp_shift;  /* as the generator's */
};

#ifdef __cplusplus
static_assert(sizeof(ovsxdp_trafgen_config) == 24 + OVSXDP_TRAFGEN_HEADER_BYTES);
static_assert(__has_unique_object_representations(ovsxdp_trafgen_config));
static_assert(sizeof(ovsxdp_trafgen_stats) == 56);
static_assert(__has_unique_object_representations(ovsxdp_trafgen_stats));
static_assert(sizeof(ovsxdp_trafgen_receiver_config) == 8);
#endif
