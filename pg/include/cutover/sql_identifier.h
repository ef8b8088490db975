// Quoting of SQL identifiers for statements that cutover builds itself.
//
// cutover never splices a value into SQL text (values travel as parameters);
// identifiers cannot be parameters, so every table, schema and column name is
// quoted here. A quoted identifier is taken literally by PostgreSQL: a name
// such as `x"; DROP TABLE users; --` stays one (odd) name and cannot end the
// statement.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_SQL_IDENTIFIER_H_
#define CUTOVER_SQL_IDENTIFIER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cutover::pg {

// Returns `name` as a double-quoted PostgreSQL identifier, doubling every
// embedded double quote: users -> "users", a"b -> "a""b". The name is used
// exactly as given (no case folding). Returns InvalidArgument for an empty name
// or one containing a NUL byte, which PostgreSQL cannot store.
absl::StatusOr<std::string> QuoteIdentifier(std::string_view name);

// "schema"."name", or just "name" when `schema` is empty. Errors as
// QuoteIdentifier.
absl::StatusOr<std::string> QuoteQualifiedName(std::string_view schema,
                                               std::string_view name);

}  // namespace cutover::pg

#endif  // CUTOVER_SQL_IDENTIFIER_H_
