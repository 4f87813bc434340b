#include "support/shipped_programs.hpp"

#include "datapath/datapath.hpp"
#include "extract/bpf_key_extractor.hpp"
#include "runtime/skeleton.hpp"
#include "support/sandbox.hpp"
// clang-format off
#include "trafgen.skel.h"
#include "vlan_tagger.skel.h"
#include "xdp_pass.skel.h"
// clang-format on

namespace ovsxdp::testing {

std::vector<shipped_program> load_shipped_programs() {
  std::vector<shipped_program> out;
  // Verified budgets are about 20% over the figures of 2026-12-02 (kernel
  // 6.18, clang 19): key_extract 8,912; datapath 82,947, trace 78,106,
  // execute 76,923, execute_trace 78,266, copy 28,889 (after recirculating
  // copies and execute through the loop device; 65,599, 68,990, 68,755,
  // 72,108 and 28,704 with jumbo frames before that); vlan_tagger 9,103;
  // trafgen send 252, count 146. bpf_program_sizes prints today's.
  bpf_key_extractor extractor;
  out.push_back({extractor.program(), 2000, 11000});

  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("sizes");
  {
    datapath dp = datapath::create(s.options(name));
    // Executed per packet: the entry programs plus every action function they call.
    const std::uint32_t budgets[OVSXDP_PROGRAM_KINDS] = {14000, 14000, 14000, 14000, 11500};
    const std::uint32_t verified_budgets[OVSXDP_PROGRAM_KINDS] = {100000, 94000, 93000, 94000, 36000};
    const auto programs = dp.programs();
    for (std::size_t k = 0; k < programs.size(); k++) out.push_back({programs[k], budgets[k], verified_budgets[k]});
  }
  datapath::destroy(name, s.location());

  auto pass = skeleton<xdp_pass>::open_and_load("xdp_pass");
  for (auto& info : describe_programs(pass->obj)) out.push_back({info, 16, 16});
  // The library example of docs/library.md: what a small program of your own costs.
  auto tagger = skeleton<vlan_tagger>::open_and_load("vlan_tagger");
  for (auto& info : describe_programs(tagger->obj)) out.push_back({info, 1400, 11500});
  // The benchmarks' traffic generator and receiver: their cost is in every rate measured.
  auto trafgen_programs = skeleton<trafgen>::open_and_load("trafgen");
  for (auto& info : describe_programs(trafgen_programs->obj))
    out.push_back({info, 200, info.name == "ovsxdp_trafgen_send" ? 400u : 300u});
  return out;
}

}  // namespace ovsxdp::testing
