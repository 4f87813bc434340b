#include "runtime/bpf_map.hpp"

#include <bpf/libbpf.h>

namespace ovsxdp {

int possible_cpus() {
  static const int n = [] {
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) throw system_error("count possible CPUs", "/sys/devices/system/cpu/possible", -cpus);
    return cpus;
  }();
  return n;
}

}  // namespace ovsxdp
