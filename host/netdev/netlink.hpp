// A small netlink client: one socket per conversation (RAII), a message
// builder with nested attributes, a bounds-checked attribute reader, and a
// request/answer exchange that checks sequence numbers and turns
// NLMSG_ERROR into an ovsxdp::error carrying the kernel's extended ack
// message. Used for rtnetlink (links, nsids) and generic netlink (netdev).
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "netdev/netns.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"

namespace ovsxdp::netdev {

// A request we build never exceeds this (ours are a few hundred bytes).
inline constexpr std::size_t kMaxNetlinkRequest = 64 * 1024;
// One datagram from the kernel larger than this is refused, not read.
inline constexpr std::size_t kMaxNetlinkDatagram = 1024 * 1024;
// A kernel that has not answered within this long is reported, not awaited.
inline constexpr int kNetlinkTimeoutMs = 5000;

// The kernel refused a request (NLMSG_ERROR): errnum is positive, and
// kernel_message() the extended ack text (NLMSGERR_ATTR_MSG), if it sent one.
class netlink_error : public error {
 public:
  netlink_error(std::string operation, std::string subject, int errnum, std::string kernel_message, std::string remedy);
  int errnum() const noexcept { return errnum_; }
  const std::string& kernel_message() const noexcept { return kernel_message_; }

 private:
  int errnum_;
  std::string kernel_message_;
};

// What to do about errno `errnum` from a request, for the error's hint.
using remedy_for = std::function<std::string(int errnum)>;

// Builds one request: nlmsghdr, a fixed family header, then attributes.
class netlink_message {
 public:
  netlink_message(std::uint16_t type, std::uint16_t flags);

  // A fixed struct, padded to 4 bytes: the family header (ifinfomsg,
  // genlmsghdr) right after nlmsghdr, or one that opens a nest (a veth peer's
  // ifinfomsg).
  template <class Header>
  void put_struct(const Header& header) {
    append(&header, sizeof header);
    pad();
  }
  void put(std::uint16_t type, const void* data, std::size_t size);
  void put_u8(std::uint16_t type, std::uint8_t value) { put(type, &value, sizeof value); }
  void put_u16(std::uint16_t type, std::uint16_t value) { put(type, &value, sizeof value); }
  void put_u32(std::uint16_t type, std::uint32_t value) { put(type, &value, sizeof value); }
  void put_s32(std::uint16_t type, std::int32_t value) { put(type, &value, sizeof value); }
  void put_string(std::uint16_t type, std::string_view value);  // NUL-terminated

  // Nested attributes: everything put between begin and end goes inside.
  // flag_nested sets NLA_F_NESTED, which strict policies want; leave it off
  // for a nest that starts with a struct (VETH_INFO_PEER).
  std::size_t begin_nested(std::uint16_t type, bool flag_nested = true);
  void end_nested(std::size_t token);

  std::uint16_t type() const noexcept;
  bool is_dump() const noexcept;
  // The bytes to send with this sequence number and port id filled in.
  std::span<const std::byte> finish(std::uint32_t sequence, std::uint32_t port);

 private:
  void append(const void* data, std::size_t size);
  void pad();
  std::vector<std::byte> buffer_;
};

// A run of attributes (struct nlattr and struct rtattr share one layout),
// read with bounds checks: a truncated or overlong attribute ends the run.
class attributes {
 public:
  attributes() = default;
  explicit attributes(std::span<const std::byte> bytes) : bytes_(bytes) {}

  struct attribute {
    std::uint16_t type;  // NLA_F_NESTED and NLA_F_NET_BYTEORDER stripped
    std::span<const std::byte> payload;
  };
  class iterator {
   public:
    iterator(std::span<const std::byte> rest) : rest_(rest) { settle(); }
    attribute operator*() const { return current_; }
    iterator& operator++();
    bool operator==(const iterator& other) const { return rest_.size() == other.rest_.size(); }

   private:
    void settle();
    std::span<const std::byte> rest_;
    attribute current_{};
  };
  iterator begin() const { return iterator(bytes_); }
  iterator end() const { return iterator({}); }

  std::optional<std::span<const std::byte>> find(std::uint16_t type) const;
  bool has(std::uint16_t type) const { return find(type).has_value(); }
  // Fixed-size values: nullopt when absent or of the wrong size.
  std::optional<std::uint8_t> u8(std::uint16_t type) const { return fixed<std::uint8_t>(type); }
  std::optional<std::uint16_t> u16(std::uint16_t type) const { return fixed<std::uint16_t>(type); }
  std::optional<std::uint32_t> u32(std::uint16_t type) const { return fixed<std::uint32_t>(type); }
  std::optional<std::int32_t> s32(std::uint16_t type) const { return fixed<std::int32_t>(type); }
  std::optional<std::uint64_t> u64(std::uint16_t type) const { return fixed<std::uint64_t>(type); }
  // A string attribute up to its first NUL (or its end).
  std::optional<std::string> string(std::uint16_t type) const;
  // A nested attribute's contents; empty when absent.
  attributes nested(std::uint16_t type) const;

 private:
  template <class T>
  std::optional<T> fixed(std::uint16_t type) const {
    const auto payload = find(type);
    if (!payload || payload->size() != sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, payload->data(), sizeof value);
    return value;
  }
  std::span<const std::byte> bytes_;
};

// One message of an answer: its type, flags and what follows nlmsghdr.
struct netlink_reply {
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::vector<std::byte> payload;

  // The family header, copied out; throws when the payload is shorter.
  template <class Header>
  Header header() const {
    Header h{};
    if (payload.size() < sizeof h) throw error("read a netlink reply", "", "it is shorter than its header (" + std::to_string(payload.size()) + " bytes)");
    std::memcpy(&h, payload.data(), sizeof h);
    return h;
  }
  // The attributes after a family header of `header_size` bytes (aligned).
  attributes attrs(std::size_t header_size) const;
};

// A netlink socket bound to a kernel-assigned port, in the namespace it was
// opened in (the kernel resolves names and ifindexes there for its life).
class netlink_socket {
 public:
  // protocol: NETLINK_ROUTE or NETLINK_GENERIC.
  explicit netlink_socket(int protocol, netns_ref ns = {});

  netlink_socket(netlink_socket&&) noexcept = default;
  netlink_socket& operator=(netlink_socket&&) noexcept = default;

  // What the error messages of this socket's requests say about where they ran.
  const std::string& where() const { return where_; }

  // Sends `request` (NLM_F_REQUEST is added; NLM_F_ACK too unless it is a
  // dump) and returns the messages answering it: for a dump, every one up to
  // NLMSG_DONE; otherwise those before the acknowledgement. Throws
  // netlink_error (with `operation`, `subject` followed by where(), and
  // remedy(errno)) when the kernel refuses, and error on a malformed, oversized or
  // missing answer. A dump interrupted by a concurrent change is retried a
  // few times.
  std::vector<netlink_reply> exchange(netlink_message& request, const std::string& operation, const std::string& subject,
                                      const remedy_for& remedy = {});

 private:
  std::vector<std::byte> receive_datagram(const std::string& operation, const std::string& subject);
  unique_fd fd_;
  std::uint32_t port_ = 0;
  std::uint32_t next_sequence_ = 1;
  std::string where_;
};

// Generic netlink: the id of family `name` (CTRL_CMD_GETFAMILY); nullopt
// when the kernel has no such family.
std::optional<std::uint16_t> find_genl_family(netlink_socket& generic, const std::string& name);

}  // namespace ovsxdp::netdev
