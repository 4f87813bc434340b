// Classic libpcap files (the format tcpdump -w writes): read and write
// Ethernet captures. pcapng is recognised and refused with a conversion hint.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ovsxdp::pcap {

inline constexpr std::uint32_t kLinkTypeEthernet = 1;
// Records claiming more than this are treated as corruption.
inline constexpr std::uint32_t kMaxRecordLength = 256 * 1024;

struct record {
  std::uint64_t timestamp_ns = 0;
  std::uint32_t original_length = 0;  // on the wire; may exceed data.size() (snaplen)
  std::vector<std::uint8_t> data;
};

class reader {
 public:
  // `source_name` only labels errors. Throws ovsxdp::error on a bad header.
  reader(std::istream& in, std::string source_name);
  // Next record, or nullopt at a clean end of file. Throws on truncation.
  std::optional<record> next();
  std::uint32_t link_type() const { return link_type_; }

 private:
  std::istream& in_;
  std::string name_;
  bool swapped_ = false;
  bool nanoseconds_ = false;
  std::uint32_t link_type_ = 0;
  std::uint64_t index_ = 0;
};

// Reads a whole Ethernet capture; throws ovsxdp::error naming the file.
std::vector<record> read_file(const std::string& path);

class writer {
 public:
  explicit writer(std::ostream& out, std::uint32_t snaplen = 65535);
  void write(const std::vector<std::uint8_t>& frame, std::uint64_t timestamp_ns = 0);

 private:
  std::ostream& out_;
};

void write_file(const std::string& path, const std::vector<std::vector<std::uint8_t>>& frames);

}  // namespace ovsxdp::pcap
