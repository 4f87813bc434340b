#include "support/shipped_programs.hpp"

#include "extract/bpf_key_extractor.hpp"

namespace ovsxdp::testing {

std::vector<shipped_program> load_shipped_programs() {
  std::vector<shipped_program> out;
  bpf_key_extractor extractor;
  out.push_back({extractor.program(), 2000});
  return out;
}

}  // namespace ovsxdp::testing
