#include "runtime/skeleton.hpp"

#include <cerrno>
#include <cstring>

#include "runtime/environment.hpp"

namespace ovsxdp {

error load_error(const std::string& object_name, int err, const libbpf_log_capture& log) {
  if (err < 0) err = -err;
  const std::string& text = log.text();
  auto mentions = [&](const char* s) { return text.find(s) != std::string::npos; };
  const std::string operation = "load BPF object";
  if (err == EPERM || err == EACCES) {
    if (!have_bpf_privileges())
      return error(operation, object_name, "permission denied: not root",
                   "run as root (loading BPF needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)");
    if (mentions("BEGIN PROG LOAD LOG"))
      return error(operation, object_name, "the kernel verifier rejected a program; end of its log:\n" + log.tail(25),
                   "this is an ovsxdp bug or an unsupported kernel; report it with the log above");
  }
  if (mentions("incompatible with kernel"))
    return error(operation, object_name, "a kfunc's declaration does not match the running kernel's; libbpf says:\n" + log.tail(8),
                 "the kernel changed that kfunc's signature; update include/ovsxdp/bpf/kfuncs.h to match this kernel's BTF");
  if (mentions("unknown func") || mentions("invalid func") || mentions("failed to find BTF for extern") ||
      mentions("not found in kernel or module BTFs") || mentions("kernel doesn't support") ||
      mentions("program of this type isn't supported"))
    return error(operation, object_name, "the running kernel lacks a feature this program needs; libbpf says:\n" + log.tail(12),
                 "ovsxdp needs Linux >= 6.3 with BTF (CONFIG_DEBUG_INFO_BTF), XDP, and nf_conntrack BPF kfuncs");
  if (mentions("BEGIN PROG LOAD LOG"))
    return error(operation, object_name, std::string(std::strerror(err)) + "; verifier log tail:\n" + log.tail(25),
                 "this is an ovsxdp bug or an unsupported kernel; report it with the log above");
  return error(operation, object_name, std::string(std::strerror(err)) + (text.empty() ? "" : "; libbpf says:\n" + log.tail(12)));
}

}  // namespace ovsxdp
