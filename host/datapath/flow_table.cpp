// The flow table: flow slots, masks and their probe order, UFIDs, flow
// statistics, and reclaiming what deleted flows leave after a grace period.
#include <algorithm>
#include <unordered_set>

#include "datapath/datapath_impl.hpp"
#include "datapath/fork_plan.hpp"
#include "datapath/validate.hpp"
#include "ovsxdp/flow/hash.h"
#include "runtime/environment.hpp"

namespace ovsxdp {

using namespace datapath_detail;

ovsxdp_ufid derive_ufid(const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask) {
  const auto* k = flow::words_of(masked_key);
  const auto* m = flow::words_of(mask);
  std::uint64_t a = flow::kHashSeed, b = ~flow::kHashSeed;
  for (std::size_t i = 0; i < OVSXDP_FLOW_KEY_WORDS; i++) {
    a = flow::hash_word(a, k[i]);
    a = flow::hash_word(a, m[i]);
    b = flow::hash_word(b, m[i] ^ 0x5555555555555555ULL);
    b = flow::hash_word(b, k[i]);
  }
  return ovsxdp_ufid{{flow::hash_finish(a), flow::hash_finish(b)}};
}

// One RCU grace period: a map-in-map update from userspace makes the
// kernel wait for every running BPF program (maybe_wait_bpf_programs).
void datapath::impl::grace_period() {
  std::uint32_t zero = 0;
  int inner = rcu_inner.get();
  if (bpf_map_update_elem(rcu_outer.get(), &zero, &inner, BPF_ANY) != 0) throw system_error("wait for an RCU grace period", "map-in-map update", errno);
  table.order_position_freed = false;
}

void datapath::impl::refresh() {
  if (table.generation == info().generation) return;
  rebuild();
}

// Under the writers' lock, before the first change: a nonzero writer_pid
// means the last holder died mid-write (SIGKILL, a crash) without bumping
// the generation, so everyone's bookkeeping may be stale and the maps may
// hold half of its work. Rebuild, repair, then mark this write in progress.
void datapath::impl::begin_write() {
  if (info().writer_pid) {
    rebuild();
    repair_megaflows();
  } else {
    refresh();
  }
  atomic_store(info().writer_pid, static_cast<std::uint32_t>(getpid()));
}

// Makes the megaflow hash table agree with the flow slots: every live flow
// findable, nothing else. A writer killed between the two leaves one
// without the other.
void datapath::impl::repair_megaflows() {
  const map_handle& m = map("megaflows");
  std::vector<ovsxdp_megaflow_id> stale;
  ovsxdp_megaflow_id key{}, next{};
  const ovsxdp_megaflow_id* prev = nullptr;
  while (bpf_map_get_next_key(m.fd(), prev, &next) == 0) {
    std::uint32_t slot = OVSXDP_NO_FLOW;
    const bool found = m.lookup(next, slot);
    const bool ok = found && slot < info().max_flows && flows()[slot].state == OVSXDP_FLOW_LIVE &&
                    flows()[slot].mask_index == next.mask_index && flows()[slot].hash == next.hash;
    if (!ok) stale.push_back(next);
    key = next;
    prev = &key;
  }
  for (const auto& id : stale) m.erase(id);
  for (const auto& [u, slot] : table.by_ufid) {
    const ovsxdp_flow& f = flows()[slot];
    m.update(ovsxdp_megaflow_id{f.mask_index, 0, f.hash}, slot);
  }
  bump_generation();
}

void datapath::impl::rebuild() {
  auto& t = table;
  t.free_flows.clear();
  t.free_sets.clear();
  t.free_masks.clear();
  t.by_ufid.clear();
  t.sets_by_hash.clear();
  t.megaflows.clear();
  t.masks_by_content.clear();
  t.dying_flows.clear();
  t.retired_sets.clear();
  t.retired_masks.clear();
  const ovsxdp_info& inf = info();
  std::vector<std::uint32_t> set_refs(inf.max_action_sets, 0), mask_refs(inf.max_masks, 0);
  for (std::uint32_t i = inf.max_flows; i-- > 0;) {
    const ovsxdp_flow& f = flows()[i];
    if (f.state == OVSXDP_FLOW_FREE) {
      t.free_flows.push_back(i);
      continue;
    }
    if (f.actions < inf.max_action_sets) set_refs[f.actions]++;
    if (f.mask_index < inf.max_masks) mask_refs[f.mask_index]++;
    if (f.state == OVSXDP_FLOW_DYING) {
      t.dying_flows.push_back(i);  // left by a writer that stopped before reclaiming
      continue;
    }
    t.by_ufid[f.ufid] = i;
    t.megaflows[{f.mask_index, f.hash}] = i;
  }
  for (std::uint32_t i = inf.max_action_sets; i-- > 0;) {
    ovsxdp_action_set& s = sets()[i];
    s.refcount = set_refs[i];
    if (!set_refs[i]) t.free_sets.push_back(i);
    else t.sets_by_hash[s.content_hash].push_back(i);
  }
  // The probe order is the truth for what lookups see; repair what a
  // writer that stopped midway left: masks without flows leave the order,
  // masks with flows missing from it join it.
  std::vector<bool> ordered(inf.max_masks, false);
  std::uint32_t n = std::min<std::uint32_t>(inf.n_masks, inf.max_masks);
  for (std::uint32_t pos = 0; pos < n;) {
    const std::uint32_t i = info().mask_order[pos];
    if (i < inf.max_masks && masks()[i].active && mask_refs[i] && !ordered[i]) {
      ordered[i] = true;
      pos++;
      continue;
    }
    remove_from_order(pos);
    n--;
  }
  t.order_position_freed = true;  // another writer may have vacated positions
  for (std::uint32_t i = inf.max_masks; i-- > 0;) {
    ovsxdp_mask& m = masks()[i];
    m.refcount = mask_refs[i];
    if (mask_refs[i]) {
      if (!m.active || !ordered[i]) {
        atomic_store(m.active, static_cast<std::uint8_t>(1));
        append_to_order(i);
      }
      t.masks_by_content[mask_content(m.mask)] = i;
    } else if (m.active || m.n_words) {
      // Used until recently: a reader may still hold it.
      atomic_store(m.active, static_cast<std::uint8_t>(0));
      t.retired_masks.push_back(i);
    } else {
      t.free_masks.push_back(i);
    }
  }
  t.generation = inf.generation;
}

// After a write under the lock: other writers must re-read; this process's
// bookkeeping stays current only if it was current before the write.
void datapath::impl::bump_generation() {
  const std::uint64_t old = info().generation, g = old + 1;
  atomic_store(info().generation, g);
  if (table.generation == old) table.generation = g;
}

// Frees what waited for a grace period: dying flows, retired action sets
// and retired masks. Masks the dying flows leave unused retire now and are
// reused after the next grace period.
void datapath::impl::reclaim() {
  auto& t = table;
  if (t.dying_flows.empty() && t.retired_sets.empty() && t.retired_masks.empty()) return;
  grace_period();
  free_retired_masks();
  const int cpus = possible_cpus();
  std::vector<ovsxdp_flow_stats> zero_stats(static_cast<std::size_t>(cpus));
  for (std::uint32_t slot : t.dying_flows) {
    ovsxdp_flow& f = flows()[slot];
    if (f.state != OVSXDP_FLOW_DYING) continue;  // another writer got there first
    if (bpf_map_update_elem(map("flow_stats").fd(), &slot, zero_stats.data(), BPF_ANY))
      throw system_error("clear statistics of flow slot", std::to_string(slot), errno);
    release_set(f.actions);
    release_mask(f.mask_index);
    atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_FREE));
    t.free_flows.push_back(slot);
  }
  for (std::uint32_t set : t.retired_sets) release_set(set);
  t.dying_flows.clear();
  t.retired_sets.clear();
}

