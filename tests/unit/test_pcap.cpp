// The pcap reader: every malformed input gets an error naming the file and
// what is wrong; valid files in both byte orders and resolutions read back.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "pcap/pcap.hpp"
#include "runtime/error.hpp"

using namespace ovsxdp;

namespace {
std::string temp_file(const std::string& name, const std::string& content) {
  std::string path = "/tmp/ovsxdp-test-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string le32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string be32(std::uint32_t v) { return le32(__builtin_bswap32(v)); }
std::string le16(std::uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); }
std::string be16(std::uint16_t v) { return le16(__builtin_bswap16(v)); }

std::string header_le(std::uint32_t magic, std::uint32_t link) {
  return le32(magic) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(link);
}
std::string record_le(std::uint32_t s, std::uint32_t frac, const std::string& data, std::uint32_t orig = 0) {
  return le32(s) + le32(frac) + le32(static_cast<std::uint32_t>(data.size())) + le32(orig ? orig : static_cast<std::uint32_t>(data.size())) + data;
}

void check_error(const std::string& content, const std::string& fragment) {
  std::string path = temp_file("bad.pcap", content);
  CHECK_THROWS_WITH_AS(pcap::read_file(path), doctest::Contains(fragment.c_str()), ovsxdp::error);
  std::remove(path.c_str());
}
}  // namespace

TEST_CASE("pcap: round trip through writer and reader") {
  std::string path = temp_file("rt.pcap", "");
  std::vector<std::vector<std::uint8_t>> frames{{1, 2, 3}, std::vector<std::uint8_t>(1500, 0xee), {}};
  pcap::write_file(path, frames);
  auto records = pcap::read_file(path);
  REQUIRE(records.size() == 3);
  for (std::size_t i = 0; i < 3; i++) CHECK(records[i].data == frames[i]);
  CHECK(records[1].timestamp_ns < records[2].timestamp_ns);
  std::remove(path.c_str());
}

TEST_CASE("pcap: big-endian and nanosecond files") {
  std::string be = be32(0xa1b2c3d4) + be16(2) + be16(4) + be32(0) + be32(0) + be32(65535) + be32(1) +
                   be32(5) + be32(250000) + be32(2) + be32(60) + std::string("\xab\xcd", 2);
  std::string path = temp_file("be.pcap", be);
  auto records = pcap::read_file(path);
  REQUIRE(records.size() == 1);
  CHECK(records[0].data == std::vector<std::uint8_t>{0xab, 0xcd});
  CHECK(records[0].original_length == 60);
  CHECK(records[0].timestamp_ns == 5'250'000'000ULL);
  std::remove(path.c_str());

  std::string ns = header_le(0xa1b23c4d, 1) + record_le(1, 7, "x");
  path = temp_file("ns.pcap", ns);
  CHECK(pcap::read_file(path).at(0).timestamp_ns == 1'000'000'007ULL);
  std::remove(path.c_str());
}

TEST_CASE("pcap: malformed files are refused with a precise reason") {
  check_error("", "shorter than the 24-byte pcap header");
  check_error("root:x:0:0:root:/root:/bin/bash\n", "not a pcap file (magic number");
  check_error(le32(0x0a0d0d0a) + std::string(20, '\0'), "pcapng");
  check_error(header_le(0xa1b2c3d4, 101), "link type 101 is not Ethernet");
  check_error(header_le(0xa1b2c3d4, 1) + record_le(0, 0, "abcd").substr(0, 10), "record 1 header is truncated");
  check_error(header_le(0xa1b2c3d4, 1) + record_le(0, 0, "abcdef").substr(0, 18), "record 1 is truncated: 2 of 6 bytes");
  check_error(header_le(0xa1b2c3d4, 1) + le32(0) + le32(0) + le32(10'000'000) + le32(10'000'000), "the file is corrupt");
  CHECK_THROWS_WITH_AS(pcap::read_file("/nonexistent/file.pcap"), doctest::Contains("No such file or directory"), ovsxdp::error);
}
