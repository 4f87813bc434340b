#include "datapath/fork_plan.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "runtime/error.hpp"
#include "runtime/overloaded.hpp"

namespace ovsxdp {
namespace {

[[noreturn]] void refuse(const std::string& why, const std::string& hint = "") {
  throw invalid_flow("install flow", "", "actions: " + why, hint);
}

// ---- the action tree: what emits, what can run in place ----

bool emits(const action& a);
bool emits(const action_list& l, std::size_t from = 0) {
  for (std::size_t i = from; i < l.size(); i++)
    if (emits(l[i])) return true;
  return false;
}
// Emits: something leaves the action list (a transmission, an upcall, a
// recirculation that others will see).
bool emits(const action& a) {
  return std::visit(overloaded{[](const act::output&) { return true; }, [](const act::userspace&) { return true; },
                               [](const act::recirc&) { return true; }, [](const act::clone& x) { return emits(x.actions); },
                               [](const act::sample& x) { return emits(x.actions); },
                               [](const act::check_pkt_len& x) { return emits(x.gt) || emits(x.le); },
                               [](const act::dec_ttl& x) { return emits(x.le_1); }, [](const auto&) { return false; }},
                    a.base());
}

// Only upcalls (and clones/samples of only upcalls): running it on the packet
// itself changes nothing anyone else sees.
bool transparent(const action_list& l) {
  return std::all_of(l.begin(), l.end(), [](const action& a) {
    return std::visit(overloaded{[](const act::userspace&) { return true; }, [](const act::clone& x) { return transparent(x.actions); },
                                 [](const act::sample& x) { return transparent(x.actions); }, [](const auto&) { return false; }},
                      a.base());
  });
}

// The first top-level action that needs the packet copied, if any.
std::optional<std::size_t> find_fork(const action_list& l) {
  for (std::size_t i = 0; i < l.size(); i++) {
    const bool rest = emits(l, i + 1);
    const bool fork = std::visit(
        overloaded{
            [&](const act::output&) { return rest; },
            // A recirc that more emissions follow recirculates a copy (Linux
            // clones the packet); a final one runs on the packet itself.
            [&](const act::recirc&) { return rest; },
            [&](const act::clone& x) { return rest ? emits(x.actions) && !transparent(x.actions) : find_fork(x.actions).has_value(); },
            [&](const act::sample& x) { return rest ? emits(x.actions) && !transparent(x.actions) : find_fork(x.actions).has_value(); },
            [&](const act::check_pkt_len& x) {
              return rest ? emits(x.gt) || emits(x.le) : find_fork(x.gt).has_value() || find_fork(x.le).has_value();
            },
            [&](const act::dec_ttl& x) { return find_fork(x.le_1).has_value(); },
            [](const auto&) { return false; },
        },
        l[i].base());
    if (fork) return i;
  }
  return std::nullopt;
}

void keep_cutlen(action_list& l) {
  for (auto& a : l)
    std::visit(overloaded{[](act::userspace& x) { x.keep_cutlen = true; }, [](act::clone& x) { keep_cutlen(x.actions); },
                          [](act::sample& x) { keep_cutlen(x.actions); }, [](auto&) {}},
               static_cast<action_variant&>(a));
}

// Marks how the actions before `end` run in place: compounds nothing after
// them can observe are stepped over; upcall-only ones run and leave the
// packet's pending trunc alone.
void mark_in_place(action_list& l, std::size_t end) {
  for (std::size_t i = 0; i < end; i++) {
    const bool rest = emits(l, i + 1);
    auto compound = [&](action_list& nested, bool& invisible) {
      if (!rest) mark_in_place(nested, nested.size());
      else if (!emits(nested)) invisible = true;
      else keep_cutlen(nested);  // transparent, or find_fork would have stopped here
    };
    std::visit(overloaded{
                   [&](act::clone& x) { compound(x.actions, x.invisible); },
                   [&](act::sample& x) { compound(x.actions, x.invisible); },
                   [&](act::check_pkt_len& x) {
                     if (rest) {
                       x.invisible = true;  // neither branch emits (else a fork)
                     } else {
                       mark_in_place(x.gt, x.gt.size());
                       mark_in_place(x.le, x.le.size());
                     }
                   },
                   [&](act::dec_ttl& x) { mark_in_place(x.le_1, x.le_1.size()); },
                   [](auto&) {},
               },
               static_cast<action_variant&>(l[i]));
  }
}

// ---- copies, compiled from the encoded records ----

struct record_view {
  std::uint8_t type = 0;
  std::uint16_t arg = 0;
  std::size_t size = 0;
};

class copy_compiler {
 public:
  explicit copy_compiler(const std::vector<std::uint8_t>& bytes) : bytes_(bytes) {}

