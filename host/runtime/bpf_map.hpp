// Thin typed access to BPF maps by fd, with errors that name the map.
#pragma once

#include <bpf/bpf.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/error.hpp"
#include "runtime/fd.hpp"

namespace ovsxdp {

class map_handle {
 public:
  map_handle() = default;
  map_handle(unique_fd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  explicit operator bool() const { return static_cast<bool>(fd_); }

  template <class K, class V>
  bool lookup(const K& key, V& value) const {
    if (bpf_map_lookup_elem(fd_.get(), &key, &value) == 0) return true;
    if (errno == ENOENT) return false;
    throw system_error("read map", name_, errno);
  }
  template <class K, class V>
  void update(const K& key, const V& value, std::uint64_t flags = BPF_ANY) const {
    if (bpf_map_update_elem(fd_.get(), &key, &value, flags) != 0) throw system_error("update map", name_, errno);
  }
  // false when the key was already there (flags = BPF_NOEXIST).
  template <class K, class V>
  bool insert(const K& key, const V& value) const {
    if (bpf_map_update_elem(fd_.get(), &key, &value, BPF_NOEXIST) == 0) return true;
    if (errno == EEXIST) return false;
    throw system_error("insert into map", name_, errno);
  }
  template <class K>
  bool erase(const K& key) const {
    if (bpf_map_delete_elem(fd_.get(), &key) == 0) return true;
    if (errno == ENOENT) return false;
    throw system_error("delete from map", name_, errno);
  }
  // Every CPU's value of a per-CPU map entry.
  template <class V>
  std::vector<V> lookup_percpu(std::uint32_t key, int cpus) const {
    std::vector<V> values(static_cast<std::size_t>(cpus));
    if (bpf_map_lookup_elem(fd_.get(), &key, values.data()) != 0) throw system_error("read map", name_, errno);
    return values;
  }

 private:
  unique_fd fd_;
  std::string name_;
};

// CPUs per-CPU maps have values for (libbpf_num_possible_cpus).
int possible_cpus();

}  // namespace ovsxdp
