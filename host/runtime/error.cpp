#include "runtime/error.hpp"

#include <cstring>

namespace ovsxdp {
namespace {
std::string compose(const std::string& operation, const std::string& subject, const std::string& reason,
                    const std::string& remedy) {
  std::string text = "cannot " + operation;
  if (!subject.empty()) text += " '" + excerpt(subject, 200) + "'";
  text += ": " + reason;
  if (!remedy.empty()) text += "\n  hint: " + remedy;
  return text;
}
}  // namespace

error::error(std::string operation, std::string subject, std::string reason, std::string remedy)
    : std::runtime_error(compose(operation, subject, reason, remedy)),
      operation_(std::move(operation)),
      subject_(std::move(subject)),
      reason_(std::move(reason)),
      remedy_(std::move(remedy)) {}

error system_error(std::string operation, std::string subject, int errnum, std::string remedy) {
  if (errnum < 0) errnum = -errnum;
  error e(std::move(operation), std::move(subject), std::strerror(errnum), std::move(remedy));
  e.errnum_ = errnum;
  return e;
}

std::string excerpt(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string bounded_lines(std::string_view message, std::size_t limit) {
  std::string out;
  while (!message.empty()) {
    const std::size_t newline = message.find('\n');
    const std::string_view line = message.substr(0, newline);
    if (line.size() <= limit) {
      out += line;
    } else {
      const std::size_t head = limit * 3 / 4, tail = limit / 4;
      out += std::string(line.substr(0, head)) + " [... " + std::to_string(line.size() - head - tail) + " characters ...] " +
             std::string(line.substr(line.size() - tail));
    }
    if (newline == std::string_view::npos) break;
    out += '\n';
    message.remove_prefix(newline + 1);
  }
  return out;
}

}  // namespace ovsxdp
