#include "pcap/pcap.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "runtime/error.hpp"

namespace ovsxdp::pcap {
namespace {

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kMagicPcapng = 0x0a0d0d0a;

std::uint32_t swap32(std::uint32_t v) { return __builtin_bswap32(v); }

bool read_exact(std::istream& in, void* buffer, std::size_t size, std::size_t& got) {
  in.read(static_cast<char*>(buffer), static_cast<std::streamsize>(size));
  got = static_cast<std::size_t>(in.gcount());
  return got == size;
}

template <class T>
void put(std::ostream& out, T value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(value));
}

}  // namespace

reader::reader(std::istream& in, std::string source_name) : in_(in), name_(std::move(source_name)) {
  struct {
    std::uint32_t magic;
    std::uint16_t major, minor;
    std::int32_t zone;
    std::uint32_t sigfigs, snaplen, link_type;
  } header;
  static_assert(sizeof(header) == 24);
  std::size_t got = 0;
  if (!read_exact(in_, &header, sizeof(header), got))
    throw error("read pcap file", name_, "file is " + std::to_string(got) + " bytes, shorter than the 24-byte pcap header");
  switch (header.magic) {
    case kMagicMicro: break;
    case kMagicNano: nanoseconds_ = true; break;
    default:
      if (swap32(header.magic) == kMagicMicro) swapped_ = true;
      else if (swap32(header.magic) == kMagicNano) swapped_ = nanoseconds_ = true;
      else if (header.magic == kMagicPcapng)
        throw error("read pcap file", name_, "this is a pcapng file; only classic pcap is supported",
                    "convert it: tcpdump -r " + name_ + " -w converted.pcap");
      else {
        char hex[16];
        std::snprintf(hex, sizeof(hex), "0x%08x", header.magic);
        throw error("read pcap file", name_, std::string("not a pcap file (magic number ") + hex + ")");
      }
  }
  link_type_ = swapped_ ? swap32(header.link_type) : header.link_type;
  link_type_ &= 0x0fffffff;  // upper bits carry FCS information
}

std::optional<record> reader::next() {
  struct {
    std::uint32_t seconds, fraction, captured, original;
  } header;
  std::size_t got = 0;
  if (!read_exact(in_, &header, sizeof(header), got)) {
    if (got == 0) return std::nullopt;
    throw error("read pcap file", name_, "record " + std::to_string(index_ + 1) + " header is truncated (" + std::to_string(got) + " of 16 bytes)");
  }
  if (swapped_) {
    header.seconds = swap32(header.seconds);
    header.fraction = swap32(header.fraction);
    header.captured = swap32(header.captured);
    header.original = swap32(header.original);
  }
  index_++;
  if (header.captured > kMaxRecordLength)
    throw error("read pcap file", name_, "record " + std::to_string(index_) + " claims " + std::to_string(header.captured) + " captured bytes (limit " + std::to_string(kMaxRecordLength) + "): the file is corrupt");
  record r;
  r.timestamp_ns = std::uint64_t{header.seconds} * 1000000000ULL + std::uint64_t{header.fraction} * (nanoseconds_ ? 1 : 1000);
  r.original_length = header.original;
  r.data.resize(header.captured);
  if (!read_exact(in_, r.data.data(), r.data.size(), got))
    throw error("read pcap file", name_, "record " + std::to_string(index_) + " is truncated: " + std::to_string(got) + " of " + std::to_string(header.captured) + " bytes present");
  return r;
}

std::vector<record> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw system_error("open pcap file", path, errno);
  reader r(in, path);
  if (r.link_type() != kLinkTypeEthernet)
    throw error("read pcap file", path, "link type " + std::to_string(r.link_type()) + " is not Ethernet (1)",
                "capture on an Ethernet interface, e.g. tcpdump -i eth0 -w file.pcap");
  std::vector<record> records;
  while (auto rec = r.next()) records.push_back(std::move(*rec));
  return records;
}

writer::writer(std::ostream& out, std::uint32_t snaplen) : out_(out) {
  put<std::uint32_t>(out_, kMagicMicro);
  put<std::uint16_t>(out_, 2);
  put<std::uint16_t>(out_, 4);
  put<std::int32_t>(out_, 0);
  put<std::uint32_t>(out_, 0);
  put<std::uint32_t>(out_, snaplen);
  put<std::uint32_t>(out_, kLinkTypeEthernet);
}

void writer::write(const std::vector<std::uint8_t>& frame, std::uint64_t timestamp_ns) {
  put<std::uint32_t>(out_, static_cast<std::uint32_t>(timestamp_ns / 1000000000ULL));
  put<std::uint32_t>(out_, static_cast<std::uint32_t>(timestamp_ns % 1000000000ULL / 1000));
  put<std::uint32_t>(out_, static_cast<std::uint32_t>(frame.size()));
  put<std::uint32_t>(out_, static_cast<std::uint32_t>(frame.size()));
  out_.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
}

void write_file(const std::string& path, const std::vector<std::vector<std::uint8_t>>& frames) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw system_error("create pcap file", path, errno);
  writer w(out);
  std::uint64_t t = 0;
  for (const auto& f : frames) w.write(f, t += 1000);
  if (!out.flush()) throw system_error("write pcap file", path, errno);
}

}  // namespace ovsxdp::pcap
