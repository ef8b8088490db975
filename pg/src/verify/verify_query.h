// One side of a verification: the operator's SELECT, described by the server
// and wrapped so cutover can chunk, hash and fetch it without knowing (or
// trusting) its column names.
//
// The query runs as a subquery with positional column aliases:
//   (<query>
//   ) AS q("id", "name", ...)
// so both sides are compared by position whatever their own column names,
// a trailing `-- comment` cannot swallow the closing parenthesis, and every
// name cutover writes into SQL is one it quoted itself.
//
// Thread-safety: a value type. Describe() uses the connection from the calling
// thread only.
#ifndef CUTOVER_VERIFY_QUERY_H_
#define CUTOVER_VERIFY_QUERY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

struct VerifyColumn {
  std::string name;  // as the query names it
  std::uint32_t type_oid = 0;
  std::string type_sql;  // format_type(oid, NULL): "bigint", "text", ...
};

class VerifyQuery {
 public:
  // Learns the columns of `sql` and their types by running it wrapped, with
  // LIMIT 0. Must be called inside the READ ONLY snapshot transaction
  // (shared_snapshot.h); every statement goes through the extended protocol,
  // which takes one statement at a time. `side` ("old" or "new") names the
  // option in error messages. InvalidArgument when the query is empty, holds
  // more than one statement (nothing runs) or PostgreSQL rejects it (with the
  // server's message); Internal when the session is not read-only (a caller
  // bug: nothing of `sql` is sent); Unavailable when the connection is lost.
  static absl::StatusOr<VerifyQuery> Describe(pqxx::connection_base& conn,
                                              std::string_view sql,
                                              std::string_view side);

  const std::vector<VerifyColumn>& columns() const { return columns_; }
  const std::string& side() const { return side_; }

  // "(\n<query>\n) AS q(<aliases>)"; `quoted_aliases` are quoted identifiers,
  // one per column.
  std::string From(const std::vector<std::string>& quoted_aliases) const;

 private:
  std::string side_;
  std::string sql_;  // trailing blanks and semicolons removed
  std::vector<VerifyColumn> columns_;
};

// The query without trailing whitespace and semicolons: "SELECT 1;\n" becomes
// "SELECT 1".
std::string TrimQuery(std::string_view sql);

// Column aliases shared by both sides: the new side's names, with repeats made
// unique ("id", "id_2"), each quoted. Positional comparison needs one name per
// position; the new side's are the ones a reader of the diff expects.
std::vector<std::string> PositionalAliases(
    const std::vector<VerifyColumn>& columns);

// The unquoted form of PositionalAliases, for messages and diffs.
std::vector<std::string> PositionalNames(
    const std::vector<VerifyColumn>& columns);

}  // namespace cutover::pg

#endif  // CUTOVER_VERIFY_QUERY_H_
