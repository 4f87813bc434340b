// RAII over bpftool-generated skeletons: one owner, movable, destroyed once.
// Loading goes through load(), which turns libbpf failures into errors that
// name the object and quote the verifier log.
#pragma once

#include <bpf/libbpf.h>

#include <string>
#include <utility>

#include "runtime/error.hpp"
#include "runtime/libbpf_log.hpp"

namespace ovsxdp {

// Builds the error for a failed bpf_object__load: classifies the errno and
// the log (privileges, missing kernel feature, verifier rejection).
error load_error(const std::string& object_name, int err, const libbpf_log_capture& log);

template <class Skel>
class skeleton {
 public:
  // Phase 1: parse the embedded object; maps and programs can be adjusted
  // (sizes, pin paths, rodata) between open() and load().
  static skeleton open(std::string name) {
    install_libbpf_log_router();
    libbpf_log_capture log;
    Skel* raw = Skel::open();
    if (!raw) throw error("open BPF object", name, "libbpf could not parse it (errno " + std::to_string(errno) + ")\n" + log.tail(10));
    return skeleton(raw, std::move(name));
  }

  // Phase 2: create maps, load and verify programs.
  void load() {
    libbpf_log_capture log;
    if (int err = Skel::load(raw_)) throw load_error(name_, err, log);
    // libbpf loads programs without BTF when the kernel refuses it; ours rely
    // on it (global functions, line info), so that is an error.
    if (log.text().find("Error loading .BTF into kernel") != std::string::npos)
      throw error("load BPF object", name_, "the kernel rejected its BTF:\n" + log.tail(8),
                  "a type name the kernel refuses reached BTF; cmake/check_btf_names.py should have caught it");
  }

  static skeleton open_and_load(std::string name) {
    skeleton s = open(std::move(name));
    s.load();
    return s;
  }

  skeleton(skeleton&& other) noexcept : raw_(std::exchange(other.raw_, nullptr)), name_(std::move(other.name_)) {}
  skeleton& operator=(skeleton&& other) noexcept {
    if (this != &other) {
      reset();
      raw_ = std::exchange(other.raw_, nullptr);
      name_ = std::move(other.name_);
    }
    return *this;
  }
  skeleton(const skeleton&) = delete;
  skeleton& operator=(const skeleton&) = delete;
  ~skeleton() { reset(); }

  Skel* operator->() const noexcept { return raw_; }
  Skel& operator*() const noexcept { return *raw_; }
  Skel* get() const noexcept { return raw_; }
  const std::string& name() const noexcept { return name_; }

 private:
  skeleton(Skel* raw, std::string name) : raw_(raw), name_(std::move(name)) {}
  void reset() noexcept {
    if (raw_) Skel::destroy(std::exchange(raw_, nullptr));
  }

  Skel* raw_ = nullptr;
  std::string name_;
};

}  // namespace ovsxdp
