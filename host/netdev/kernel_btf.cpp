#include "netdev/kernel_btf.hpp"

#include <bpf/btf.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "runtime/error.hpp"

namespace ovsxdp::netdev {

namespace {

// Nesting of anonymous members followed before giving up (real kernels: 3 or 4).
constexpr int kMaxAnonymousDepth = 16;

bool is_qualifier(const btf_type* t) {
  switch (btf_kind(t)) {
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
      return true;
    default:
      return false;
  }
}

// The type behind typedefs and qualifiers.
std::uint32_t strip(const btf* b, std::uint32_t id) {
  for (int guard = 0; guard < 64; guard++) {
    const btf_type* t = btf__type_by_id(b, id);
    if (!t || !is_qualifier(t)) return id;
    id = t->type;
  }
  return id;
}

std::string name_of(const btf* b, const btf_type* t) {
  const char* name = btf__name_by_offset(b, t->name_off);
  return name ? name : "";
}

// C-like spelling of a type, for messages and member_location::type_name.
std::string describe(const btf* b, std::uint32_t id, int depth = 0) {
  if (id == 0) return "void";
  const btf_type* t = btf__type_by_id(b, id);
  if (!t || depth > 16) return "?";
  const std::string name = name_of(b, t);
  switch (btf_kind(t)) {
    case BTF_KIND_STRUCT:
      return name.empty() ? "struct (anonymous)" : "struct " + name;
    case BTF_KIND_UNION:
      return name.empty() ? "union (anonymous)" : "union " + name;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return "enum " + name;
    case BTF_KIND_PTR:
      return describe(b, t->type, depth + 1) + " *";
    case BTF_KIND_ARRAY:
      return describe(b, btf_array(t)->type, depth + 1) + "[" + std::to_string(btf_array(t)->nelems) + "]";
    case BTF_KIND_CONST:
      return "const " + describe(b, t->type, depth + 1);
    case BTF_KIND_VOLATILE:
      return "volatile " + describe(b, t->type, depth + 1);
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
      return describe(b, t->type, depth + 1);
    case BTF_KIND_FUNC_PROTO:
      return "function";
    default:
      return name;
  }
}

bool is_composite(const btf_type* t) { return t && (btf_is_struct(t) || btf_is_union(t)); }

struct found_member {
  std::uint32_t bit_offset;
  std::uint32_t bitfield_bits;
  std::uint32_t type_id;
};

// `name` in the struct or union `t`, looking inside anonymous members as C does.
std::optional<found_member> find_member(const btf* b, const btf_type* t, const std::string& name, int depth = 0) {
  const btf_member* members = btf_members(t);
  for (int i = 0; i < btf_vlen(t); i++) {
    const char* member_name = btf__name_by_offset(b, members[i].name_off);
    const std::uint32_t bits = btf_member_bit_offset(t, static_cast<std::uint32_t>(i));
    if (member_name && name == member_name) return found_member{bits, btf_member_bitfield_size(t, static_cast<std::uint32_t>(i)), members[i].type};
    if ((!member_name || !*member_name) && depth < kMaxAnonymousDepth) {
      const btf_type* inner = btf__type_by_id(b, strip(b, members[i].type));
      if (!is_composite(inner)) continue;
      if (auto found = find_member(b, inner, name, depth + 1)) {
        found->bit_offset += bits;
        return found;
      }
    }
  }
  return std::nullopt;
}

// Names a struct offers, anonymous members' included, for a hint.
void list_members(const btf* b, const btf_type* t, std::vector<std::string>& names, int depth = 0) {
  const btf_member* members = btf_members(t);
  for (int i = 0; i < btf_vlen(t); i++) {
    const char* member_name = btf__name_by_offset(b, members[i].name_off);
    if (member_name && *member_name) {
      names.emplace_back(member_name);
    } else if (depth < kMaxAnonymousDepth) {
      const btf_type* inner = btf__type_by_id(b, strip(b, members[i].type));
      if (is_composite(inner)) list_members(b, inner, names, depth + 1);
    }
  }
}

std::string members_hint(const btf* b, const btf_type* t) {
  std::vector<std::string> names;
  list_members(b, t, names);
  constexpr std::size_t kShown = 16;
  std::string hint = "its members are ";
  for (std::size_t i = 0; i < names.size() && i < kShown; i++) hint += (i ? ", " : "") + names[i];
  if (names.size() > kShown) hint += ", ... (" + std::to_string(names.size()) + " in all)";
  return hint;
}

std::optional<std::uint32_t> find_composite(const btf* b, const std::string& name) {
  for (const auto kind : {BTF_KIND_STRUCT, BTF_KIND_UNION}) {
    const int id = btf__find_by_name_kind(b, name.c_str(), kind);
    if (id > 0) return static_cast<std::uint32_t>(id);
  }
  return std::nullopt;
}

}  // namespace

void kernel_btf::deleter::operator()(btf* b) const noexcept { btf__free(b); }

kernel_btf::~kernel_btf() = default;

kernel_btf kernel_btf::load_vmlinux() {
  errno = 0;
  btf* b = btf__load_vmlinux_btf();
  if (!b)
    throw system_error("load the kernel's BTF", "/sys/kernel/btf/vmlinux", errno ? errno : ENOENT,
                       "the kernel needs CONFIG_DEBUG_INFO_BTF=y (and /sys mounted)");
  return kernel_btf(b);
}

bool kernel_btf::has_struct(const std::string& struct_name) const { return find_composite(btf_.get(), struct_name).has_value(); }

std::uint32_t kernel_btf::struct_size(const std::string& struct_name) const {
  const auto id = find_composite(btf_.get(), struct_name);
  if (!id) throw error("find kernel struct", struct_name, "this kernel's BTF has no struct or union of that name", "check the spelling (no \"struct \" prefix)");
  return btf__type_by_id(btf_.get(), *id)->size;
}

member_location kernel_btf::member(const std::string& struct_name, const std::string& path) const {
  const btf* b = btf_.get();
  const std::string subject = struct_name + "." + path;
  const auto root = find_composite(b, struct_name);
  if (!root) throw error("find kernel struct member", subject, "this kernel's BTF has no struct or union " + struct_name, "check the spelling (no \"struct \" prefix)");
  if (path.empty()) throw error("find kernel struct member", subject, "no member named", "name one, e.g. ifindex or nd_net.net");

  std::uint32_t type_id = *root;
  std::uint32_t bit_offset = 0, bitfield_bits = 0;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = path.find('.', start);
    const std::string component = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const std::uint32_t container_id = strip(b, type_id);
    const btf_type* container = btf__type_by_id(b, container_id);
    if (!is_composite(container))
      throw error("find kernel struct member", subject,
                  "'" + path.substr(0, start ? start - 1 : 0) + "' is " + describe(b, type_id) + ", not a struct or union",
                  btf_is_ptr(container) ? "offsets stop at a pointer: read it, then look up the member in what it points to" : std::string());
    if (component.empty()) throw error("find kernel struct member", subject, "the path has an empty component", "separate members with single dots");
    const auto found = find_member(b, container, component);
    if (!found) throw error("find kernel struct member", subject, describe(b, container_id) + " has no member '" + component + "'", members_hint(b, container));
    bit_offset += found->bit_offset;
    bitfield_bits = found->bitfield_bits;
    type_id = found->type_id;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }

  member_location location;
  location.bit_offset = bit_offset;
  location.offset = bit_offset / 8;
  location.bitfield_bits = bitfield_bits;
  const int size = btf__resolve_size(b, type_id);
  if (size < 0) throw system_error("find the size of kernel struct member", subject, -size);
  location.size = static_cast<std::uint32_t>(size);
  location.type_name = describe(b, type_id);
  return location;
}

}  // namespace ovsxdp::netdev
