#include "runtime/error.hpp"

#include <cstring>

namespace ovsxdp {
namespace {
std::string compose(const std::string& operation, const std::string& subject, const std::string& reason,
                    const std::string& remedy) {
  std::string text = "cannot " + operation;
  if (!subject.empty()) text += " '" + subject + "'";
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
  return error(std::move(operation), std::move(subject), std::strerror(errnum), std::move(remedy));
}

}  // namespace ovsxdp