// A mask without flows leaves the search at once (each probe of an empty
// mask costs every uncached lookup); its slot is reused after a grace period.
void datapath::impl::release_mask(std::uint32_t index) {
  if (index >= info().max_masks) return;
  ovsxdp_mask& m = masks()[index];
  if (!m.refcount || --m.refcount) return;
  const std::uint32_t n = info().n_masks;
  for (std::uint32_t pos = 0; pos < n; pos++)
    if (info().mask_order[pos] == index) {
      remove_from_order(pos);
      break;
    }
  atomic_store(m.active, static_cast<std::uint8_t>(0));
  table.masks_by_content.erase(mask_content(m.mask));
  table.retired_masks.push_back(index);
}

// The last entry fills the hole, then the count shrinks: a concurrent
// lookup sees every other mask once either way.
void datapath::impl::remove_from_order(std::uint32_t pos) {
  ovsxdp_info& inf = info();
  const std::uint32_t last = inf.n_masks - 1;
  if (pos != last) atomic_store(inf.mask_order[pos], inf.mask_order[last]);
  atomic_store(inf.n_masks, last);
  table.order_position_freed = true;
}

void datapath::impl::append_to_order(std::uint32_t index) {
  ovsxdp_info& inf = info();
  if (table.order_position_freed) grace_period();  // nobody still reads past n_masks
  atomic_store(inf.mask_order[inf.n_masks], index);
  atomic_store(inf.n_masks, inf.n_masks + 1);
}

