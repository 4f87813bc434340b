// How the C API turns C++ failures into errno values and this thread's
// message (ovsxdp_last_error), so that no exception crosses it.
#pragma once

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>

namespace ovsxdp::capi {

// A refusal the C API makes itself (a NULL argument, an errno the header
// promises), carrying the errno to return.
class failure : public std::runtime_error {
 public:
  failure(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

[[noreturn]] void fail(int code, const std::string& message);

// The errno a failure escaping the C++ library maps to:
//   failure                       its code
//   odp::netlink_error            EINVAL (a key, mask or action list refused)
//   invalid_flow                  EINVAL
//   error with errnum()           that errno (a failed system call)
//   error naming a known refusal  EEXIST ("File exists", "already"), ENOENT
//                                 ("no such"), EFBIG ("is full", "maximum")
//   std::bad_alloc                ENOMEM
//   anything else                 EIO
int errno_of(const std::exception& e);

// Records `function`'s failure as this thread's last error; returns its errno.
int record(const char* function, const std::exception& e) noexcept;
int record_unknown(const char* function) noexcept;

// Runs `body` and returns 0, or the errno of what it threw (recorded).
template <class Body>
int guarded(const char* function, Body&& body) noexcept {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    return record(function, e);
  } catch (...) {
    return record_unknown(function);
  }
}

// A pointer argument the caller must give.
void require(const void* pointer, const char* argument);
// A buffer argument: `pointer` may be NULL only when `length` is 0.
void require_buffer(const void* pointer, std::size_t length, const char* argument);

}  // namespace ovsxdp::capi
