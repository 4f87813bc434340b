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
  table << std::left << std::setw(34) << "program" << std::right << std::setw(8) << "insns" << std::setw(8) << "budget" << std::setw(16)
        << "verified insns" << std::setw(8) << "budget" << std::setw(13) << "jited bytes" << std::setw(11) << "functions\n";
  const auto programs = testing::load_shipped_programs();
  CHECK(programs.size() == 13);  // a program dropped from the list would escape its budget
  for (const auto& p : programs) {
    table << std::left << std::setw(34) << p.info.name << std::right << std::setw(8) << p.info.instructions << std::setw(8) << p.budget
          << std::setw(16) << p.info.verified_instructions << std::setw(8) << p.verified_budget << std::setw(13) << p.info.jited_bytes
          << std::setw(10) << p.info.functions << "\n";
    CAPTURE(p.info.name);
    CHECK(p.info.instructions > 0);
    CHECK(p.info.instructions <= p.budget);
    CHECK(p.info.verified_instructions > 0);  // 0: the kernel did not report it
    CHECK(p.info.verified_instructions <= p.verified_budget);
  }
  std::cout << "BPF program sizes (kernel's figures after verification):\n" << table.str();
  std::ofstream(OVSXDP_BINARY_DIR "/bpf-program-sizes.txt") << table.str();
}
