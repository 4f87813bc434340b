#include "netdev/netlink.hpp"

#include <linux/genetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace ovsxdp::netdev {

namespace {

// A dump that a concurrent change interrupted (NLM_F_DUMP_INTR) is asked for
// again this many times before giving up.
constexpr int kDumpAttempts = 4;

std::string with_kernel_message(int errnum, const std::string& kernel_message) {
  std::string reason = std::strerror(errnum);
  if (!kernel_message.empty()) reason += " (kernel: " + kernel_message + ")";
  return reason;
}

// The NLMSGERR_ATTR_MSG of an error or done message whose TLVs start at `tlv_offset`.
std::string extended_ack_message(const nlmsghdr& header, std::span<const std::byte> payload, std::size_t tlv_offset) {
  if (!(header.nlmsg_flags & NLM_F_ACK_TLVS) || tlv_offset >= payload.size()) return {};
  return attributes(payload.subspan(tlv_offset)).string(NLMSGERR_ATTR_MSG).value_or("");
}

}  // namespace

netlink_error::netlink_error(std::string operation, std::string subject, int errnum, std::string kernel_message, std::string remedy)
    : error(std::move(operation), std::move(subject), with_kernel_message(errnum, kernel_message), std::move(remedy)),
      errnum_(errnum),
      kernel_message_(std::move(kernel_message)) {}

// ---- netlink_message

netlink_message::netlink_message(std::uint16_t type, std::uint16_t flags) {
  nlmsghdr header{};
  header.nlmsg_len = sizeof header;
  header.nlmsg_type = type;
  header.nlmsg_flags = flags;
  append(&header, sizeof header);
}

void netlink_message::append(const void* data, std::size_t size) {
  if (buffer_.size() + size > kMaxNetlinkRequest)
    throw error("build a netlink request", "", "it would exceed " + std::to_string(kMaxNetlinkRequest) + " bytes",
                "this is a bug in the request's construction");
  const auto* bytes = static_cast<const std::byte*>(data);
  buffer_.insert(buffer_.end(), bytes, bytes + size);
}

void netlink_message::pad() {
  static constexpr std::byte zeros[NLA_ALIGNTO] = {};
  append(zeros, NLA_ALIGN(buffer_.size()) - buffer_.size());
}

void netlink_message::put(std::uint16_t type, const void* data, std::size_t size) {
  if (size > 0xffff - NLA_HDRLEN) throw error("build a netlink request", "attribute " + std::to_string(type), "its value exceeds 65531 bytes");
  nlattr attr{};
  attr.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + size);
  attr.nla_type = type;
  append(&attr, sizeof attr);
  if (size) append(data, size);
  pad();
}

void netlink_message::put_string(std::uint16_t type, std::string_view value) {
  std::string terminated(value);
  put(type, terminated.c_str(), terminated.size() + 1);
}

std::size_t netlink_message::begin_nested(std::uint16_t type, bool flag_nested) {
  const std::size_t token = buffer_.size();
  nlattr attr{};
  attr.nla_len = NLA_HDRLEN;
  attr.nla_type = static_cast<std::uint16_t>(flag_nested ? (type | NLA_F_NESTED) : type);
  append(&attr, sizeof attr);
  return token;
}

void netlink_message::end_nested(std::size_t token) {
  const std::size_t length = buffer_.size() - token;
  if (length > 0xffff) throw error("build a netlink request", "", "a nested attribute exceeds 65535 bytes");
  const auto len16 = static_cast<std::uint16_t>(length);
  std::memcpy(buffer_.data() + token + offsetof(nlattr, nla_len), &len16, sizeof len16);
}

std::uint16_t netlink_message::type() const noexcept {
  nlmsghdr header;
  std::memcpy(&header, buffer_.data(), sizeof header);
  return header.nlmsg_type;
}

