// ovsxdp-bench flows: what the flow table costs through the host API at
// 10k, 100k, 200k and 1,000,000 megaflows, and with 1, 8, 32 and 64 masks:
// installs per second one call at a time (add_flow) and in batches
// (add_flows), dumps and deletes per second (wall clock), the per-packet
// lookup cost of the shipped datapath program under BPF_PROG_TEST_RUN with
// the per-CPU flow cache and without any cache, and the maps' memory as the
// kernel accounts it (the memlock line of /proc/self/fdinfo).
//
// Flows are made the way a user of the host API makes them: flow_spec
// structs (one parsed from text, then its address fields changed), so text
// parsing is not in the figures; a self-check compares generated flows with
// the text they stand for.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <linux/bpf.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "bench/bench.hpp"
#include "datapath/datapath.hpp"
#include "datapath/flow_text.hpp"
#include "packet/packet_builder.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/private_namespace.hpp"
#include "runtime/test_run.hpp"

namespace ovsxdp::bench {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::uint32_t kSizes[] = {10000, 100000, 200000, 1000000};
constexpr unsigned kMaskCounts[] = {1, 8, 32, 64};
constexpr std::uint32_t kMaskFlows = 10000;  // flows of the mask scenarios (fewer with --max)
constexpr std::size_t kBatch = 1000;         // flows per add_flows / delete_flows call
constexpr std::uint32_t kDefaultRounds = 3;  // without --rounds: a full run stays within ~3 minutes

constexpr const char* kMacA = "02:00:00:00:00:01";
constexpr const char* kMacB = "02:00:00:00:00:02";
constexpr std::uint32_t kSrc = 0x0a010001;      // 10.1.0.1
constexpr std::uint32_t kDst = 0x0a010002;      // 10.1.0.2
constexpr std::uint32_t kSizeSrc = 0x0b000000;  // table-size flow i matches source 11.0.0.0 + i
constexpr std::uint32_t kLookupPort = 1, kOutPort = 2;

std::string dotted(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

// 1234567 -> "1,234,567"
std::string grouped(double v) {
  const std::string digits = std::to_string(std::llround(std::max(0.0, v)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); i++) {
    out += digits[i];
    const std::size_t left = digits.size() - i - 1;
    if (left && left % 3 == 0) out += ',';
  }
  return out;
}

std::string mib(double bytes) { return fixed(bytes / (1024.0 * 1024.0), 1); }

double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

// Fills spec with flow number i of a scenario (key and mask; actions stay).
using filler = std::function<void(flow_spec&, std::uint32_t)>;

// ---- table-size flows: one mask, an exact 5-tuple-like match per flow
std::string size_key(std::uint32_t i) {
  return std::string("recirc_id(0),in_port(1),eth(src=") + kMacA + ",dst=" + kMacB + "),eth_type(0x0800),ipv4(src=" + dotted(kSizeSrc + i) + ",dst=" +
         dotted(kDst) + ",proto=17,frag=no),udp(src=1000,dst=7777)";
}
bytes size_packet(std::uint32_t i) {
  return packet_builder().eth(kMacA, kMacB).ipv4(dotted(kSizeSrc + i), dotted(kDst)).udp(1000, 7777).payload(22).build();
}

// ---- mask flows: flow i uses mask i % M; the last mask (M-1) is the exact
// one the packet's flow is in, and, being the last one a flow first asks
// for, it is the last one a lookup probes. The others are decoys the packet
// does not match: a destination prefix /k (k = 1..31) or a source prefix /k
// (k = 1..32, destination wildcarded) that differs from the packet's address
// in the prefix's last bit. Within a mask, flows differ in eth_src (exact
// in every mask); flow M-1 (the first in the exact mask) has the packet's.
constexpr unsigned kMaxDecoys = 31 + 32;
static_assert(kMaxDecoys + 1 >= 64, "64 masks need 63 decoys");

std::string prefix(std::uint32_t address, unsigned k) {
  const std::uint32_t mask = k ? ~0u << (32 - k) : 0;
  const std::uint32_t decoy = (address ^ (1u << (32 - k))) & mask;
  return dotted(decoy) + "/" + dotted(mask);
}

std::string mask_flow_key(unsigned m, unsigned masks, const std::string& eth_src) {
  std::string ip;
  if (m == masks - 1) ip = "src=" + dotted(kSrc) + ",dst=" + dotted(kDst);
  else if (m < 31) ip = "src=" + dotted(kSrc) + ",dst=" + prefix(kDst, m + 1);
  else ip = "src=" + prefix(kSrc, m - 31 + 1);
  return "recirc_id(0),in_port(1),eth(src=" + eth_src + "),eth_type(0x0800),ipv4(" + ip + ",frag=no)";
}

std::string mac_of(std::uint32_t c) {
  char text[32];
  std::snprintf(text, sizeof text, "02:00:00:%02x:%02x:%02x", (c >> 16) & 255, (c >> 8) & 255, c & 255);
  return text;
}

void set_eth_src(flow_spec& s, std::uint32_t c) {
  const std::uint8_t mac[6] = {2, 0, 0, static_cast<std::uint8_t>(c >> 16), static_cast<std::uint8_t>(c >> 8), static_cast<std::uint8_t>(c)};
  std::memcpy(s.key.eth_src, mac, 6);
}

bytes mask_packet() { return packet_builder().eth(kMacA, kMacB).ipv4(dotted(kSrc), dotted(kDst)).udp(1000, 7777).payload(22).build(); }

// Generated flows must be the flows their text describes.
void check_generated(const flow_spec& generated, const std::string& key_text, const std::string& scenario) {
  const flow_spec parsed = flow_from_text(key_text, std::to_string(kOutPort));
  if (std::memcmp(&generated.key, &parsed.key, sizeof parsed.key) != 0 || std::memcmp(&generated.mask, &parsed.mask, sizeof parsed.mask) != 0 ||
      generated.actions.size() != parsed.actions.size())
    throw error("generate flows for", scenario, "a generated flow differs from its text " + key_text, "the scenario does not measure what it claims");
}

// ---- the operations, timed
double install_single(datapath& dp, std::uint32_t n, const flow_spec& base, const filler& fill, std::vector<ovsxdp_ufid>& ufids) {
  flow_spec spec = base;
  ufids.clear();
  ufids.reserve(n);
  const auto t0 = clock_type::now();
  for (std::uint32_t i = 0; i < n; i++) {
    fill(spec, i);
    ufids.push_back(dp.add_flow(spec));
  }
  return n / seconds_since(t0);
}

double install_batched(datapath& dp, std::uint32_t n, const flow_spec& base, const filler& fill, std::vector<ovsxdp_ufid>& ufids) {
  std::vector<flow_spec> batch(std::min<std::size_t>(kBatch, n), base);
  ufids.clear();
  ufids.reserve(n);
  const auto t0 = clock_type::now();
  for (std::uint32_t i = 0; i < n; i += kBatch) {
    const std::size_t m = std::min<std::size_t>(kBatch, n - i);
    for (std::size_t j = 0; j < m; j++) fill(batch[j], i + static_cast<std::uint32_t>(j));
    const auto added = dp.add_flows(std::span<const flow_spec>(batch.data(), m));
    ufids.insert(ufids.end(), added.begin(), added.end());
  }
  return n / seconds_since(t0);
}

// An empty table in the same state before every timed install: flows gone,
// their slots and masks reclaimed, and no grace period owed. (After a mask
// leaves the probe order, the next new mask waits one RCU grace period,
// ~10 ms; without this, which install pays it would depend on what ran
// before.)
void settle(datapath& dp) {
  dp.flush();
  dp.reclaim();
}

// The delete calls only: the datapath reclaims slots itself every 4,096
// deletions (one RCU grace period each), and those are in the figure; what
// is left for the next reclaim is not.
double delete_single(datapath& dp, const std::vector<ovsxdp_ufid>& ufids, const std::string& scenario) {
  const auto t0 = clock_type::now();
  std::size_t deleted = 0;
  for (const auto& u : ufids) deleted += dp.delete_flow(u);
  const double rate = ufids.size() / seconds_since(t0);
  if (deleted != ufids.size()) throw error("run scenario", scenario, std::to_string(deleted) + " of " + std::to_string(ufids.size()) + " flows deleted");
  return rate;
}

double delete_batched(datapath& dp, const std::vector<ovsxdp_ufid>& ufids, const std::string& scenario) {
  std::vector<flow_selector> batch(std::min(kBatch, ufids.size()));
  std::size_t deleted = 0;
  const auto t0 = clock_type::now();
  for (std::size_t i = 0; i < ufids.size(); i += kBatch) {
    const std::size_t m = std::min(kBatch, ufids.size() - i);
    for (std::size_t j = 0; j < m; j++) batch[j] = ufids[i + j];
    deleted += dp.delete_flows(std::span<const flow_selector>(batch.data(), m));
  }
  const double rate = ufids.size() / seconds_since(t0);
  if (deleted != ufids.size()) throw error("run scenario", scenario, std::to_string(deleted) + " of " + std::to_string(ufids.size()) + " flows deleted");
  return rate;
}

void expect_flows(const datapath& dp, std::size_t n, const std::string& scenario, const std::string& when) {
  const std::size_t have = dp.flow_count();
  if (have != n)
    throw error("run scenario", scenario, std::to_string(have) + " flows in the datapath " + when + ", expected " + std::to_string(n),
                "the scenario does not measure what it claims");
}

struct lookup_figures {
  double ns = 0;
  double probes = 0;  // masks probed per lookup
};

enum class cache_use { flow_cache, none };

// The shipped datapath program on `frame`, which must hit flow `ufid`
// `repeat` times and be redirected. With the flow cache, every repetition
// after the first must be answered by it; without, none.
lookup_figures lookup(datapath& dp, const ovsxdp_ufid& ufid, const bytes& frame, std::uint32_t repeat, cache_use cache, const std::string& scenario) {
  const auto flow_before = dp.get_flow(ufid);
  if (!flow_before) throw error("run scenario", scenario, "the packet's flow is not installed");
  const datapath_counters before = dp.counters();
  xdp_test_options t;
  t.repeat = repeat;
  t.ingress_ifindex = dp.port(kLookupPort)->ifindex;
  const xdp_test_result r = run_xdp(dp.program_fd(OVSXDP_PROGRAM_DATAPATH), frame, t);
  const datapath_counters after = dp.counters();
  const auto flow_after = dp.get_flow(ufid);
  if (r.verdict != XDP_REDIRECT)
    throw error("run scenario", scenario, std::string("the program returned ") + xdp_action_name(r.verdict) + ", expected XDP_REDIRECT",
                "the scenario does not measure what it claims; check its flows");
  const std::uint64_t flow_hits = flow_after ? flow_after->stats.packets - flow_before->stats.packets : 0;
  const std::uint64_t hits = after[OVSXDP_C_HIT] - before[OVSXDP_C_HIT];
  if (flow_hits != repeat || hits != repeat)
    throw error("run scenario", scenario,
                "the packet's flow counted " + std::to_string(flow_hits) + " hits (the datapath " + std::to_string(hits) + ") for " +
                    std::to_string(repeat) + " packets",
                "the scenario does not measure what it claims");
  const std::uint64_t cache_hits = after[OVSXDP_C_CACHE_HIT] - before[OVSXDP_C_CACHE_HIT];
  if (cache == cache_use::flow_cache ? cache_hits + 1 < repeat : cache_hits != 0)
    throw error("run scenario", scenario, "the lookup cache answered " + std::to_string(cache_hits) + " of " + std::to_string(repeat) + " lookups",
                "the scenario does not measure what it claims");
  lookup_figures f;
  f.ns = r.duration_ns;
  f.probes = static_cast<double>(after[OVSXDP_C_MASK_PROBES] - before[OVSXDP_C_MASK_PROBES]) / static_cast<double>(hits);
  return f;
}

// ---- map memory, as the kernel accounts it
struct map_usage {
  std::string name;
  std::uint64_t bytes = 0;
};

// The kernel's own lines about a BPF object fd ("memlock", "map_id", ...).
std::map<std::string, std::string> fdinfo(int fd) {
  std::map<std::string, std::string> out;
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto value = line.find_first_not_of(" \t", colon + 1);
    out[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  return out;
}

// Every map of the datapath: its pins and the maps its programs use (which
// adds the programs' .rodata/.bss), largest first.
std::vector<map_usage> datapath_maps(const datapath& dp, const std::string& bpffs) {
  std::set<std::uint32_t> ids;
  const std::string dir = bpffs + "/ovsxdp/" + dp.name();
  DIR* d = opendir(dir.c_str());
  if (!d) throw system_error("list the pins of datapath", dir, errno);
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string path = dir + "/" + e->d_name;
    unique_fd fd(bpf_obj_get(path.c_str()));
    if (!fd) continue;  // the links directory
    const auto info = fdinfo(fd.get());
    if (auto it = info.find("map_id"); it != info.end()) ids.insert(static_cast<std::uint32_t>(std::stoul(it->second)));  // programs have prog_id
  }
  closedir(d);
  for (unsigned k = 0; k < OVSXDP_PROGRAM_KINDS; k++) {
    const int prog = dp.program_fd(static_cast<ovsxdp_program_kind>(k));
    bpf_prog_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(prog, &info, &len) != 0) throw system_error("read the info of", "a datapath program", errno);
    std::vector<__u32> map_ids(info.nr_map_ids);
    info = bpf_prog_info{};
    info.nr_map_ids = static_cast<__u32>(map_ids.size());
    info.map_ids = reinterpret_cast<__u64>(map_ids.data());
    len = sizeof info;
    if (bpf_obj_get_info_by_fd(prog, &info, &len) != 0) throw system_error("read the map ids of", "a datapath program", errno);
    ids.insert(map_ids.begin(), map_ids.begin() + std::min<std::size_t>(info.nr_map_ids, map_ids.size()));
  }
  std::vector<map_usage> out;
  for (std::uint32_t id : ids) {
    unique_fd fd(bpf_map_get_fd_by_id(id));
    if (!fd) throw system_error("open BPF map id", std::to_string(id), errno);
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) throw system_error("read the info of BPF map id", std::to_string(id), errno);
    const auto lines = fdinfo(fd.get());
    const auto memlock = lines.find("memlock");
    if (memlock == lines.end()) throw error("read the memory accounting of BPF map", info.name, "/proc/self/fdinfo has no memlock line");
    out.push_back({info.name, std::stoull(memlock->second)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
  return out;
}

// ---- datapaths: one with the flow cache, one without, per capacity
struct datapath_pair {
  datapath cached, uncached;
};

class bench_datapaths {
 public:
  explicit bench_datapaths(const private_namespace& ns) : ns_(ns) {
    ns_.veth("flows1", "flows1x");
    ns_.veth("flows2", "flows2x");
  }

  // `use` names the scenario family ("s": table sizes, "m": masks), so
  // each family has datapaths of its own.
  datapath_pair& pair(const std::string& use, std::uint32_t capacity) {
    const std::string key = use + std::to_string(capacity);
    auto it = pairs_.find(key);
    if (it != pairs_.end()) return *it->second;
    auto make = [&](ovsxdp_lookup_cache cache) {
      datapath_options o;
      o.name = key + (cache == OVSXDP_CACHE_NONE ? "n" : "c");
      o.bpffs = ns_.bpffs();
      o.run_dir = ns_.run_dir();
      o.lookup_cache = cache;
      o.max_flows = capacity;
      datapath dp = datapath::create(o);
      dp.add_port("flows1", kLookupPort, xdp_attach::none);
      dp.add_port("flows2", kOutPort, xdp_attach::none);
      // One flow in and out, so that settle() leaves a new datapath in the
      // same state as a used one.
      dp.delete_flow(dp.add_flow(flow_from_text(size_key(0), std::to_string(kOutPort))));
      settle(dp);
      return dp;
    };
    auto p = std::make_unique<datapath_pair>(datapath_pair{make(OVSXDP_CACHE_FLOW), make(OVSXDP_CACHE_NONE)});
    return *pairs_.emplace(key, std::move(p)).first->second;
  }

 private:
  const private_namespace& ns_;
  std::map<std::string, std::unique_ptr<datapath_pair>> pairs_;
};

using samples = std::map<std::string, std::vector<double>>;

// ---- a table size
struct size_result {
  std::vector<map_usage> maps;  // the last round's
  std::vector<ovsxdp_ufid> uncached_ufids;  // the uncached datapath is filled once, in the first round
};

void run_size(datapath_pair& dps, std::uint32_t n, std::uint32_t repeat, const std::string& bpffs, samples& s, size_result& result) {
  const std::string scenario = "flows_" + std::to_string(n);
  const std::string tag = "_" + std::to_string(n);
  flow_spec base = flow_from_text(size_key(0), std::to_string(kOutPort));
  const filler fill = [](flow_spec& spec, std::uint32_t i) { spec.key.nw.ipv4.src = htonl(kSizeSrc + i); };
  for (std::uint32_t i : {0u, n - 1}) {
    flow_spec g = base;
    fill(g, i);
    check_generated(g, size_key(i), scenario);
  }
  const std::uint32_t hit = n / 2;
  const bytes frame = size_packet(hit);
  datapath& dp = dps.cached;
  settle(dp);
  std::vector<ovsxdp_ufid> ufids;

  s["install_per_s_single" + tag].push_back(install_single(dp, n, base, fill, ufids));
  expect_flows(dp, n, scenario, "after single installs");
  s["delete_per_s_single" + tag].push_back(delete_single(dp, ufids, scenario));
  settle(dp);
  expect_flows(dp, 0, scenario, "after single deletes");

  s["install_per_s_batch" + tag].push_back(install_batched(dp, n, base, fill, ufids));
  expect_flows(dp, n, scenario, "after batched installs");
  if (dp.mask_count() != 1) throw error("run scenario", scenario, std::to_string(dp.mask_count()) + " masks, expected 1");

  const auto t0 = clock_type::now();
  const std::vector<flow_entry> dumped = dp.dump_flows();
  const double dump_rate = dumped.size() / seconds_since(t0);
  if (dumped.size() != n) throw error("run scenario", scenario, "dump_flows returned " + std::to_string(dumped.size()) + " flows, expected " + std::to_string(n));
  s["dump_per_s" + tag].push_back(dump_rate);

  const lookup_figures cached = lookup(dp, ufids[hit], frame, repeat, cache_use::flow_cache, scenario + " (flow cache)");
  s["lookup_ns_flow_cache" + tag].push_back(cached.ns);

  result.maps = datapath_maps(dp, bpffs);
  std::uint64_t total = 0;
  for (const auto& m : result.maps) total += m.bytes;
  s["map_bytes" + tag].push_back(static_cast<double>(total));

  s["delete_per_s_batch" + tag].push_back(delete_batched(dp, ufids, scenario));
  settle(dp);
  expect_flows(dp, 0, scenario, "after batched deletes");

  // The whole tuple-space search at this size: no cache in front. Lookups
  // leave the table as it is, so it is filled once (saving a million
  // installs and deletes per round) and stays for the later rounds.
  datapath& nc = dps.uncached;
  if (result.uncached_ufids.empty()) {
    settle(nc);
    install_batched(nc, n, base, fill, result.uncached_ufids);
  }
  expect_flows(nc, n, scenario, "without cache");
  const lookup_figures uncached = lookup(nc, result.uncached_ufids[hit], frame, repeat, cache_use::none, scenario + " (no cache)");
  if (uncached.probes != 1.0) throw error("run scenario", scenario, fixed(uncached.probes, 2) + " masks probed per lookup, expected 1");
  s["lookup_ns_no_cache" + tag].push_back(uncached.ns);
}

// ---- a mask count
void run_masks(datapath_pair& dps, unsigned masks, std::uint32_t flows, std::uint32_t repeat, const std::string& bpffs, samples& s) {
  const std::string scenario = "masks_" + std::to_string(masks);
  const std::string tag = "masks_" + std::to_string(masks) + "_";
  std::vector<flow_spec> templates;
  for (unsigned m = 0; m < masks; m++) templates.push_back(flow_from_text(mask_flow_key(m, masks, kMacA), std::to_string(kOutPort)));
  const filler fill = [&templates, masks](flow_spec& spec, std::uint32_t i) {
    const flow_spec& t = templates[i % masks];
    spec.key = t.key;
    spec.mask = t.mask;
    set_eth_src(spec, i / masks + 1);
  };
  for (std::uint32_t i : {0u, masks - 1, flows - 1}) {
    flow_spec g = templates[0];
    fill(g, i);
    check_generated(g, mask_flow_key(i % masks, masks, mac_of(i / masks + 1)), scenario);
  }
  const std::uint32_t hit = masks - 1;  // the first flow of the exact mask, the last one probed
  const bytes frame = mask_packet();
  datapath& dp = dps.cached;
  settle(dp);
  std::vector<ovsxdp_ufid> ufids;
  s[tag + "install_per_s_single"].push_back(install_single(dp, flows, templates[0], fill, ufids));
  expect_flows(dp, flows, scenario, "after single installs");
  if (dp.mask_count() != masks)
    throw error("run scenario", scenario, std::to_string(dp.mask_count()) + " masks in use, expected " + std::to_string(masks));
  settle(dp);
  s[tag + "install_per_s_batch"].push_back(install_batched(dp, flows, templates[0], fill, ufids));
  expect_flows(dp, flows, scenario, "after batched installs");
  const lookup_figures cached = lookup(dp, ufids[hit], frame, repeat, cache_use::flow_cache, scenario + " (flow cache)");
  s[tag + "lookup_ns_flow_cache"].push_back(cached.ns);
  std::uint64_t total = 0;
  for (const auto& m : datapath_maps(dp, bpffs)) total += m.bytes;
  s[tag + "map_bytes"].push_back(static_cast<double>(total));
  settle(dp);

  datapath& nc = dps.uncached;
  settle(nc);
  install_batched(nc, flows, templates[0], fill, ufids);
  const lookup_figures uncached = lookup(nc, ufids[hit], frame, repeat, cache_use::none, scenario + " (no cache)");
  if (uncached.probes != masks)
    throw error("run scenario", scenario, fixed(uncached.probes, 2) + " masks probed per uncached lookup, expected " + std::to_string(masks),
                "the packet's flow must be in the last mask probed");
  s[tag + "lookup_ns_no_cache"].push_back(uncached.ns);
  settle(nc);
}

std::string target_text(double value, double target) {
  if (value >= target) return "met";
  return "short by " + grouped(target - value) + "/s (" + fixed(100.0 * (target - value) / target, 0) + "%)";
}

}  // namespace

int flows_bench(std::vector<std::string> args) {
  const bool rounds_given = std::find(args.begin(), args.end(), "--rounds") != args.end();
  common_options common = take_common_options(args);
  if (!rounds_given) common.rounds = kDefaultRounds;
  std::uint32_t repeat = 200000;
  std::uint32_t max = 1000000;
  for (std::size_t i = 0; i < args.size(); i++) {
    if (args[i] == "--repeat" && i + 1 < args.size()) repeat = static_cast<std::uint32_t>(parse_number("--repeat", args[++i], 1000, 100000000));
    else if (args[i] == "--max" && i + 1 < args.size()) max = static_cast<std::uint32_t>(parse_number("--max", args[++i], 100, 1000000));
    else throw usage_error("unknown argument '" + args[i] + "'");
  }
  std::vector<std::uint32_t> sizes;
  for (std::uint32_t n : kSizes)
    if (n <= max) sizes.push_back(n);
  if (sizes.empty()) sizes.push_back(max);
  const std::uint32_t mask_flows = std::min(kMaskFlows, max);
  auto chosen = [&](const std::string& name) { return common.only.empty() || name.find(common.only) != std::string::npos; };
  std::vector<std::uint32_t> chosen_sizes;
  std::vector<unsigned> chosen_masks;
  for (std::uint32_t n : sizes)
    if (chosen("flows_" + std::to_string(n))) chosen_sizes.push_back(n);
  for (unsigned m : kMaskCounts)
    if (chosen("masks_" + std::to_string(m))) chosen_masks.push_back(m);
  if (chosen_sizes.empty() && chosen_masks.empty())
    throw usage_error("--only '" + common.only + "' matches no scenario (flows_N for N in the sizes, masks_1, masks_8, masks_32, masks_64)");

  private_namespace ns = private_namespace::enter("bench-flows");
  bench_datapaths dps(ns);
  const auto started = clock_type::now();
  std::cout << "ovsxdp-bench flows: flow table operations through the host API, lookup cost and map memory\n"
            << "machine: " << machine_description() << "\n"
            << common.rounds << " interleaved round" << (common.rounds > 1 ? "s" : "") << (rounds_given ? "" : " (3, not 5, by default here: a round at 1,000,000 flows takes ~40 s)")
            << ", medians; rates are wall clock; lookups: BPF_PROG_TEST_RUN, repeat " << repeat << "; batches of " << kBatch
            << " flows per add_flows/delete_flows call\n\n";
  samples s;
  std::map<std::uint32_t, size_result> results;
  for (std::uint32_t round = 0; round < common.rounds; round++) {
    for (std::uint32_t n : chosen_sizes) run_size(dps.pair("s", n), n, repeat, ns.bpffs(), s, results[n]);
    for (unsigned m : chosen_masks) run_masks(dps.pair("m", mask_flows), m, mask_flows, repeat, ns.bpffs(), s);
    std::cerr << "round " << round + 1 << "/" << common.rounds << " done (" << fixed(seconds_since(started), 1) << " s)\n";
  }

  std::vector<std::pair<std::string, double>> figures;
  auto figure = [&](const std::string& key) {
    const double v = median(s[key]);
    figures.push_back({key, v});
    return v;
  };
  double worst_single = -1, worst_batch = -1, masks_single = -1, masks_batch = -1;
  if (!chosen_sizes.empty()) {
    std::cout << "table sizes: one mask, each flow an exact match on in_port, MACs, IPv4 addresses, proto and UDP ports; actions \"2\"\n"
              << "operations (flows per second)\n"
              << std::left << std::setw(11) << "flows" << std::right << std::setw(14) << "add_flow" << std::setw(14) << "add_flows" << std::setw(14)
              << "dump_flows" << std::setw(14) << "delete_flow" << std::setw(14) << "delete_flows" << "\n";
    for (std::uint32_t n : chosen_sizes) {
      const std::string tag = "_" + std::to_string(n);
      const double single = figure("install_per_s_single" + tag), batch = figure("install_per_s_batch" + tag);
      const double dump = figure("dump_per_s" + tag);
      const double del_single = figure("delete_per_s_single" + tag), del_batch = figure("delete_per_s_batch" + tag);
      worst_single = worst_single < 0 ? single : std::min(worst_single, single);
      worst_batch = worst_batch < 0 ? batch : std::min(worst_batch, batch);
      std::cout << std::left << std::setw(11) << grouped(n) << std::right << std::setw(14) << grouped(single) << std::setw(14) << grouped(batch)
                << std::setw(14) << grouped(dump) << std::setw(14) << grouped(del_single) << std::setw(14) << grouped(del_batch) << "\n";
    }
    std::cout << "\nlookup (ns per packet, hitting one of the flows) and map memory (kernel memlock, datapath sized to the flows)\n"
              << std::left << std::setw(11) << "flows" << std::right << std::setw(12) << "flow cache" << std::setw(11) << "no cache" << std::setw(11)
              << "maps MiB" << std::setw(12) << "bytes/flow" << "   largest maps (MiB)\n";
    for (std::uint32_t n : chosen_sizes) {
      const std::string tag = "_" + std::to_string(n);
      const double cached = figure("lookup_ns_flow_cache" + tag), uncached = figure("lookup_ns_no_cache" + tag);
      const double bytes = median(s["map_bytes" + tag]);
      figures.push_back({"map_mib" + tag, bytes / (1024.0 * 1024.0)});
      figures.push_back({"map_bytes_per_flow" + tag, bytes / n});
      std::string largest;
      const auto& maps = results[n].maps;
      for (std::size_t i = 0; i < std::min<std::size_t>(4, maps.size()); i++) largest += (i ? ", " : "") + maps[i].name + " " + mib(static_cast<double>(maps[i].bytes));
      std::cout << std::left << std::setw(11) << grouped(n) << std::right << std::setw(12) << fixed(cached, 0) << std::setw(11) << fixed(uncached, 0)
                << std::setw(11) << mib(bytes) << std::setw(12) << grouped(bytes / n) << "   " << largest << "\n";
    }
  }
  if (!chosen_masks.empty()) {
    std::cout << "\nmasks: " << grouped(mask_flows)
              << " flows spread over M masks; the packet's flow is in the last mask probed (M-1 decoy prefixes the packet does not match)\n"
              << std::left << std::setw(7) << "masks" << std::right << std::setw(16) << "flow cache ns" << std::setw(14) << "no cache ns"
              << std::setw(12) << "ns/mask" << std::setw(14) << "add_flow/s" << std::setw(14) << "add_flows/s" << std::setw(11) << "maps MiB" << "\n";
    const double one = chosen_masks.front() == 1 ? median(s["masks_1_lookup_ns_no_cache"]) : 0;
    for (unsigned m : chosen_masks) {
      const std::string tag = "masks_" + std::to_string(m) + "_";
      const double cached = figure(tag + "lookup_ns_flow_cache"), uncached = figure(tag + "lookup_ns_no_cache");
      const double single = figure(tag + "install_per_s_single"), batch = figure(tag + "install_per_s_batch");
      masks_single = single;  // the most masks chosen: the slowest
      masks_batch = batch;
      std::cout << std::left << std::setw(7) << m << std::right << std::setw(16) << fixed(cached, 0) << std::setw(14) << fixed(uncached, 0)
                << std::setw(12) << (m > 1 && chosen_masks.front() == 1 ? fixed((uncached - one) / (m - 1), 1) : std::string("-"))
                << std::setw(14) << grouped(single) << std::setw(14) << grouped(batch) << std::setw(11) << mib(figure(tag + "map_bytes")) << "\n";
    }
    std::cout << "(ns/mask: the uncached cost of each extra mask probed, against 1 mask)\n";
  }

  std::cout << "\ntargets:";
  if (chosen_sizes.empty()) {
    std::cout << " not measured (--only chose no table size)\n";
  } else {
    const std::uint32_t largest = chosen_sizes.back();
    std::cout << " flow installs >= 100,000/s through the host API (slowest table size): add_flow " << grouped(worst_single) << "/s "
              << target_text(worst_single, 100000) << ", add_flows " << grouped(worst_batch) << "/s " << target_text(worst_batch, 100000) << ";\n"
              << (masks_single < 0 ? std::string()
                                   : "         with " + std::to_string(chosen_masks.back()) + " masks: add_flow " + grouped(masks_single) + "/s " +
                                         target_text(masks_single, 100000) + ", add_flows " + grouped(masks_batch) + "/s " +
                                         target_text(masks_batch, 100000) + ";\n")
              << "         1,000,000 megaflows loaded: "
              << (largest >= 1000000 ? std::string("met (installed, dumped, looked up and deleted)")
                                     : "not tried (largest table " + grouped(largest) + ", --max " + grouped(max) + ")")
              << "\n";
    figures.push_back({"flows_loaded", static_cast<double>(largest)});
  }
  std::cerr << "total " << fixed(seconds_since(started), 1) << " s\n";
  if (common.json_path) {
    write_json(*common.json_path, "flows", figures);
    std::cout << "\nwrote " << *common.json_path << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::bench
