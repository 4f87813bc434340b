#include "support/odp_text.hpp"

#include <stdexcept>
#include <vector>

namespace ovsxdp::testing {
namespace {

std::vector<std::string_view> split_top_level(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c == '(') depth++;
    else if (c == ')') depth--;
    else if (c == ',' && depth == 0) {
      if (i > start) out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (depth != 0) throw std::invalid_argument("unbalanced parentheses in " + std::string(text));
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

void collect(std::string_view text, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (std::string_view attribute : split_top_level(text)) {
    std::size_t paren = attribute.find('(');
    std::string name(attribute.substr(0, paren));
    if (name == "encap" && paren != std::string_view::npos && attribute.back() == ')') {
      collect(attribute.substr(paren + 1, attribute.size() - paren - 2), prefix + "encap/", out);
      continue;
    }
    out[prefix + name] = std::string(attribute);
  }
}

}  // namespace

std::map<std::string, std::string> key_attributes(std::string_view key_text) {
  std::map<std::string, std::string> out;
  collect(key_text, "", out);
  return out;
}

std::string key_of_dump_line(std::string_view line) {
  if (line.rfind("ufid:", 0) == 0) {
    std::size_t comma = line.find(", ");
    if (comma != std::string_view::npos) line.remove_prefix(comma + 2);
  }
  std::size_t stats = line.find(", packets:");
  if (stats != std::string_view::npos) line = line.substr(0, stats);
  return std::string(line);
}

}  // namespace ovsxdp::testing