void datapath::impl::free_retired_masks() {
  for (std::uint32_t i : table.retired_masks) std::memset(&masks()[i], 0, sizeof(ovsxdp_mask));
  table.free_masks.insert(table.free_masks.end(), table.retired_masks.begin(), table.retired_masks.end());
  table.retired_masks.clear();
}

std::uint32_t datapath::impl::acquire_mask(const ovsxdp_flow_key& mask) {
  const std::string content = mask_content(mask);
  if (auto it = table.masks_by_content.find(content); it != table.masks_by_content.end()) {
    masks()[it->second].refcount++;
    return it->second;
  }
  ovsxdp_info& inf = info();
  if (table.free_masks.empty()) {
    // Dying flows may be holding the last references to masks.
    reclaim();
    if (table.free_masks.empty() && !table.retired_masks.empty()) {
      grace_period();
      free_retired_masks();
    }
  }
  if (table.free_masks.empty())
    throw error("install flow in datapath", name, "the mask table is full (" + std::to_string(inf.max_masks) + " distinct masks in use)",
                "create the datapath with a larger max_masks, or use fewer distinct wildcard patterns");
  std::sort(table.free_masks.begin(), table.free_masks.end(), std::greater<>());
  const std::uint32_t i = table.free_masks.back();
  table.free_masks.pop_back();
  ovsxdp_mask& m = masks()[i];
  std::memset(&m, 0, sizeof m);
  m.mask = mask;
  const auto* words = flow::words_of(mask);
  for (std::uint32_t w = 0; w < OVSXDP_FLOW_KEY_WORDS; w++)
    if (words[w]) m.words[m.n_words++] = static_cast<std::uint8_t>(w);
  m.refcount = 1;
  atomic_store(m.active, static_cast<std::uint8_t>(1));
  append_to_order(i);
  table.masks_by_content[content] = i;
  return i;
}

