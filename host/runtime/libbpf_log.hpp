// libbpf's messages go through one callback. We keep them out of the user's
// way unless asked (OVSXDP_LIBBPF_LOG=debug|info|warn) and capture them while
// an object loads, so a verifier rejection can quote the log's tail.
#pragma once

#include <string>

namespace ovsxdp {

// Installs the callback once; idempotent.
void install_libbpf_log_router();

// While alive, libbpf messages on this thread are also appended to a buffer.
class libbpf_log_capture {
 public:
  libbpf_log_capture();
  ~libbpf_log_capture();
  libbpf_log_capture(const libbpf_log_capture&) = delete;
  libbpf_log_capture& operator=(const libbpf_log_capture&) = delete;

  const std::string& text() const { return text_; }
  // The last `lines` lines of the captured text, indented for an error message.
  std::string tail(int lines) const;

 private:
  std::string text_;
  libbpf_log_capture* previous_;
};

}  // namespace ovsxdp