  std::vector<copy_plan> run(std::size_t begin, std::size_t end) {
    walk(begin, end, {}, -1);
    return std::move(copies_);
  }

 private:
  record_view at(std::size_t off) const {
    ovsxdp_action_header h;
    std::memcpy(&h, &bytes_[off], sizeof h);
    return {h.type, h.arg, h.words * 4u};
  }
  template <class R>
  R record(std::size_t off) const {
    R r;
    std::memcpy(&r, &bytes_[off], sizeof r);
    return r;
  }

  // `prefix` holds the steps every copy from here on runs; `pending_trunc`
  // is the index in it of a trunc no emission has spent yet.
  void walk(std::size_t off, std::size_t end, std::vector<std::uint16_t> prefix, int pending_trunc) {
    auto spend_trunc = [&] {
      if (pending_trunc >= 0) prefix.erase(prefix.begin() + pending_trunc);
      pending_trunc = -1;
    };
    while (off < end) {
      const record_view r = at(off);
      const auto step = static_cast<std::uint16_t>(off);
      switch (r.type) {
        case OVSXDP_ACTION_OUTPUT: {
          copy_plan c;
          c.steps = prefix;
          c.steps.push_back(step);
          c.port = record<ovsxdp_action_output>(off).port;
          copies_.push_back(std::move(c));
          spend_trunc();  // trunc applies to the next output only
          break;
        }
        case OVSXDP_ACTION_USERSPACE: {
          copy_plan c;
          c.steps = prefix;
          c.steps.push_back(step);
          c.carrier = true;
          copies_.push_back(std::move(c));
          spend_trunc();
          break;
        }
        case OVSXDP_ACTION_TRUNC:
          spend_trunc();  // a newer trunc replaces the pending one
          pending_trunc = static_cast<int>(prefix.size());
          prefix.push_back(step);
          break;
        case OVSXDP_ACTION_CLONE:
          walk(off + r.size, off + r.size + r.arg, prefix, pending_trunc);
          off += r.arg;
          break;
        case OVSXDP_ACTION_SAMPLE: {
          auto guarded = prefix;
          guarded.push_back(step);
          walk(off + r.size, off + r.size + r.arg, guarded, pending_trunc);
          off += r.arg;
          break;
        }
        case OVSXDP_ACTION_CHECK_PKT_LEN: {
          const auto c = record<ovsxdp_action_check_pkt_len>(off);
          auto gt = prefix, le = prefix;
          gt.push_back(static_cast<std::uint16_t>(step | OVSXDP_STEP_GT));
          le.push_back(step);
          walk(off + r.size, off + r.size + c.gt_bytes, gt, pending_trunc);
          walk(off + r.size + c.gt_bytes, off + r.size + c.gt_bytes + c.le_bytes, le, pending_trunc);
          off += c.gt_bytes + c.le_bytes;
          break;
        }
        case OVSXDP_ACTION_DEC_TTL: {
          auto expired = prefix;
          expired.push_back(static_cast<std::uint16_t>(step | OVSXDP_STEP_TTL_EXPIRED));
          walk(off + r.size, off + r.size + r.arg, expired, pending_trunc);
          prefix.push_back(step);  // the rest: decremented, copies gone when it expires
          off += r.arg;
          break;
        }
        case OVSXDP_ACTION_DROP: return;
        case OVSXDP_ACTION_RECIRC: {
          // The copy leaves through the loop device into its next pass. A
          // pending trunc goes with it and stays pending here too (Linux's
          // clone keeps the packet's cutlen).
          copy_plan c;
          c.steps = prefix;
          c.steps.push_back(step);
          c.recirculates = true;
          c.port = kLoopPort;
          copies_.push_back(std::move(c));
          break;
        }
        case OVSXDP_ACTION_FORK: refuse("internal: a second fork record");
        default: prefix.push_back(step); break;
      }
      off += r.size;
    }
  }

