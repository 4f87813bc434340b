// The action store: action lists shared by flows with equal actions,
// refcounted, and the copy groups (devmaps and plans) of lists that fork.
#include <algorithm>

#include "datapath/datapath_impl.hpp"
#include "datapath/fork_plan.hpp"

namespace ovsxdp {

using namespace datapath_detail;

namespace {

std::uint64_t content_hash(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (std::size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

}  // namespace

void datapath::impl::release_set(std::uint32_t index) {
  if (index >= info().max_action_sets) return;
  ovsxdp_action_set& s = sets()[index];
  if (s.refcount && --s.refcount == 0) {
    if (s.flags & OVSXDP_SET_FORKS) drop_group(index);
    auto& v = table.sets_by_hash[s.content_hash];
    v.erase(std::remove(v.begin(), v.end(), index), v.end());
    table.free_sets.push_back(index);
  }
}

// The devmap and the plans of action set `slot`, made fresh from its bytes
// and the current ports, then swapped in (plans first: a fork that finds
// the group finds its plans).
void datapath::impl::build_group(std::uint32_t slot) {
  const ovsxdp_action_set& s = sets()[slot];
  const std::vector<std::uint8_t> bytes(s.bytes, s.bytes + s.length);
  const std::vector<copy_plan> copies = plan_copies(bytes);
  const std::string what = "action set " + std::to_string(slot) + " of datapath " + name;
  unique_fd group(bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "ovsxdp_group", sizeof(std::uint32_t), sizeof(bpf_devmap_val), OVSXDP_FORK_MAX_COPIES,
                                 nullptr));
  if (!group) throw system_error("create the copy group of", what, errno);
  LIBBPF_OPTS(bpf_map_create_opts, lazy, .map_flags = BPF_F_NO_PREALLOC);
  unique_fd plans(bpf_map_create(BPF_MAP_TYPE_HASH, "ovsxdp_plans", sizeof(ovsxdp_copy_plan_key), sizeof(ovsxdp_copy_plan),
                                 2 * OVSXDP_FORK_MAX_COPIES, &lazy));
  if (!plans) throw system_error("create the copy plans of", what, errno);
  std::vector<ovsxdp_copy_plan> raw(copies.size());
  std::map<std::uint32_t, std::vector<std::uint32_t>> by_ifindex;
  ovsxdp_fork_info fork_info{static_cast<std::uint32_t>(copies.size()), 0};
  for (std::uint32_t i = 0; i < copies.size(); i++) {
    ovsxdp_copy_plan& r = raw[i];
    std::memset(&r, 0, sizeof r);
    r.copy_index = static_cast<std::uint16_t>(i);
    r.n_steps = static_cast<std::uint16_t>(copies[i].steps.size());
    r.carrier = copies[i].carrier ? 1 : 0;
    std::copy(copies[i].steps.begin(), copies[i].steps.end(), r.steps);
    std::uint32_t ifindex = 0;
    if (copies[i].recirculates) {
      ifindex = info().loop_ifindex_tx;  // into its next pass, through the loop device
    } else {
      ovsxdp_port_info pi;
      if (map("port_info").lookup(copies[i].port, pi)) ifindex = pi.ifindex;
    }
    if (!ifindex) {  // no such port: no copy leaves there, the fork counts it
      fork_info.copies_without_port++;
      continue;
    }
    by_ifindex[ifindex].push_back(i);
    bpf_devmap_val entry{};
    entry.ifindex = ifindex;
    entry.bpf_prog.fd = programs[OVSXDP_PROGRAM_COPY].get();
    if (bpf_map_update_elem(group.get(), &i, &entry, BPF_ANY)) throw system_error("add copy " + std::to_string(i) + " to the copy group of", what, errno);
  }
  for (auto& [ifindex, indices] : by_ifindex)
    for (std::uint32_t k = 0; k < indices.size(); k++) {
      raw[indices[k]].repeats = static_cast<std::uint16_t>(indices.size());
      const ovsxdp_copy_plan_key key{ifindex, k};
      if (bpf_map_update_elem(plans.get(), &key, &raw[indices[k]], BPF_ANY)) throw system_error("write a copy plan of", what, errno);
    }
  for (std::uint32_t i = 0; i < raw.size(); i++) {
    const ovsxdp_copy_plan_key key{0, i};
    if (bpf_map_update_elem(plans.get(), &key, &raw[i], BPF_ANY)) throw system_error("write a copy plan of", what, errno);
  }
  map("fork_info").update(slot, fork_info);
  int fd = plans.get();
  if (bpf_map_update_elem(map("fork_plans").fd(), &slot, &fd, BPF_ANY)) throw system_error("install the copy plans of", what, errno);
  fd = group.get();
  if (bpf_map_update_elem(map("fork_groups").fd(), &slot, &fd, BPF_ANY)) throw system_error("install the copy group of", what, errno);
}

void datapath::impl::drop_group(std::uint32_t slot) {
  bpf_map_delete_elem(map("fork_groups").fd(), &slot);
  bpf_map_delete_elem(map("fork_plans").fd(), &slot);
}

bool datapath::impl::group_exists(std::uint32_t slot) const {
  std::uint32_t id = 0;
  return bpf_map_lookup_elem(map("fork_groups").fd(), &slot, &id) == 0;
}

// Ports changed: every group is rebuilt against the new ports.
void datapath::impl::rebuild_groups() {
  for (std::uint32_t i = 0; i < info().max_action_sets; i++)
    if (sets()[i].refcount && (sets()[i].flags & OVSXDP_SET_FORKS)) build_group(i);
}

std::uint32_t datapath::impl::acquire_set(const std::vector<std::uint8_t>& bytes) {
  const std::uint64_t h = content_hash(bytes.data(), bytes.size());
  for (std::uint32_t i : table.sets_by_hash[h]) {
    ovsxdp_action_set& s = sets()[i];
    if (s.length == bytes.size() && std::memcmp(s.bytes, bytes.data(), bytes.size()) == 0) {
      if ((s.flags & OVSXDP_SET_FORKS) && !group_exists(i)) build_group(i);  // a writer died before making it
      s.refcount++;
      return i;
    }
  }
  if (table.free_sets.empty()) reclaim();
  if (table.free_sets.empty())
    throw error("install flow in datapath", name, "the action-set table is full (" + std::to_string(info().max_action_sets) + " distinct action lists)",
                "create the datapath with a larger max_action_sets");
  const std::uint32_t i = table.free_sets.back();
  table.free_sets.pop_back();
  ovsxdp_action_set& s = sets()[i];
  std::memset(s.bytes, 0, sizeof s.bytes);
  std::memcpy(s.bytes, bytes.data(), bytes.size());
  s.length = static_cast<std::uint16_t>(bytes.size());
  s.content_hash = h;
  s.flags = fork_record_offset(bytes) ? OVSXDP_SET_FORKS : 0;  // build_group compiles the plans
  if (s.flags & OVSXDP_SET_FORKS) {
    try {
      build_group(i);
    } catch (...) {
      table.free_sets.push_back(i);
      throw;
    }
  }
  s.refcount = 1;
  table.sets_by_hash[h].push_back(i);
  return i;
}

}  // namespace ovsxdp
