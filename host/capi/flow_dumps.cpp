// Threaded flow dumps: one snapshot of the table per dump, handed out in
// disjoint slices to the dump threads, each encoding its own slice.
#include <atomic>
#include <cerrno>
#include <vector>

#include "capi/errors.hpp"
#include "capi/flow_encoding.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"

struct ovsxdp_flow_dump {
  std::vector<ovsxdp::flow_entry> flows;  // the table when the dump started
  std::atomic<std::size_t> next{0};      // first flow no thread has taken
};

struct ovsxdp_flow_dump_thread {
  ovsxdp_flow_dump* dump = nullptr;
  std::vector<ovsxdp::capi::encoded_flow> buffers;  // what the last next() returned points here
};

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" int ovsxdp_flow_dump_start(ovsxdp_dp* dp, ovsxdp_flow_dump** dump) {
  return guarded("ovsxdp_flow_dump_start", [&] {
    datapath& d = datapath_of(dp);
    require(dump, "dump");
    *dump = nullptr;
    auto made = std::make_unique<ovsxdp_flow_dump>();
    made->flows = d.dump_flows();
    *dump = made.release();
  });
}

extern "C" void ovsxdp_flow_dump_finish(ovsxdp_flow_dump* dump) { delete dump; }

extern "C" ovsxdp_flow_dump_thread* ovsxdp_flow_dump_thread_create(ovsxdp_flow_dump* dump) {
  ovsxdp_flow_dump_thread* thread = nullptr;
  guarded("ovsxdp_flow_dump_thread_create", [&] {
    require(dump, "dump");
    thread = new ovsxdp_flow_dump_thread;
    thread->dump = dump;
  });
  return thread;
}

extern "C" void ovsxdp_flow_dump_thread_destroy(ovsxdp_flow_dump_thread* thread) { delete thread; }

// A flow the codec cannot encode is left out (its error is this thread's
// last error) and the dump goes on: one such flow must not hide the rest.
extern "C" int ovsxdp_flow_dump_next(ovsxdp_flow_dump_thread* thread, ovsxdp_dp_flow* flows, int max) {
  int filled = 0;
  guarded("ovsxdp_flow_dump_next", [&] {
    require(thread, "thread");
    require(flows, "flows");
    if (max <= 0) fail(EINVAL, "max is " + std::to_string(max) + ": ask for at least one flow");
    ovsxdp_flow_dump& dump = *thread->dump;
    if (thread->buffers.size() < static_cast<std::size_t>(max)) thread->buffers.resize(static_cast<std::size_t>(max));
    while (filled == 0) {
      const std::size_t first = dump.next.fetch_add(static_cast<std::size_t>(max), std::memory_order_relaxed);
      if (first >= dump.flows.size()) return;  // the dump is over
      const std::size_t end = std::min(dump.flows.size(), first + static_cast<std::size_t>(max));
      for (std::size_t i = first; i < end; i++) {
        const int failed = guarded("ovsxdp_flow_dump_next", [&] { encode_flow(dump.flows[i], thread->buffers[filled], flows[filled]); });
        if (!failed) filled++;
      }
    }
  });
  return filled;
}
