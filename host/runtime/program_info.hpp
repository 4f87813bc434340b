// Size figures of loaded BPF programs, as the kernel reports them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct bpf_object;

namespace ovsxdp {

struct program_info {
  std::string name;
  std::uint32_t instructions = 0;           // after the verifier's rewrites (xlated)
  std::uint32_t verified_instructions = 0;  // instructions the verifier walked
  std::uint32_t jited_bytes = 0;
  std::uint32_t functions = 0;  // the entry point and its global (separately verified) functions
};

program_info describe_program(int prog_fd);
std::vector<program_info> describe_programs(const bpf_object* object);

}  // namespace ovsxdp
