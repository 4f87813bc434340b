// Where fields of kernel structs lie in this kernel, from its BTF
// (/sys/kernel/btf/vmlinux): offsets a BPF tracing program gets as rodata
// to read, say, net_device.ifindex and the namespace behind
// net_device.nd_net without CO-RE relocations. Members inside anonymous
// structs and unions are found as the C compiler finds them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct btf;

namespace ovsxdp::netdev {

struct member_location {
  std::uint32_t offset = 0;         // bytes from the start of the outer struct (a bitfield: the byte of its first bit)
  std::uint32_t size = 0;           // bytes of the member's type (a pointer: 8)
  std::uint32_t bit_offset = 0;     // bits from the start of the outer struct
  std::uint32_t bitfield_bits = 0;  // width of a bitfield; 0 for an ordinary member
  std::string type_name;            // "int", "struct ns_common", "struct net *", ...
};

class kernel_btf {
 public:
  // The running kernel's BTF; throws saying the kernel needs CONFIG_DEBUG_INFO_BTF.
  static kernel_btf load_vmlinux();

  kernel_btf(kernel_btf&&) noexcept = default;
  kernel_btf& operator=(kernel_btf&&) noexcept = default;
  ~kernel_btf();

  // `path` is a member, or members separated by dots descending into
  // embedded structs and unions: member("net_device", "ifindex"),
  // member("net_device", "nd_net.net"), member("net", "ns.inum"). A pointer
  // ends the path (what it points to is elsewhere in memory). Throws naming
  // the struct and the member that is missing.
  member_location member(const std::string& struct_name, const std::string& path) const;
  // sizeof(struct struct_name).
  std::uint32_t struct_size(const std::string& struct_name) const;
  bool has_struct(const std::string& struct_name) const;

 private:
  struct deleter {
    void operator()(btf* b) const noexcept;
  };
  explicit kernel_btf(btf* b) : btf_(b) {}
  std::unique_ptr<btf, deleter> btf_;
};

}  // namespace ovsxdp::netdev