  const std::vector<std::uint8_t>& bytes_;
  std::vector<copy_plan> copies_;
};

// A set's target and mask, for the "overwritten by the next set" rule.
// Steps carry branch flags above the offset: only the offset addresses bytes.
bool set_covers(const std::vector<std::uint8_t>& bytes, std::uint16_t first_step, std::uint16_t second_step) {
  const std::size_t first = first_step & OVSXDP_STEP_OFFSET, second = second_step & OVSXDP_STEP_OFFSET;
  ovsxdp_action_header a, b;
  std::memcpy(&a, &bytes[first], sizeof a);
  std::memcpy(&b, &bytes[second], sizeof b);
  if (a.type != OVSXDP_ACTION_SET || b.type != OVSXDP_ACTION_SET || a.arg != b.arg || a.words != b.words) return false;
  const std::size_t half = (a.words * 4u - sizeof a) / 2;
  const std::uint8_t* mask_a = &bytes[first + sizeof a + half];
  const std::uint8_t* mask_b = &bytes[second + sizeof b + half];
  for (std::size_t i = 0; i < half; i++)
    if (mask_a[i] & ~mask_b[i]) return false;
  return true;
}

void simplify(copy_plan& c, const std::vector<std::uint8_t>& bytes) {
  auto type = [&](std::uint16_t step) { return bytes[step & OVSXDP_STEP_OFFSET]; };
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i + 1 < c.steps.size(); i++) {
      const std::uint16_t s = c.steps[i], t = c.steps[i + 1];
      if (type(s) == OVSXDP_ACTION_PUSH_VLAN && type(t) == OVSXDP_ACTION_POP_VLAN) {
        c.steps.erase(c.steps.begin() + static_cast<long>(i), c.steps.begin() + static_cast<long>(i) + 2);
        changed = true;
        break;
      }
      if (set_covers(bytes, s, t)) {
        c.steps.erase(c.steps.begin() + static_cast<long>(i));
        changed = true;
        break;
      }
    }
  }
}

}  // namespace

planned_actions plan_actions(const action_list& input) {
  action_list actions = input.empty() ? action_list{act::drop{}} : input;
  planned_actions out;
  std::optional<std::size_t> fork = find_fork(actions);
  // A trunc still pending at the fork belongs to one copy's output, not to
  // every copy: the fork moves in front of it.
  for (std::size_t j = fork.value_or(0); fork && j-- > 0;) {
    if (std::holds_alternative<act::userspace>(actions[j].base())) break;
    if (std::holds_alternative<act::trunc>(actions[j].base())) {
      fork = j;
      break;
    }
  }
  const std::size_t in_place = fork.value_or(actions.size());
  mark_in_place(actions, in_place);
  const action_list before(actions.begin(), actions.begin() + static_cast<long>(in_place));
  const action_list after(actions.begin() + static_cast<long>(in_place), actions.end());
  encode_action_records(before, out.bytes);
  if (fork) {
    out.fork_offset = static_cast<std::uint32_t>(out.bytes.size());
    ovsxdp_action_fork record{};
    record.h.type = OVSXDP_ACTION_FORK;
    record.h.words = sizeof record / 4;
    const auto* p = reinterpret_cast<const std::uint8_t*>(&record);
    out.bytes.insert(out.bytes.end(), p, p + sizeof record);
    encode_action_records(after, out.bytes);
  }
  if (out.bytes.size() > OVSXDP_ACTIONS_MAX_BYTES)
    throw invalid_flow("encode actions", "", "the action list needs " + std::to_string(out.bytes.size()) + " bytes; the datapath holds at most " +
                                          std::to_string(OVSXDP_ACTIONS_MAX_BYTES) + " per flow",
                "split the work with recirc() over several flows");
  out.copies = plan_copies(out.bytes);
  return out;
}