// The live flow whose mask matches `key`: Linux looks a new flow's key up
// among installed flows and refuses the add when one covers it.
std::optional<std::uint32_t> datapath::impl::covering_flow(const ovsxdp_flow_key& key) const {
  for (const auto& [content, index] : table.masks_by_content) {
    const ovsxdp_mask& m = masks()[index];
    const std::uint64_t h = flow::masked_hash(key, m, index);
    auto it = table.megaflows.find({index, h});
    if (it != table.megaflows.end() && flow::masked_equal(key, m, flows()[it->second].key)) return it->second;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> datapath::impl::find(const flow_selector& sel) const {
  if (const auto* u = std::get_if<ovsxdp_ufid>(&sel)) {
    auto it = table.by_ufid.find(*u);
    if (it == table.by_ufid.end()) return std::nullopt;
    return it->second;
  }
  const auto& m = std::get<flow_match>(sel);
  auto mi = table.masks_by_content.find(mask_content(m.mask));
  if (mi == table.masks_by_content.end()) return std::nullopt;
  const ovsxdp_flow_key masked = mask_key(m.key, m.mask);
  const std::uint64_t h = flow::masked_hash(masked, masks()[mi->second], mi->second);
  auto it = table.megaflows.find({mi->second, h});
  if (it == table.megaflows.end()) return std::nullopt;
  if (std::memcmp(&flows()[it->second].key, &masked, sizeof masked) != 0) return std::nullopt;
  return it->second;
}

ovsxdp_ufid datapath::impl::install(const flow_spec& spec, const std::vector<std::uint8_t>& encoded) {
  const ovsxdp_flow_key masked = mask_key(spec.key, spec.mask);
  const ovsxdp_ufid ufid = spec.ufid.value_or(derive_ufid(masked, spec.mask));
  if (table.by_ufid.count(ufid)) throw error("install flow in datapath", name, "a flow with this UFID already exists (File exists)");
  if (auto other = covering_flow(spec.key))
    throw error("install flow in datapath", name, "an installed flow already covers this key (File exists)",
                "delete or modify the existing flow (dump-flows shows it), or install a more specific mask first");
  if (table.free_flows.empty()) reclaim();
  if (table.free_flows.empty())
    throw error("install flow in datapath", name, "the flow table is full (" + std::to_string(info().max_flows) + " flows)",
                "delete flows, or create the datapath with a larger max_flows");
  const std::uint32_t mask_index = acquire_mask(spec.mask);
  std::uint32_t set = 0;
  try {
    set = acquire_set(encoded);
  } catch (...) {
    release_mask(mask_index);
    throw;
  }
  const std::uint32_t slot = table.free_flows.back();
  ovsxdp_flow& f = flows()[slot];
  f.key = masked;
  f.mask_index = mask_index;
  f.actions = set;
  f.flags = spec.ufid ? OVSXDP_FLOW_UFID_PRESENT : 0;
  f.ufid = ufid;
  f.hash = flow::masked_hash(masked, masks()[mask_index], mask_index);
  atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_LIVE));
  const ovsxdp_megaflow_id id{mask_index, 0, f.hash};
  if (!map("megaflows").insert(id, slot)) {
    atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_FREE));
    release_set(set);
    release_mask(mask_index);
    throw error("install flow in datapath", name, "two different flows hash to the same megaflow slot (a 64-bit hash collision)",
                "report this; change the flow's match slightly as a workaround");
  }
  table.free_flows.pop_back();
  table.by_ufid[ufid] = slot;
  table.megaflows[{mask_index, f.hash}] = slot;
  return ufid;
}

void datapath::impl::unlink(std::uint32_t slot) {
  ovsxdp_flow& f = flows()[slot];
  const ovsxdp_megaflow_id id{f.mask_index, 0, f.hash};
  map("megaflows").erase(id);
  atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_DYING));
  table.by_ufid.erase(f.ufid);
  table.megaflows.erase({f.mask_index, f.hash});
  table.dying_flows.push_back(slot);
}

flow_stats datapath::impl::read_stats(std::uint32_t slot) const {
  flow_stats out;
  for (const auto& s : map("flow_stats").lookup_percpu<ovsxdp_flow_stats>(slot, possible_cpus())) {
    out.packets += s.packets;
    out.bytes += s.bytes;
    out.used_ns = std::max<std::uint64_t>(out.used_ns, s.used_ns);
    out.tcp_flags |= s.tcp_flags;
  }
  return out;
}

