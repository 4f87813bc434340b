// Every BPF program ovsxdp ships, loaded, with its instruction budget.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/program_info.hpp"

namespace ovsxdp::testing {

// Budgets: raise deliberately, in the same commit as the growth, and say why.
struct shipped_program {
  program_info info;
  std::uint32_t budget;           // xlated instructions (what runs)
  std::uint32_t verified_budget;  // instructions the verifier walked (what loading costs; the kernel stops at 1,000,000)
};

std::vector<shipped_program> load_shipped_programs();

}  // namespace ovsxdp::testing
