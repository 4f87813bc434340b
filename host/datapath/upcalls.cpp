// Upcall channels: BPF ring buffers in the datapath's array of maps
// (dp_upcall_channels), one per slow-path handler. Each handle maps the rings
// itself, found by id from the pinned outer map, so a process that adopted
// the datapath reads them too, and takes records one at a time: libbpf 1.1's
// ring_buffer consumes everything a ring holds in one call.
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include "datapath/datapath_impl.hpp"

namespace ovsxdp {

using namespace datapath_detail;

namespace {

// The kernel's ring buffer record header (kernel/bpf/ringbuf.c).
constexpr std::uint32_t kRecordHeader = BPF_RINGBUF_HDR_SZ;

upcall decode_upcall(const std::uint8_t* data, std::size_t size) {
  ovsxdp_upcall raw{};
  std::memcpy(&raw, data, std::min(size, sizeof raw));
  upcall u;
  u.reason = static_cast<ovsxdp_upcall_reason>(raw.reason);
  u.in_port = raw.in_port;
  u.packet_len = raw.packet_len;
  u.pid = raw.pid;
  u.nonce = raw.nonce;
  u.key = raw.key;
  u.userdata.assign(raw.userdata, raw.userdata + std::min<std::uint32_t>(raw.userdata_len, OVSXDP_USERDATA_MAX));
  if (size > sizeof raw) u.packet.assign(data + sizeof raw, data + sizeof raw + std::min<std::size_t>(raw.captured_len, size - sizeof raw));
  return u;
}

}  // namespace

datapath_detail::upcall_ring::upcall_ring(unique_fd fd, const std::string& what) : fd_(std::move(fd)) {
  bpf_map_info info{};
  __u32 length = sizeof info;
  if (bpf_obj_get_info_by_fd(fd_.get(), &info, &length) != 0) throw system_error("read the map info of", what, errno);
  if (info.type != BPF_MAP_TYPE_RINGBUF) throw error("open", what, "it is not a ring buffer (map type " + std::to_string(info.type) + ")");
  page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  mask_ = info.max_entries - 1;
  consumer_ = mmap(nullptr, page_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (consumer_ == MAP_FAILED) throw system_error("map the consumer page of", what, errno);
  // The data pages are mapped twice in a row, so a record that wraps reads
  // contiguously.
  producer_length_ = page_ + 2 * std::size_t{info.max_entries};
  producer_ = mmap(nullptr, producer_length_, PROT_READ, MAP_SHARED, fd_.get(), static_cast<off_t>(page_));
  if (producer_ == MAP_FAILED) {
    const int err = errno;
    munmap(consumer_, page_);
    throw system_error("map the data pages of", what, err);
  }
}

datapath_detail::upcall_ring::~upcall_ring() {
  munmap(producer_, producer_length_);
  munmap(consumer_, page_);
}

bool datapath_detail::upcall_ring::take(upcall& out) {
  auto* consumer_pos = static_cast<unsigned long*>(consumer_);
  const auto* producer_pos = static_cast<const unsigned long*>(producer_);
  const auto* data = static_cast<const std::uint8_t*>(producer_) + page_;
  for (;;) {
    unsigned long consumed = __atomic_load_n(consumer_pos, __ATOMIC_ACQUIRE);
    const unsigned long produced = __atomic_load_n(producer_pos, __ATOMIC_ACQUIRE);
    if (consumed >= produced) return false;
    const auto* header = data + (consumed & mask_);
    const std::uint32_t len = __atomic_load_n(reinterpret_cast<const std::uint32_t*>(header), __ATOMIC_ACQUIRE);
    if (len & BPF_RINGBUF_BUSY_BIT) return false;  // reserved, not yet submitted: records stay in order
    const std::uint32_t size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
    consumed += (size + kRecordHeader + 7) & ~7ul;
    const bool discarded = len & BPF_RINGBUF_DISCARD_BIT;
    if (!discarded) out = decode_upcall(header + kRecordHeader, size);
    __atomic_store_n(consumer_pos, consumed, __ATOMIC_RELEASE);
    if (!discarded) return true;
  }
}

// ---------------------------------------------------------------- impl
void datapath::impl::open_channels() {
  const std::uint32_t version = __atomic_load_n(&info().upcall_version, __ATOMIC_ACQUIRE);
  {
    std::shared_lock reading(channels_mutex);
    if (channels_version == version) return;
  }
  std::unique_lock replacing(channels_mutex);
  if (channels_version == version) return;
  std::vector<std::unique_ptr<channel>> fresh;
  const std::uint32_t n = std::min<std::uint32_t>(info().upcall_channels, OVSXDP_UPCALL_CHANNELS_MAX);
  for (std::uint32_t i = 0; i < n; i++) {
    const std::string what = "upcall channel " + std::to_string(i) + " of datapath " + name;
    std::uint32_t id = 0;
    if (bpf_map_lookup_elem(map("upcall_channels").fd(), &i, &id) != 0)
      throw system_error("find", what, errno, "set the channels again (set_upcall_channels)");
    unique_fd fd(bpf_map_get_fd_by_id(id));
    if (!fd) throw system_error("open", what, errno);
    fresh.push_back(std::make_unique<channel>(std::move(fd), what));
  }
  channels = std::move(fresh);
  channels_version = version;
}

// ---------------------------------------------------------------- datapath
void datapath::set_upcall_channels(std::uint32_t n) {
  auto& p = *impl_;
  if (n < 1 || n > OVSXDP_UPCALL_CHANNELS_MAX)
    throw error("set the upcall channels of datapath", p.name, std::to_string(n) + " channels asked for; a datapath has 1.." + std::to_string(OVSXDP_UPCALL_CHANNELS_MAX));
  impl::write_scope write(p);
  const std::uint32_t bytes = p.info().upcall_ring;
  std::vector<unique_fd> rings;
  for (std::uint32_t i = 0; i < n; i++) {
    rings.emplace_back(bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ovsxdp_upcalls", 0, 0, bytes, nullptr));
    if (!rings.back()) throw system_error("create upcall ring " + std::to_string(i) + " (" + std::to_string(bytes) + " bytes) of datapath", p.name, errno);
  }
  // New rings in place first (each slot swaps atomically for the programs),
  // then the count; slots beyond a smaller count go last.
  const int outer = p.map("upcall_channels").fd();
  for (std::uint32_t i = 0; i < n; i++) {
    const int fd = rings[i].get();
    if (bpf_map_update_elem(outer, &i, &fd, BPF_ANY) != 0) throw system_error("install upcall ring " + std::to_string(i) + " of datapath", p.name, errno);
  }
  atomic_store(p.info().upcall_channels, n);
  for (std::uint32_t i = n; i < OVSXDP_UPCALL_CHANNELS_MAX; i++) bpf_map_delete_elem(outer, &i);  // ENOENT for most
  atomic_store(p.info().upcall_version, p.info().upcall_version + 1);
  p.bump_generation();
}

std::uint32_t datapath::upcall_channels() const { return __atomic_load_n(&impl_->info().upcall_channels, __ATOMIC_ACQUIRE); }

int datapath::upcall_fd(std::uint32_t ch) const {
  auto& p = *impl_;
  p.open_channels();
  std::shared_lock reading(p.channels_mutex);
  if (ch >= p.channels.size())
    throw error("get the descriptor of upcall channel " + std::to_string(ch) + " of datapath", p.name,
                "it has " + std::to_string(p.channels.size()) + " channels");
  return p.channels[ch]->ring.fd();
}

bool datapath::receive_upcall(std::uint32_t ch, upcall& out) {
  auto& p = *impl_;
  p.open_channels();
  std::shared_lock reading(p.channels_mutex);
  if (ch >= p.channels.size())
    throw error("receive from upcall channel " + std::to_string(ch) + " of datapath", p.name,
                "it has " + std::to_string(p.channels.size()) + " channels");
  impl::channel& c = *p.channels[ch];
  const std::lock_guard one_reader(c.mutex);
  return c.ring.take(out);
}

void datapath::purge_upcalls() {
  upcall discarded;
  for (std::uint32_t ch = 0; ch < upcall_channels(); ch++)
    while (receive_upcall(ch, discarded)) {
    }
}

std::size_t datapath::poll_upcalls(const std::function<void(const upcall&)>& handler, int timeout_ms) {
  auto& p = *impl_;
  std::size_t seen = 0;
  auto drain = [&] {
    upcall u;
    std::size_t n = 0;
    {
      std::shared_lock reading(p.channels_mutex);
      n = p.channels.size();
    }
    for (std::uint32_t ch = 0; ch < n; ch++)
      while (receive_upcall(ch, u)) {
        handler(u);
        seen++;
      }
  };
  p.open_channels();
  drain();
  if (seen || timeout_ms <= 0) return seen;
  std::vector<pollfd> fds;
  {
    std::shared_lock reading(p.channels_mutex);
    for (const auto& c : p.channels) fds.push_back(pollfd{c->ring.fd(), POLLIN, 0});
  }
  if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) throw system_error("wait for upcalls of", p.name, errno);
  drain();
  return seen;
}

}  // namespace ovsxdp
