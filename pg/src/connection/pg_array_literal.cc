#include "connection/pg_array_literal.h"

namespace cutover::pg {
namespace {

void AppendQuoted(const std::string& element, std::string* out) {
  out->push_back('"');
  for (const char c : element) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

std::string PgArrayLiteral(const std::vector<std::string>& elements) {
  std::string out = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendQuoted(elements[i], &out);
  }
  out.push_back('}');
  return out;
}

std::string PgArrayLiteral(
    const std::vector<std::optional<std::string>>& elements) {
  std::string out = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (elements[i].has_value()) {
      AppendQuoted(*elements[i], &out);
    } else {
      out.append("NULL");
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace cutover::pg
