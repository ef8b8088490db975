// PostgreSQL array literals for passing lists as ONE bound parameter
// (libpqxx 6 cannot bind a std::vector): `{"a","b\"c",NULL}` sent as $1 and
// cast on the server (`$1::text[]`, `$1::text[]::bigint[]`).
//
// Every element is double-quoted with `"` and `\` backslash-escaped, so any
// text (commas, braces, quotes, the word NULL) travels as data.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_PG_ARRAY_LITERAL_H_
#define CUTOVER_PG_ARRAY_LITERAL_H_

#include <optional>
#include <string>
#include <vector>

namespace cutover::pg {

// {"e1","e2",...}; an empty vector gives {}.
std::string PgArrayLiteral(const std::vector<std::string>& elements);
// As above; nullopt elements become NULL.
std::string PgArrayLiteral(
    const std::vector<std::optional<std::string>>& elements);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_ARRAY_LITERAL_H_