std::optional<std::size_t> fork_record_offset(const std::vector<std::uint8_t>& bytes) {
  for (std::size_t off = 0; off + sizeof(ovsxdp_action_header) <= bytes.size();) {
    ovsxdp_action_header h;
    std::memcpy(&h, &bytes[off], sizeof h);
    if (h.words == 0) break;
    if (h.type == OVSXDP_ACTION_FORK) return off;
    std::size_t nested = 0;
    if (h.type == OVSXDP_ACTION_DEC_TTL || h.type == OVSXDP_ACTION_CLONE || h.type == OVSXDP_ACTION_SAMPLE) nested = h.arg;
    if (h.type == OVSXDP_ACTION_CHECK_PKT_LEN) {
      ovsxdp_action_check_pkt_len c;
      std::memcpy(&c, &bytes[off], sizeof c);
      nested = std::size_t{c.gt_bytes} + c.le_bytes;
    }
    off += h.words * 4u + nested;
  }
  return std::nullopt;
}

std::vector<copy_plan> plan_copies(const std::vector<std::uint8_t>& bytes) {
  const std::optional<std::size_t> fork_offset = fork_record_offset(bytes);
  if (!fork_offset) return {};
  std::vector<copy_plan> copies = copy_compiler(bytes).run(*fork_offset + sizeof(ovsxdp_action_fork), bytes.size());
  if (copies.size() > OVSXDP_FORK_MAX_COPIES)
    refuse(std::to_string(copies.size()) + " copies of one packet; at most " + std::to_string(OVSXDP_FORK_MAX_COPIES));
  std::map<std::uint32_t, unsigned> per_port;
  for (std::size_t i = 0; i < copies.size(); i++) {
    copy_plan& c = copies[i];
    simplify(c, bytes);
    if (c.steps.size() > OVSXDP_COPY_MAX_STEPS)
      refuse("the copy for " + std::string(c.carrier ? "an upcall" : c.recirculates ? "a recirc" : "output:" + std::to_string(c.port)) + " runs " +
                 std::to_string(c.steps.size()) +
                 " actions; a copy runs at most " + std::to_string(OVSXDP_COPY_MAX_STEPS),
             "move modifications before the first output, where they run once for every copy");
    if (c.carrier) {
      // An upcall-only copy rides on the interface of the nearest output.
      std::optional<std::uint32_t> port;
      for (std::size_t j = i + 1; j < copies.size() && !port; j++)
        if (!copies[j].carrier && !copies[j].recirculates) port = copies[j].port;
      for (std::size_t j = i; j-- > 0 && !port;)
        if (!copies[j].carrier && !copies[j].recirculates) port = copies[j].port;
      if (!port)
        refuse("a clone or sample that changes the packet before userspace() needs an output in the same list (its copy travels through a port)",
               "add the output, or move userspace() before the modifications");
      c.port = *port;
    }
    if (++per_port[c.port] > OVSXDP_COPY_MAX_REPEATS)
      refuse("more than " + std::to_string(OVSXDP_COPY_MAX_REPEATS) + " copies go through " +
             (c.port == kLoopPort ? std::string("the loop device (recirculations)") : "port " + std::to_string(c.port)));
  }
  return copies;
}

}  // namespace ovsxdp
