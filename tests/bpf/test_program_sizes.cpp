// Loads every shipped BPF program, prints its size figures (the table CI
// shows), and fails when one grows past its budget, so growth is a decision.
#include <doctest/doctest.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "support/shipped_programs.hpp"

using namespace ovsxdp;

TEST_CASE("shipped BPF programs stay within their instruction budgets") {
  std::ostringstream table;
  table << std::left << std::setw(34) << "program" << std::right << std::setw(12) << "insns" << std::setw(16)
        << "verified insns" << std::setw(14) << "jited bytes" << std::setw(11) << "functions" << std::setw(10) << "budget\n";
  for (const auto& p : testing::load_shipped_programs()) {
    table << std::left << std::setw(34) << p.info.name << std::right << std::setw(12) << p.info.instructions << std::setw(16)
          << p.info.verified_instructions << std::setw(14) << p.info.jited_bytes << std::setw(11) << p.info.functions << std::setw(9) << p.budget << "\n";
    CAPTURE(p.info.name);
    CHECK(p.info.instructions > 0);
    CHECK(p.info.instructions <= p.budget);
  }
  std::cout << "BPF program sizes (kernel's figures after verification):\n" << table.str();
  std::ofstream(OVSXDP_BINARY_DIR "/bpf-program-sizes.txt") << table.str();
}
