// The traffic generator and counting receiver (bpf-src/trafgen.bpf.cpp):
// valid UDP or TCP frames of a chosen size over N flows, sent at XDP speed
// by BPF_PROG_TEST_RUN with live frames, and an XDP program that counts what
// arrives. Debian's xdp-trafficgen does not load on this kernel; this does,
// and is what `ovsxdp-bench forward|latency` measure with.
//
//   auto gen = traffic_generator::load({.flows = 1000});
//   auto rx = traffic_receiver::attach(ifindex_b0);      // in the receiver's namespace
//   auto sent = gen.send(ifindex_a0, 1'000'000);          // in the sender's namespace
//   rx.counts().packets  // == sent.packets when nothing was lost
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ovsxdp/abi/trafgen.h"

namespace ovsxdp {

enum class traffic_protocol { udp, tcp };

struct traffic_spec {
  std::string src_mac = "02:00:00:00:0a:01";
  std::string dst_mac = "02:00:00:00:0b:01";
  std::string src_ip = "10.1.0.1";
  std::string dst_ip = "10.2.0.1";  // flow k goes to this address + k (the low 16 bits count)
  traffic_protocol protocol = traffic_protocol::udp;
  std::uint16_t src_port = 1024, dst_port = 7777;
  std::uint32_t frame_size = 64;  // bytes handed to the device (veths carry no FCS)
  std::uint32_t flows = 1;        // 1..OVSXDP_TRAFGEN_MAX_FLOWS
  std::uint32_t stamp_every = 1;  // read the clock every this many frames (a power of two <= 2^20): 1 for
                                  // latency, 64 for rates (a clock read can cost as much as a redirect)
};

// Smallest frame_size for a protocol: headers plus the 8-byte magic.
std::uint32_t min_frame_size(traffic_protocol p);

// The frame of flow 0, checksums valid, ending with the magic. Throws
// ovsxdp::error naming the bad field.
std::vector<std::uint8_t> traffic_template(const traffic_spec& spec);
// The frame flow `k` sends: what the generator writes, built on the host (tests compare the two).
std::vector<std::uint8_t> traffic_frame(const traffic_spec& spec, std::uint32_t flow);
// Flow k's destination address, dotted (for installing a flow per destination).
std::string flow_destination(const traffic_spec& spec, std::uint32_t flow);

struct traffic_counts {
  std::uint64_t packets = 0, bytes = 0;
  std::uint64_t first_ns = 0;  // CLOCK_MONOTONIC of the first frame (0: none)
  std::uint64_t last_ns = 0;   // of the last stamped frame (the last frame when stamping every frame)
  std::uint64_t stamped = 0;   // frames up to and including that one (summed over CPUs)
  std::uint64_t foreign = 0;   // receiver: frames that were not ours
};

struct send_result {
  std::uint64_t packets = 0;  // frames the generator sent (counted by the program itself)
  std::uint64_t start_ns = 0, end_ns = 0;  // CLOCK_MONOTONIC around the runs
};

class traffic_generator {
 public:
  static traffic_generator load(const traffic_spec& spec);
  traffic_generator(traffic_generator&&) noexcept;
  traffic_generator& operator=(traffic_generator&&) noexcept;
  ~traffic_generator();

  // Sends `packets` frames out of `ifindex`, an interface of the calling
  // thread's network namespace; flows follow on from the last call.
  send_result send(std::uint32_t ifindex, std::uint64_t packets);
  traffic_counts totals() const;
  void reset();  // counts to zero, next frame is flow 0
  const traffic_spec& spec() const { return spec_; }
  int program_fd() const;

 private:
  struct impl;
  explicit traffic_generator(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
  traffic_spec spec_;
};

class traffic_receiver {
 public:
  enum class mode { count_and_drop, reflect };
  // Attaches the counting program to `ifindex` of the calling thread's
  // namespace through a BPF link (detached when this object goes, whichever
  // namespace the thread is in by then).
  // `stamp_every`: as traffic_spec's.
  static traffic_receiver attach(std::uint32_t ifindex, mode m = mode::count_and_drop, std::uint32_t stamp_every = 1);
  traffic_receiver(traffic_receiver&&) noexcept;
  traffic_receiver& operator=(traffic_receiver&&) noexcept;
  ~traffic_receiver();

  traffic_counts counts() const;
  void reset();

 private:
  struct impl;
  explicit traffic_receiver(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace ovsxdp
