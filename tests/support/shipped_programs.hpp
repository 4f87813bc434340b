// Every BPF program ovsxdp ships, loaded, with its instruction budget.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/program_info.hpp"

namespace ovsxdp::testing {

struct shipped_program {
  program_info info;
  std::uint32_t budget;  // xlated instructions; raise deliberately, in the same commit as the growth
};

std::vector<shipped_program> load_shipped_programs();

}  // namespace ovsxdp::testing
