// A stand-in for a process that manages a datapath (a switch daemon): it
// creates or adopts the datapath, then keeps writing to it (decoy flows come
// and go, under the writers' lock) and reading upcalls until it is killed.
// The restart test SIGKILLs it at random moments, mid-write included.
//
//   ovsxdp_test_manager BPFFS RUN_DIR NAME create IFACE...   ports 1..n, the stream flow 1 -> 2
//   ovsxdp_test_manager BPFFS RUN_DIR NAME adopt             open what is there, flush nothing
//
// Prints "ready FLOWS STREAM_PACKETS DEAD_WRITER_PID" once it holds the datapath.
#include <unistd.h>

#include <iostream>
#include <random>

#include "datapath/datapath.hpp"
#include "datapath/flow_text.hpp"
#include "runtime/error.hpp"

namespace {
const char* kStream = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.9.0.2,proto=17,frag=no),udp()";
}

int main(int argc, char** argv) {
  using namespace ovsxdp;
  if (argc < 5) {
    std::cerr << "usage: ovsxdp_test_manager BPFFS RUN_DIR NAME create IFACE... | adopt\n";
    return 2;
  }
  const datapath_location where{argv[1], argv[2]};
  const std::string name = argv[3], mode = argv[4];
  try {
    std::optional<datapath> dp;
    if (mode == "create") {
      datapath_options o;
      o.name = name;
      o.bpffs = where.bpffs;
      o.run_dir = where.run_dir;
      o.max_flows = 4096;
      dp.emplace(datapath::create(o));
      for (int i = 5; i < argc; i++) dp->add_port(argv[i], static_cast<std::uint32_t>(i - 4), xdp_attach::native);
      dp->add_flow(flow_from_text(kStream, "2"));
    } else {
      dp.emplace(datapath::open(name, where));
    }
    const auto stream = dp->get_flow(flow_match{flow_from_text(kStream, "2").key, flow_from_text(kStream, "2").mask});
    if (!stream) {
      std::cerr << "the stream flow is missing\n";
      return 1;
    }
    // The last field: a killed writer's mark, found before anything repaired it.
    std::cout << "ready " << dp->flow_count() << " " << stream->stats.packets << " " << dp->info().writer_pid << std::endl;
    std::mt19937 rng(static_cast<unsigned>(getpid()));
    std::vector<ovsxdp_ufid> decoys;
    for (;;) {
      const std::string key = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=172." + std::to_string(16 + rng() % 8) + "." +
                              std::to_string(rng() % 250) + ".0/255.255." + std::to_string(255 - rng() % 5) + ".0,frag=no)";
      try {
        decoys.push_back(dp->add_flow(flow_from_text(key, "2")));
      } catch (const error&) {  // already there (another incarnation made it)
      }
      if (decoys.size() > 30 || (!decoys.empty() && rng() % 3 == 0)) {
        dp->delete_flow(decoys.front());
        decoys.erase(decoys.begin());
      }
      dp->poll_upcalls([](const upcall&) {}, 0);
    }
  } catch (const error& e) {
    std::cerr << "ovsxdp_test_manager: " << e.what() << "\n";
    return 1;
  }
}
