// Runs the BPF flow-key extractor (bpf-src/key_extract.bpf.cpp) on frames
// through BPF_PROG_TEST_RUN: the datapath's own extraction code, in the
// kernel, one frame at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/flow/extract.h"
#include "runtime/program_info.hpp"

namespace ovsxdp {

class bpf_key_extractor {
 public:
  struct result {
    ovsxdp_flow_key key{};
    flow::extract_status status = flow::extract_status::ok;
  };

  // Loads the program; throws ovsxdp::error (privileges, kernel features).
  bpf_key_extractor();
  ~bpf_key_extractor();
  bpf_key_extractor(bpf_key_extractor&&) noexcept;
  bpf_key_extractor& operator=(bpf_key_extractor&&) noexcept;

  // Frames shorter than 14 bytes never reach XDP; they are reported as runts
  // without a kernel run.
  result extract(std::span<const std::uint8_t> frame, std::uint32_t in_port = 0);
  program_info program() const;
  int program_fd() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

const char* describe(flow::extract_status status);

}  // namespace ovsxdp
