// Pins the calling thread to one CPU while alive: per-CPU BPF state (a
// generator's flow counter, a benchmark's CPU) stays on one CPU across runs.
#pragma once

#include <vector>

namespace ovsxdp {

class cpu_pin {
 public:
  explicit cpu_pin(unsigned cpu);
  ~cpu_pin();
  cpu_pin(const cpu_pin&) = delete;
  cpu_pin& operator=(const cpu_pin&) = delete;

 private:
  std::vector<unsigned char> previous_;
};

}  // namespace ovsxdp
