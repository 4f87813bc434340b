#include "extract/bpf_key_extractor.hpp"

#include <bpf/libbpf.h>

#include "ovsxdp/abi/key_extract.h"
#include "runtime/environment.hpp"
#include "runtime/error.hpp"
#include "runtime/skeleton.hpp"
#include "runtime/test_run.hpp"
// clang-format off
#include "key_extract.skel.h"
// clang-format on

namespace ovsxdp {

struct bpf_key_extractor::impl {
  skeleton<key_extract> skel = skeleton<key_extract>::open_and_load("key_extract");
};

bpf_key_extractor::bpf_key_extractor() {
  require_bpf_privileges("run the BPF flow-key extractor");
  impl_ = std::make_unique<impl>();
}
bpf_key_extractor::~bpf_key_extractor() = default;
bpf_key_extractor::bpf_key_extractor(bpf_key_extractor&&) noexcept = default;
bpf_key_extractor& bpf_key_extractor::operator=(bpf_key_extractor&&) noexcept = default;

bpf_key_extractor::result bpf_key_extractor::extract(std::span<const std::uint8_t> frame, std::uint32_t in_port) {
  if (frame.size() < kMinXdpFrame) {
    // The kernel never gives XDP such a frame (and refuses it in test runs);
    // the datapath's answer would be the parser's: a runt, dropped.
    result r;
    r.status = flow::extract_status::runt;
    return r;
  }
  auto* bss = impl_->skel->bss;
  bss->extract_in_port = in_port;
  const std::uint32_t runs_before = bss->extract_result.runs;
  run_xdp(program_fd(), frame);
  if (bss->extract_result.runs != runs_before + 1)
    throw error("extract a flow key", "", "the BPF extractor did not run exactly once (runs " +
                std::to_string(runs_before) + " -> " + std::to_string(bss->extract_result.runs) + ")");
  result r;
  r.key = bss->extract_result.key;
  r.status = static_cast<flow::extract_status>(bss->extract_result.status);
  return r;
}

int bpf_key_extractor::program_fd() const { return bpf_program__fd(impl_->skel->progs.ovsxdp_key_extract); }

program_info bpf_key_extractor::program() const {
  program_info info = describe_program(program_fd());
  info.name = "ovsxdp_key_extract";
  return info;
}

const char* describe(flow::extract_status status) {
  switch (status) {
    case flow::extract_status::ok: return "ok";
    case flow::extract_status::runt: return "frame is shorter than an Ethernet header";
    case flow::extract_status::vlan_on_l3_packet: return "L3 packet has a VLAN ethertype";
    case flow::extract_status::bad_nsh: return "NSH header is cut short, not version 0, or has a bad MD type or length (Linux drops it)";
  }
  return "unknown status";
}

}  // namespace ovsxdp
