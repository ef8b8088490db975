#include "cutover/sql_identifier.h"

#include "cutover/internal/strings.h"

namespace cutover::pg {

absl::StatusOr<std::string> QuoteIdentifier(std::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "empty SQL identifier: give a table or column name");
  }
  if (name.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "SQL identifier contains a NUL byte, which PostgreSQL cannot store");
  }
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (const char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

absl::StatusOr<std::string> QuoteQualifiedName(std::string_view schema,
                                               std::string_view name) {
  absl::StatusOr<std::string> quoted_name = QuoteIdentifier(name);
  if (!quoted_name.ok() || schema.empty()) return quoted_name;
  absl::StatusOr<std::string> quoted_schema = QuoteIdentifier(schema);
  if (!quoted_schema.ok()) return quoted_schema.status();
  return StrCat(*quoted_schema, ".", *quoted_name);
}

}  // namespace cutover::pg
