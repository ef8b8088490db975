// One statement of a write, given as data (SQL or a prepared statement's name,
// and its parameters) instead of as a callable that runs it through pqxx.
// PgDualWrite sends such statements itself, in libpq pipeline mode, so that
// the statements of one write and tolerant mode's SAVEPOINT share one round
// trip (pg_dual_write.h). Use a callable instead when a statement depends on
// what an earlier one returned.
//
//   std::vector<cutover::pg::PgStatement> write_new = {
//       cutover::pg::PgStatement::Sql(
//           "INSERT INTO user_pair (user_id, pair_id) VALUES ($1, $2)"
//           " ON CONFLICT (user_id) DO UPDATE SET pair_id = EXCLUDED.pair_id",
//           user, pair),
//       // Prepared on the connection with pqxx::connection::prepare.
//       cutover::pg::PgStatement::Prepared("touch_user", user)};
//
// Parameters are sent as text, as pqxx sends them: anything pqxx::to_string
// converts, and NULL for nullptr, a null const char* or an empty
// std::optional.
//
// Thread-safety: a value type; no shared state.
#ifndef CUTOVER_PG_STATEMENT_H_
#define CUTOVER_PG_STATEMENT_H_

#include <cstddef>
#include <optional>
#include <pqxx/strconv>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cutover::pg {

namespace pg_statement_internal {

inline std::optional<std::string> Param(std::nullptr_t) { return std::nullopt; }
inline std::optional<std::string> Param(const char* text) {
  if (text == nullptr) return std::nullopt;
  return std::string(text);
}
inline std::optional<std::string> Param(std::string_view text) {
  return std::string(text);
}
inline std::optional<std::string> Param(const std::string& text) {
  return text;
}
template <typename T>
std::optional<std::string> Param(const T& value) {
  return pqxx::to_string(value);
}
// After the overloads above: the value inside may be any of them.
template <typename T>
std::optional<std::string> Param(const std::optional<T>& value) {
  if (!value.has_value()) return std::nullopt;
  return Param(*value);
}

}  // namespace pg_statement_internal

struct PgStatement {
  // SQL with $1, $2, ... placeholders, parsed and planned on every run.
  template <typename... Args>
  static PgStatement Sql(std::string sql, const Args&... params) {
    return PgStatement{
        std::move(sql), false, {pg_statement_internal::Param(params)...}};
  }

  // A statement prepared on the connection with pqxx::connection::prepare
  // (pqxx registers it with the server on its first use, as exec_prepared
  // does).
  template <typename... Args>
  static PgStatement Prepared(std::string name, const Args&... params) {
    return PgStatement{
        std::move(name), true, {pg_statement_internal::Param(params)...}};
  }

  std::string sql;        // the SQL, or the prepared statement's name
  bool prepared = false;  // `sql` names a prepared statement
  std::vector<std::optional<std::string>> params;  // $1 first; nullopt: NULL
};

}  // namespace cutover::pg

#endif  // CUTOVER_PG_STATEMENT_H_