bool netlink_message::is_dump() const noexcept {
  nlmsghdr header;
  std::memcpy(&header, buffer_.data(), sizeof header);
  return (header.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

std::span<const std::byte> netlink_message::finish(std::uint32_t sequence, std::uint32_t port) {
  nlmsghdr header;
  std::memcpy(&header, buffer_.data(), sizeof header);
  header.nlmsg_len = static_cast<std::uint32_t>(buffer_.size());
  header.nlmsg_seq = sequence;
  header.nlmsg_pid = port;
  header.nlmsg_flags |= NLM_F_REQUEST;
  if ((header.nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) header.nlmsg_flags |= NLM_F_ACK;
  std::memcpy(buffer_.data(), &header, sizeof header);
  return buffer_;
}

// ---- attributes

void attributes::iterator::settle() {
  nlattr attr;
  if (rest_.size() < sizeof attr) {
    rest_ = {};
    return;
  }
  std::memcpy(&attr, rest_.data(), sizeof attr);
  if (attr.nla_len < NLA_HDRLEN || attr.nla_len > rest_.size()) {
    rest_ = {};
    return;
  }
  current_.type = static_cast<std::uint16_t>(attr.nla_type & NLA_TYPE_MASK);
  current_.payload = rest_.subspan(NLA_HDRLEN, attr.nla_len - NLA_HDRLEN);
}

attributes::iterator& attributes::iterator::operator++() {
  nlattr attr;
  std::memcpy(&attr, rest_.data(), sizeof attr);
  rest_ = rest_.subspan(std::min<std::size_t>(NLA_ALIGN(attr.nla_len), rest_.size()));
  settle();
  return *this;
}

std::optional<std::span<const std::byte>> attributes::find(std::uint16_t type) const {
  for (const attribute a : *this)
    if (a.type == type) return a.payload;
  return std::nullopt;
}

std::optional<std::string> attributes::string(std::uint16_t type) const {
  const auto payload = find(type);
  if (!payload) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(payload->data()), payload->size());
  if (const auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  return text;
}

attributes attributes::nested(std::uint16_t type) const {
  const auto payload = find(type);
  return payload ? attributes(*payload) : attributes();
}

attributes netlink_reply::attrs(std::size_t header_size) const {
  const std::size_t start = NLMSG_ALIGN(header_size);
  if (start > payload.size()) return {};
  return attributes(std::span<const std::byte>(payload).subspan(start));
}

// ---- netlink_socket

netlink_socket::netlink_socket(int protocol, netns_ref ns) {
  where_ = ns.is_current() ? std::string() : " in network namespace " + describe_netns(ns);
  const std::string family = protocol == NETLINK_ROUTE ? "rtnetlink" : protocol == NETLINK_GENERIC ? "generic netlink" : "netlink";
  // A netlink socket belongs to the namespace it is created in, for good.
  // (errno is per thread: the check stays where the call ran.)
  fd_ = run_in(ns, [&] {
    unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
    if (!fd) throw system_error("open a " + family + " socket" + where_, "", errno);
    return fd;
  });
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
    throw system_error("bind a " + family + " socket" + where_, "", errno);
  socklen_t length = sizeof local;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0)
    throw system_error("read the port of a " + family + " socket" + where_, "", errno);
  port_ = local.nl_pid;
  const int on = 1;
  // The kernel's own words in errors, and acks without the echoed request.
  ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  if (protocol == NETLINK_ROUTE) ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof on);
}

std::vector<std::byte> netlink_socket::receive_datagram(const std::string& operation, const std::string& subject) {
  for (;;) {
    pollfd ready{fd_.get(), POLLIN, 0};
    const int polled = ::poll(&ready, 1, kNetlinkTimeoutMs);
    if (polled < 0 && errno == EINTR) continue;
    if (polled < 0) throw system_error(operation, subject + where_, errno);
    if (polled == 0)
      throw error(operation, subject + where_, "the kernel sent no answer within " + std::to_string(kNetlinkTimeoutMs / 1000) + " s");
    // The datagram's real length, so it is read whole or refused.
    const ssize_t size = ::recv(fd_.get(), nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (size < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (size < 0)
      throw system_error(operation, subject + where_, errno,
                         errno == ENOBUFS ? "the socket's receive buffer overflowed; retry" : std::string());
    if (static_cast<std::size_t>(size) > kMaxNetlinkDatagram) {
      char discard;
      ::recv(fd_.get(), &discard, sizeof discard, MSG_DONTWAIT);
      throw error(operation, subject + where_,
                  "the kernel's answer (" + std::to_string(size) + " bytes) exceeds " + std::to_string(kMaxNetlinkDatagram) + " bytes");
    }
    std::vector<std::byte> datagram(static_cast<std::size_t>(size));
    sockaddr_nl sender{};
    iovec io{datagram.data(), datagram.size()};
    msghdr message{};
    message.msg_name = &sender;
    message.msg_namelen = sizeof sender;
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    const ssize_t got = ::recvmsg(fd_.get(), &message, MSG_DONTWAIT);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) throw system_error(operation, subject + where_, errno);
    if (message.msg_flags & MSG_TRUNC) throw error(operation, subject + where_, "the kernel's answer was truncated");
    if (sender.nl_pid != 0) continue;  // only the kernel answers requests
    datagram.resize(static_cast<std::size_t>(got));
    return datagram;
  }
}

std::vector<netlink_reply> netlink_socket::exchange(netlink_message& request, const std::string& operation, const std::string& subject,
                                                    const remedy_for& remedy) {
  const bool dump = request.is_dump();
  for (int attempt = 1;; attempt++) {
    const std::uint32_t sequence = next_sequence_++;
    const std::span<const std::byte> bytes = request.finish(sequence, port_);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do sent = ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) throw system_error(operation, subject + where_, errno);
    if (static_cast<std::size_t>(sent) != bytes.size()) throw error(operation, subject + where_, "the request was sent only in part");

    std::vector<netlink_reply> replies;
    bool interrupted = false;
    for (bool finished = false; !finished;) {
      const std::vector<std::byte> datagram = receive_datagram(operation, subject);
      std::span<const std::byte> rest(datagram);
      while (!rest.empty() && !finished) {
        nlmsghdr header;
        if (rest.size() < sizeof header) throw error(operation, subject + where_, "the kernel's answer ends inside a message header");
        std::memcpy(&header, rest.data(), sizeof header);
        if (header.nlmsg_len < sizeof header || header.nlmsg_len > rest.size())
          throw error(operation, subject + where_, "the kernel's answer has a message of impossible length " + std::to_string(header.nlmsg_len));
        const std::span<const std::byte> payload = rest.subspan(sizeof header, header.nlmsg_len - sizeof header);
        rest = rest.subspan(std::min<std::size_t>(NLMSG_ALIGN(header.nlmsg_len), rest.size()));
        // Answers to an earlier request on this socket (one abandoned by an exception).
        if (header.nlmsg_seq != sequence || header.nlmsg_pid != port_) continue;
        if (header.nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
        switch (header.nlmsg_type) {
          case NLMSG_NOOP:
            break;
          case NLMSG_OVERRUN:
            throw error(operation, subject + where_, "the kernel reported an overrun (data lost)", "retry");
          case NLMSG_ERROR: {
            nlmsgerr failure;
            if (payload.size() < sizeof failure.error) throw error(operation, subject + where_, "the kernel sent a truncated error message");
            std::memcpy(&failure.error, payload.data(), sizeof failure.error);
            if (failure.error == 0) {  // the acknowledgement: everything before it answered the request
              finished = true;
              break;
            }
            std::size_t tlv_offset = sizeof(nlmsgerr);
            if (!(header.nlmsg_flags & NLM_F_CAPPED) && payload.size() >= sizeof(nlmsgerr)) {
              std::memcpy(&failure, payload.data(), sizeof failure);
              tlv_offset = NLMSG_ALIGN(sizeof failure.error + failure.msg.nlmsg_len);
            }
            throw netlink_error(operation, subject + where_, -failure.error, extended_ack_message(header, payload, tlv_offset),
                                remedy ? remedy(-failure.error) : std::string());
          }
          case NLMSG_DONE: {
            int status = 0;
            if (payload.size() >= sizeof status) std::memcpy(&status, payload.data(), sizeof status);
            if (status < 0)
              throw netlink_error(operation, subject + where_, -status, extended_ack_message(header, payload, sizeof status),
                                  remedy ? remedy(-status) : std::string());
            finished = true;
            break;
          }
          default:
            replies.push_back({header.nlmsg_type, header.nlmsg_flags, std::vector<std::byte>(payload.begin(), payload.end())});
        }
      }
    }
    if (!(dump && interrupted)) return replies;
    if (attempt == kDumpAttempts)
      throw error(operation, subject + where_, "the kernel's listing was interrupted by concurrent changes " + std::to_string(attempt) + " times",
                  "retry when the configuration is quieter");
  }
}

std::optional<std::uint16_t> find_genl_family(netlink_socket& generic, const std::string& name) {
  netlink_message request(GENL_ID_CTRL, 0);
  genlmsghdr header{};
  header.cmd = CTRL_CMD_GETFAMILY;
  header.version = 1;
  request.put_struct(header);
  request.put_string(CTRL_ATTR_FAMILY_NAME, name);
  std::vector<netlink_reply> replies;
  try {
    replies = generic.exchange(request, "look up the generic netlink family", name);
  } catch (const netlink_error& e) {
    if (e.errnum() == ENOENT) return std::nullopt;
    throw;
  }
  for (const netlink_reply& reply : replies)
    if (const auto id = reply.attrs(GENL_HDRLEN).u16(CTRL_ATTR_FAMILY_ID)) return *id;
  throw error("look up the generic netlink family", name + generic.where(), "the kernel's answer carries no family id");
}

}  // namespace ovsxdp::netdev
