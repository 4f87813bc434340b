// Errors: this thread's last message and the errno mapping (errors.hpp).
#include "capi/errors.hpp"

#include <cerrno>
#include <cstdlib>
#include <new>

#include "capi/ovsxdp_capi.h"
#include "odp/netlink.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::capi {
namespace {

thread_local std::string last_error;

bool mentions(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

// The datapath's refusals are ovsxdp::error without an errno: their reason
// says which one it is (datapath.cpp's messages).
int errno_of_reason(const std::string& reason) {
  if (mentions(reason, "File exists") || mentions(reason, "already")) return EEXIST;
  if (mentions(reason, "no such") || mentions(reason, "No such")) return ENOENT;
  if (mentions(reason, "is full") || mentions(reason, "its maximum")) return EFBIG;
  return EIO;
}

}  // namespace

void fail(int code, const std::string& message) { throw failure(code, message); }

int errno_of(const std::exception& e) {
  if (const auto* f = dynamic_cast<const failure*>(&e)) return f->code();
  if (dynamic_cast<const odp::netlink_error*>(&e)) return EINVAL;
  if (dynamic_cast<const invalid_flow*>(&e)) return EINVAL;
  if (const auto* x = dynamic_cast<const error*>(&e)) return x->errnum() > 0 ? x->errnum() : errno_of_reason(x->reason());
  if (dynamic_cast<const std::bad_alloc*>(&e)) return ENOMEM;
  return EIO;
}

int record(const char* function, const std::exception& e) noexcept {
  const int code = errno_of(e);
  try {
    last_error = std::string(function) + ": " + e.what();
  } catch (...) {
    last_error.clear();  // out of memory for the message: the errno still says it
  }
  return code;
}

int record_unknown(const char* function) noexcept {
  try {
    last_error = std::string(function) + ": an unknown C++ exception (not std::exception); report this";
  } catch (...) {
    last_error.clear();
  }
  return EIO;
}

void require(const void* pointer, const char* argument) {
  if (!pointer) fail(EINVAL, std::string("argument ") + argument + " is NULL: pass a valid pointer");
}

void require_buffer(const void* pointer, std::size_t length, const char* argument) {
  if (!pointer && length)
    fail(EINVAL, std::string("argument ") + argument + " is NULL with a length of " + std::to_string(length) +
                     " bytes: pass the buffer, or a length of 0");
}

}  // namespace ovsxdp::capi

extern "C" const char* ovsxdp_last_error(void) { return ovsxdp::capi::last_error.c_str(); }

extern "C" void ovsxdp_free(void* p) { std::free(p); }
