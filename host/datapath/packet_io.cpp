// Packet I/O: executing packets with actions (test runs, or the loop device
// for jumbo frames), and tracing. Upcalls: upcalls.cpp.
#include <sys/random.h>
#include <time.h>

#include <algorithm>
#include <chrono>

#include "datapath/datapath_impl.hpp"
#include "datapath/fork_plan.hpp"
#include "datapath/validate.hpp"
#include "ovsxdp/flow/extract.h"
#include "runtime/packet_socket.hpp"
#include "runtime/test_run.hpp"

namespace ovsxdp {

using namespace datapath_detail;

namespace {

std::uint64_t random_u64() {
  std::uint64_t v = 0;
  while (v == 0)
    if (getrandom(&v, sizeof v, 0) != sizeof v) throw system_error("get random bytes", "getrandom", errno);
  return v;
}

}  // namespace

int datapath::impl::on_trace_event(void* ctx, void* data, size_t size) {
  auto* self = static_cast<impl*>(ctx);
  if (size < sizeof(ovsxdp_trace_event)) return 0;
  ovsxdp_trace_event e;
  std::memcpy(&e, data, sizeof e);
  if (e.nonce != self->trace_nonce) return 0;  // another run's leftovers
  trace_event t;
  t.kind = static_cast<ovsxdp_trace_kind>(e.kind);
  t.port = e.port;
  const auto* bytes = static_cast<const std::uint8_t*>(data) + sizeof e;
  t.packet.assign(bytes, bytes + std::min<std::size_t>(e.length, size - sizeof e));
  self->trace_collected.emplace_back(e.sequence, std::move(t));
  return 0;
}

ring_buffer* datapath::impl::ring(ring_buffer*& slot, const char* map_name, ring_buffer_sample_fn fn, void* ctx) {
  if (!slot) {
    slot = ring_buffer__new(map(map_name).fd(), fn, ctx, nullptr);
    if (!slot) throw system_error("open ring buffer", map_name, errno);
  }
  return slot;
}

trace_result datapath::impl::run_trace(ovsxdp_program_kind kind, std::uint32_t in_port, std::span<const std::uint8_t> packet, std::uint64_t nonce) {
  ovsxdp_xdp_meta meta{OVSXDP_META_MAGIC, in_port, nonce};
  xdp_test_options options;
  options.metadata = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&meta), sizeof meta);
  // The ring buffer lives as long as this handle, so its callback's context
  // is the handle, not this stack frame.
  ring_buffer* rb = ring(trace_ring, "trace_events", &impl::on_trace_event, this);
  ring_buffer__consume(rb);  // drop leftovers of interrupted runs
  trace_nonce = nonce;
  trace_collected.clear();
  const xdp_test_result r = run_xdp(programs[kind].get(), packet, options);
  ring_buffer__consume(rb);
  auto& events = trace_collected;
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  trace_result out;
  out.verdict = r.verdict;
  for (auto& [seq, e] : events) out.events.push_back(std::move(e));
  events.clear();
  if (r.verdict == XDP_ABORTED) throw error("trace a packet in datapath", name, "the trace program aborted (metadata missing or refused)");
  return out;
}

datapath::impl::request_handle datapath::impl::put_request(const action_list& actions, const ovsxdp_flow_key* metadata) {
  const planned_actions planned = plan_actions(actions);
  auto request = std::make_unique<ovsxdp_execute_request>();
  std::memset(request.get(), 0, sizeof *request);
  if (metadata) request->metadata = *metadata;
  request->actions.length = static_cast<std::uint16_t>(planned.bytes.size());
  std::memcpy(request->actions.bytes, planned.bytes.data(), planned.bytes.size());
  request->set_slot = OVSXDP_NO_SET;
  request_handle handle;
  if (planned.fork_offset) {
    write_scope write(*this);
    handle.set = acquire_set(planned.bytes);
    request->set_slot = *handle.set;
    bump_generation();
  }
  handle.nonce = random_u64();
  try {
    map("exec_requests").update(handle.nonce, *request);
  } catch (...) {
    release_request(handle);
    throw;
  }
  return handle;
}

void datapath::impl::release_request(const request_handle& handle) {
  map("exec_requests").erase(handle.nonce);
  if (!handle.set) return;
  write_scope write(*this);
  table.retired_sets.push_back(*handle.set);  // copies may still be in flight: freed after a grace period
  bump_generation();
}

// Sends `packet` with an execute header into the loop device and waits
// (at most a second) for the loop's program to have run request `nonce`.
std::uint32_t datapath::impl::execute_through_loop(std::span<const std::uint8_t> packet, std::uint32_t in_port, std::uint64_t nonce) {
  if (!info().loop_ifindex_tx)
    throw error("execute a packet in datapath", name, "a " + std::to_string(packet.size()) + "-byte frame needs the loop device, and this datapath has none",
                "re-create the datapath with this version of ovsxdp");
  ovsxdp_loop_execute header{};
  header.ethertype = hton16(OVSXDP_LOOP_EXECUTE_ETHERTYPE);
  header.magic = OVSXDP_LOOP_EXECUTE_MAGIC;
  header.in_port = in_port;
  header.nonce = nonce;
  std::vector<std::uint8_t> frame(sizeof header + packet.size());
  std::memcpy(frame.data(), &header, sizeof header);
  std::memcpy(frame.data() + sizeof header, packet.data(), packet.size());
  std::call_once(loop_socket_once, [&] {
    loop_socket = std::make_unique<packet_socket>(static_cast<int>(info().loop_ifindex_tx), "the loop device of datapath " + name);
  });
  loop_socket->send(frame);
  ovsxdp_execute_request done;
  // The loop's receive runs in softirq, usually within microseconds: poll
  // finely at first, then back off to 1 ms, for 1 s in all.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (long pause_ns = 2000;; pause_ns = std::min(pause_ns * 2, 1000000L)) {
    if (!map("exec_requests").lookup(nonce, done))
      throw error("execute a packet in datapath", name, "the execute request vanished while it ran (another process deleted it?)");
    if (done.executions) return done.verdict;
    if (std::chrono::steady_clock::now() > deadline) break;
    timespec pause{0, pause_ns};
    nanosleep(&pause, nullptr);
  }
  throw error("execute a packet in datapath", name, "the " + std::to_string(packet.size()) + "-byte frame sent through the loop device did not run within 1 s",
              "check that the loop device (ovsxdp-dpctl show) is up and runs the datapath program");
}

