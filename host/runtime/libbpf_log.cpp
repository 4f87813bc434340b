#include "runtime/libbpf_log.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace ovsxdp {
namespace {

thread_local libbpf_log_capture* current_capture = nullptr;
libbpf_print_level echo_threshold = LIBBPF_WARN;
bool echo_enabled = false;

int route(libbpf_print_level level, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n < 0) return 0;
  std::vector<char> buffer(static_cast<size_t>(n) + 1);
  std::vsnprintf(buffer.data(), buffer.size(), format, args);
  if (current_capture) const_cast<std::string&>(current_capture->text()).append(buffer.data(), n);
  if (echo_enabled && level <= echo_threshold) std::fputs(buffer.data(), stderr);
  return n;
}

}  // namespace

void install_libbpf_log_router() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char* setting = std::getenv("OVSXDP_LIBBPF_LOG")) {
      echo_enabled = true;
      if (!std::strcmp(setting, "debug")) echo_threshold = LIBBPF_DEBUG;
      else if (!std::strcmp(setting, "info")) echo_threshold = LIBBPF_INFO;
      else echo_threshold = LIBBPF_WARN;
    }
    libbpf_set_print(route);
  });
}

libbpf_log_capture::libbpf_log_capture() : previous_(current_capture) {
  install_libbpf_log_router();
  current_capture = this;
}

libbpf_log_capture::~libbpf_log_capture() { current_capture = previous_; }

std::string libbpf_log_capture::tail(int lines) const {
  size_t end = text_.size();
  while (end > 0 && text_[end - 1] == '\n') end--;
  size_t start = end;
  for (int seen = 0; start > 0; start--) {
    if (text_[start - 1] == '\n' && ++seen == lines) break;
  }
  std::string out;
  for (size_t i = start; i < end;) {
    size_t nl = text_.find('\n', i);
    if (nl == std::string::npos || nl > end) nl = end;
    out += "    | " + text_.substr(i, nl - i) + "\n";
    i = nl + 1;
  }
  return out;
}

}  // namespace ovsxdp
