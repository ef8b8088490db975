// The PostgreSQL schema an example works in: $CUTOVER_EXAMPLE_SCHEMA, or a
// default. Tests set it so that parallel runs never share tables.
#ifndef CUTOVER_EXAMPLES_COMMON_EXAMPLE_SCHEMA_H_
#define CUTOVER_EXAMPLES_COMMON_EXAMPLE_SCHEMA_H_

#include <cstdlib>
#include <string>

#include "cutover/sql_identifier.h"

namespace cutover::examples {

// The quoted schema name. A name that cannot be quoted falls back to the
// default.
inline std::string ExampleSchema(const std::string& fallback) {
  const char* env = std::getenv("CUTOVER_EXAMPLE_SCHEMA");
  auto quoted =
      pg::QuoteIdentifier(env != nullptr && *env != '\0' ? env : fallback);
  return quoted.ok() ? *quoted : *pg::QuoteIdentifier(fallback);
}

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_EXAMPLE_SCHEMA_H_