// Executed actions are checked against the packet's own key, as Linux
// checks OVS_PACKET_CMD_EXECUTE (the packet's extracted key, exact).
void datapath::impl::validate_for_execute(std::span<const std::uint8_t> packet, const ovsxdp_flow_key* metadata, const action_list& actions) const {
  ovsxdp_flow_key key{};
  if (metadata) key = *metadata;
  std::vector<std::uint8_t> copy(packet.begin(), packet.end());
  if (flow::extract({copy.data(), copy.data() + copy.size()}, key) != flow::extract_status::ok)
    throw invalid_flow("execute a packet in datapath " + name, "", "the packet has no flow key (shorter than an Ethernet header?)");
  ovsxdp_flow_key exact;
  std::memset(&exact, 0xff, sizeof exact);
  try {
    validate_actions(key, exact, actions);
  } catch (const invalid_flow& e) {
    throw invalid_flow("execute a packet in datapath " + name, "", e.reason(), e.remedy());
  }
}


// ---------------------------------------------------------------- execute, trace
namespace {
// The largest frame BPF_PROG_TEST_RUN takes in live-frame mode: one page
// minus the headroom, the page head and the shared info (measured on 6.18:
// 3,408 bytes with our 16 bytes of metadata; the live mode takes no frags).
constexpr std::size_t kLiveFrameMax = 3408;
}  // namespace

std::uint32_t datapath::execute(std::span<const std::uint8_t> packet, std::uint32_t in_port, const action_list& actions,
                                const ovsxdp_flow_key* metadata) {
  auto& p = *impl_;
  p.validate_for_execute(packet, metadata, actions);
  const impl::request_handle request = p.put_request(actions, metadata);
  const std::uint64_t nonce = request.nonce;
  if (packet.size() > kLiveFrameMax || !live_frames_supported()) {
    // Too large for a test run (a jumbo frame), or a kernel that refuses
    // live-frame test runs: send it into the loop device behind an execute
    // header; the datapath program on its other end runs the request like
    // the execute program does, frags and all.
    try {
      const std::uint32_t verdict = p.execute_through_loop(packet, in_port, nonce);
      p.release_request(request);
      return verdict;
    } catch (...) {
      p.release_request(request);
      throw;
    }
  }
  ovsxdp_xdp_meta meta{OVSXDP_META_MAGIC, in_port, nonce};
  xdp_test_options options;
  options.metadata = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&meta), sizeof meta);
  options.live_frames = true;
  if (auto pi = port(in_port)) options.ingress_ifindex = pi->ifindex;
  ovsxdp_execute_request done;
  try {
    run_xdp(p.programs[OVSXDP_PROGRAM_EXECUTE].get(), packet, options);
    // Live frames report no verdict; the program leaves it in the request.
    if (!p.map("exec_requests").lookup(nonce, done))
      throw error("execute a packet in datapath", p.name, "the execute request vanished while it ran (another process deleted it?)");
  } catch (...) {
    p.release_request(request);
    throw;
  }
  p.release_request(request);
  if (done.executions == 0)
    throw error("execute a packet in datapath", p.name, "the execute program did not run the request (metadata missing or refused)");
  return done.verdict;
}

trace_result datapath::trace(std::uint32_t in_port, std::span<const std::uint8_t> packet) {
  auto& p = *impl_;
  const std::lock_guard in_process(p.trace_mutex);  // one trace-ring reader at a time, here
  writer_lock lock(p.flock_mutex, p.lock_fd.get());  // and across processes
  return p.run_trace(OVSXDP_PROGRAM_TRACE, in_port, packet, random_u64());
}

trace_result datapath::trace_actions(std::uint32_t in_port, std::span<const std::uint8_t> packet, const action_list& actions,
                                     const ovsxdp_flow_key* metadata) {
  auto& p = *impl_;
  p.validate_for_execute(packet, metadata, actions);
  const impl::request_handle request = p.put_request(actions, metadata);
  try {
    trace_result r;
    {
      const std::lock_guard in_process(p.trace_mutex);  // one trace-ring reader at a time, here
      writer_lock lock(p.flock_mutex, p.lock_fd.get());  // and across processes
      r = p.run_trace(OVSXDP_PROGRAM_EXECUTE_TRACE, in_port, packet, request.nonce);
    }
    p.release_request(request);
    return r;
  } catch (...) {
    p.release_request(request);
    throw;
  }
}
}  // namespace ovsxdp
