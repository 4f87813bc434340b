#include "runtime/program_info.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>

#include "runtime/error.hpp"

namespace ovsxdp {

program_info describe_program(int prog_fd) {
  bpf_prog_info info{};
  __u32 length = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &length) != 0)
    throw system_error("read BPF program info of fd", std::to_string(prog_fd), errno);
  program_info out;
  out.name = info.name;
  out.instructions = info.xlated_prog_len / 8;
  out.verified_instructions = info.verified_insns;
  out.jited_bytes = info.jited_prog_len;
  out.functions = info.nr_func_info;
  return out;
}

std::vector<program_info> describe_programs(const bpf_object* object) {
  std::vector<program_info> out;
  bpf_program* prog = nullptr;
  while ((prog = bpf_object__next_program(object, prog))) {
    int fd = bpf_program__fd(prog);
    if (fd < 0) continue;  // not loaded (autoload off)
    program_info info = describe_program(fd);
    info.name = bpf_program__name(prog);  // the kernel truncates names to 15 chars
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace ovsxdp