flow_entry datapath::impl::entry(std::uint32_t slot, bool with_stats) const {
  const ovsxdp_flow& f = flows()[slot];
  flow_entry e;
  e.ufid = f.ufid;
  e.ufid_present = (f.flags & OVSXDP_FLOW_UFID_PRESENT) != 0;
  e.key = f.key;
  e.mask = masks()[f.mask_index].mask;
  const ovsxdp_action_set& s = sets()[f.actions];
  e.actions = decode_actions(std::span<const std::uint8_t>(s.bytes, s.length));
  if (with_stats) e.stats = read_stats(slot);
  return e;
}

// ---------------------------------------------------------------- flows
ovsxdp_ufid datapath::add_flow(const flow_spec& spec) { return add_flows(std::span<const flow_spec>(&spec, 1)).front(); }

std::vector<ovsxdp_ufid> datapath::add_flows(std::span<const flow_spec> specs, std::size_t* refused) {
  auto& p = *impl_;
  std::vector<std::vector<std::uint8_t>> encoded;
  encoded.reserve(specs.size());
  std::size_t i = 0;
  try {
    for (; i < specs.size(); i++) {
      validate_match(specs[i].key, specs[i].mask, specs[i].attributes);
      validate_actions(mask_key(specs[i].key, specs[i].mask), specs[i].mask, specs[i].actions);
      encoded.push_back(plan_actions(specs[i].actions).bytes);
    }
  } catch (...) {
    if (refused) *refused = i;
    throw;
  }
  impl::write_scope write(p);
  std::vector<ovsxdp_ufid> out;
  out.reserve(specs.size());
  try {
    for (i = 0; i < specs.size(); i++) out.push_back(p.install(specs[i], encoded[i]));
  } catch (...) {
    if (refused) *refused = i;
    for (const ovsxdp_ufid& u : out) p.unlink(p.table.by_ufid.at(u));  // all or nothing
    p.bump_generation();  // others re-read the table
    throw;
  }
  p.bump_generation();
  return out;
}

void datapath::modify_flow(const flow_selector& sel, const action_list& actions, bool clear_stats) {
  auto& p = *impl_;
  impl::write_scope write(p);
  auto slot = p.find(sel);
  if (!slot) throw error("modify a flow in datapath", p.name, "no such flow");
  ovsxdp_flow& f = p.flows()[*slot];
  validate_actions(f.key, p.masks()[f.mask_index].mask, actions);
  const std::uint32_t set = p.acquire_set(plan_actions(actions).bytes);
  const std::uint32_t old = f.actions;
  atomic_store(f.actions, set);  // readers see the old list or the new one, never a mix
  p.table.retired_sets.push_back(old);
  if (clear_stats) {
    std::vector<ovsxdp_flow_stats> zero(static_cast<std::size_t>(possible_cpus()));
    if (bpf_map_update_elem(p.map("flow_stats").fd(), &*slot, zero.data(), BPF_ANY)) throw system_error("clear flow statistics in datapath", p.name, errno);
  }
  p.bump_generation();
}

bool datapath::delete_flow(const flow_selector& sel) { return delete_flows(std::span<const flow_selector>(&sel, 1)) == 1; }

std::size_t datapath::delete_flows(std::span<const flow_selector> sels) {
  auto& p = *impl_;
  impl::write_scope write(p);
  std::size_t deleted = 0;
  for (const auto& sel : sels) {
    if (auto slot = p.find(sel)) {
      p.unlink(*slot);
      deleted++;
    }
  }
  if (p.table.dying_flows.size() >= 4096) p.reclaim();
  p.bump_generation();
  return deleted;
}

std::optional<flow_entry> datapath::get_flow(const flow_selector& sel) const {
  auto& p = *impl_;
  auto lookup = [&]() -> std::optional<flow_entry> {
    auto slot = p.find(sel);
    if (!slot) return std::nullopt;
    return p.entry(*slot);
  };
  {
    std::shared_lock reading(p.table_mutex);
    if (p.table.generation == p.info().generation) return lookup();
  }
  // Another writer changed the maps: this handle's bookkeeping is rebuilt,
  // which excludes this process's other readers meanwhile.
  std::unique_lock rebuilding(p.table_mutex);
  p.refresh();
  return lookup();
}

