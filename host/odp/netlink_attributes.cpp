#include "odp/netlink_attributes.hpp"

#include <algorithm>

namespace ovsxdp::odp {

netlink_error::netlink_error(int attribute, std::string message) : std::runtime_error(std::move(message)), attribute_(attribute) {}

namespace nl {

std::vector<attribute> parse(std::span<const std::uint8_t> stream, int context, const std::string& what) {
  std::vector<attribute> out;
  std::size_t at = 0;
  while (at < stream.size()) {
    const std::size_t rest = stream.size() - at;
    if (rest < kHeaderLength)
      throw netlink_error(context, what + ": " + std::to_string(rest) + " bytes at offset " + std::to_string(at) +
                                       " are too short for an attribute header (4 bytes); the stream is truncated");
    std::uint16_t length, type;
    std::memcpy(&length, stream.data() + at, 2);
    std::memcpy(&type, stream.data() + at + 2, 2);
    if (length < kHeaderLength)
      throw netlink_error(context, what + ": attribute at offset " + std::to_string(at) + " has length " + std::to_string(length) +
                                       ", less than its own 4-byte header");
    // Linux steps by the padded length and refuses a stream it overshoots.
    if (align(length) > rest)
      throw netlink_error(context, what + ": attribute type " + std::to_string(type & kTypeMask) + " at offset " + std::to_string(at) +
                                       " claims " + std::to_string(length) + " bytes (padded " + std::to_string(align(length)) + ") but only " +
                                       std::to_string(rest) + " remain");
    out.push_back({type & kTypeMask, stream.subspan(at + kHeaderLength, length - kHeaderLength)});
    at += align(length);
  }
  return out;
}

bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

void writer::put(int type, const void* data, std::size_t length) {
  if (length + kHeaderLength > kMaxAttributeLength)
    throw netlink_error(type, "attribute of " + std::to_string(length) + " bytes does not fit a netlink length (at most 65531)");
  const std::uint16_t len = static_cast<std::uint16_t>(length + kHeaderLength), t = static_cast<std::uint16_t>(type);
  const std::size_t at = buffer_.size();
  buffer_.resize(at + align(len), 0);
  std::memcpy(buffer_.data() + at, &len, 2);
  std::memcpy(buffer_.data() + at + 2, &t, 2);
  if (length) std::memcpy(buffer_.data() + at + kHeaderLength, data, length);
}

std::size_t writer::begin_nested(int type) {
  const std::size_t at = buffer_.size();
  put(type, nullptr, 0);
  return at;
}

void writer::end_nested(std::size_t start) {
  const std::size_t length = buffer_.size() - start;
  if (length > kMaxAttributeLength) {
    std::uint16_t type;
    std::memcpy(&type, buffer_.data() + start + 2, 2);
    throw netlink_error(type, "nested attribute of " + std::to_string(length) + " bytes does not fit a netlink length (at most 65535)");
  }
  const std::uint16_t len = static_cast<std::uint16_t>(length);
  std::memcpy(buffer_.data() + start, &len, 2);
}

}  // namespace nl
}  // namespace ovsxdp::odp
