#include "name_rules.h"

namespace cutover::examples {
namespace {

// Only ASCII whitespace: PostgreSQL's '[ \t\r\n]+' in the SQL twin matches
// exactly these, whatever the locale, so non-ASCII names split the same on both
// sides.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string NormalizeWhitespace(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool pending_space = false;
  for (char c : name) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

SplitName Split(std::string_view name) {
  const std::string normalized = NormalizeWhitespace(name);
  const size_t space = normalized.find(' ');
  if (space == std::string::npos) return {normalized, ""};
  return {normalized.substr(0, space), normalized.substr(space + 1)};
}

std::string Join(const SplitName& split) {
  return split.last_name.empty() ? split.first_name
                                 : split.first_name + " " + split.last_name;
}

}  // namespace cutover::examples
