#include "runtime/cpu_pin.hpp"

#include <sched.h>

#include <cerrno>
#include <string>

#include "runtime/error.hpp"

namespace ovsxdp {

cpu_pin::cpu_pin(unsigned cpu) : previous_(sizeof(cpu_set_t)) {
  cpu_set_t* old = reinterpret_cast<cpu_set_t*>(previous_.data());
  if (sched_getaffinity(0, sizeof(cpu_set_t), old) != 0) throw system_error("read the CPU affinity of", "this thread", errno);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0) throw system_error("pin this thread to", "CPU " + std::to_string(cpu), errno);
}

cpu_pin::~cpu_pin() { sched_setaffinity(0, sizeof(cpu_set_t), reinterpret_cast<cpu_set_t*>(previous_.data())); }

}  // namespace ovsxdp
