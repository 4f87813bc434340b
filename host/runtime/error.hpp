// Errors that say what failed, with which argument, why, and what to do.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ovsxdp {

class error;
// error from a failed system or libbpf call: reason is strerror(errnum),
// errnum() the errno.
error system_error(std::string operation, std::string subject, int errnum, std::string remedy = {});

class error : public std::runtime_error {
 public:
  // operation: what failed ("load BPF object ovsxdp_datapath")
  // subject:   the argument it failed on ("eth0", "/sys/fs/bpf"); may be empty
  // reason:    why ("No such device", "verifier rejected the program")
  // remedy:    what to do about it; may be empty
  error(std::string operation, std::string subject, std::string reason, std::string remedy = {});

  const std::string& operation() const noexcept { return operation_; }
  const std::string& subject() const noexcept { return subject_; }
  const std::string& reason() const noexcept { return reason_; }
  const std::string& remedy() const noexcept { return remedy_; }
  // The errno of the failed system call (system_error), 0 when none.
  int errnum() const noexcept { return errnum_; }

 private:
  friend error system_error(std::string operation, std::string subject, int errnum, std::string remedy);
  std::string operation_, subject_, reason_, remedy_;
  int errnum_ = 0;
};

// A flow or action the datapath refuses (what Linux answers with EINVAL):
// the caller's input is wrong, not the system. ovsxdp-dpctl exits 2 on it.
class invalid_flow : public error {
 public:
  using error::error;
};

// `text` as a message quotes it: at most `limit` characters, and a longer
// text cut with how long it was ("abc... (1048576 characters)").
std::string excerpt(std::string_view text, std::size_t limit = 80);
// `message` with each line longer than `limit` cut to its head and tail, so
// that no argument, however long, floods the terminal.
std::string bounded_lines(std::string_view message, std::size_t limit = 400);

}  // namespace ovsxdp