std::vector<flow_entry> datapath::dump_flows() const {
  const auto& p = *impl_;
  // The read lock is taken per chunk of slots, not for the whole dump: a dump
  // of tens of thousands of flows (a syscall each for their statistics) takes
  // tens of milliseconds, and the writer-preferring lock would hold every
  // handler's flow install behind it. Like a netlink dump of the kernel
  // datapath, a flow added or deleted meanwhile may or may not be seen; a flow
  // deleted and added again under its UFID into a later slot is listed once.
  constexpr std::uint32_t kSlotsPerChunk = 1024;
  std::vector<flow_entry> out;
  std::unordered_set<ovsxdp_ufid, datapath_detail::ufid_hasher, datapath_detail::ufid_eq> listed;
  const std::uint32_t n = p.info().max_flows;
  for (std::uint32_t first = 0; first < n; first += kSlotsPerChunk) {
    std::shared_lock reading(p.table_mutex);  // no writer of this process halfway
    for (std::uint32_t i = first; i < std::min(n, first + kSlotsPerChunk); i++)
      if (__atomic_load_n(&p.flows()[i].state, __ATOMIC_ACQUIRE) == OVSXDP_FLOW_LIVE && listed.insert(p.flows()[i].ufid).second)
        out.push_back(p.entry(i));
  }
  return out;
}

std::size_t datapath::flow_count() const {
  const auto& p = *impl_;
  std::shared_lock reading(p.table_mutex);  // no writer of this process halfway
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < p.info().max_flows; i++) n += p.flows()[i].state == OVSXDP_FLOW_LIVE;
  return n;
}

datapath::occupancy datapath::audit() const {
  const auto& p = *impl_;
  std::shared_lock reading(p.table_mutex);  // no writer of this process halfway
  occupancy o;
  for (std::uint32_t i = 0; i < p.info().max_flows; i++) {
    o.live_flows += p.flows()[i].state == OVSXDP_FLOW_LIVE;
    o.dying_flows += p.flows()[i].state == OVSXDP_FLOW_DYING;
  }
  ovsxdp_megaflow_id key{}, next{};
  const ovsxdp_megaflow_id* prev = nullptr;
  while (bpf_map_get_next_key(p.map("megaflows").fd(), prev, &next) == 0) {
    o.megaflow_entries++;
    key = next;
    prev = &key;
  }
  for (std::uint32_t i = 0; i < p.info().max_action_sets; i++) o.action_sets += p.sets()[i].refcount != 0;
  for (std::uint32_t i = 0; i < p.info().max_masks; i++) o.active_masks += p.masks()[i].active != 0;
  o.probe_positions = p.info().n_masks;
  return o;
}

std::size_t datapath::mask_count() const {
  const auto& p = *impl_;
  std::shared_lock reading(p.table_mutex);  // no writer of this process halfway
  std::size_t n = 0;
  for (std::uint32_t pos = 0; pos < p.info().n_masks; pos++) {
    const std::uint32_t i = p.info().mask_order[pos];
    n += i < p.info().max_masks && p.masks()[i].active && p.masks()[i].refcount;
  }
  return n;
}

void datapath::flush() {
  auto& p = *impl_;
  impl::write_scope write(p);
  std::vector<std::uint32_t> live;
  for (const auto& [u, slot] : p.table.by_ufid) live.push_back(slot);
  for (std::uint32_t slot : live) p.unlink(slot);
  p.reclaim();
  p.bump_generation();
}

void datapath::reclaim() {
  auto& p = *impl_;
  impl::write_scope write(p);
  p.reclaim();
  p.bump_generation();
}

}  // namespace ovsxdp
