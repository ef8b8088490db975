// The table and key column a backfill walks, resolved against the catalog, and
// the keyset queries that cut the key range into batches.
//
// Names follow PostgreSQL's rules first (`--table Users` means users,
// `--table app.users` is schema app, `--table '"Odd.Name"'` is one quoted
// name); a name that does not resolve that way is tried as one exact,
// case-sensitive identifier. Both lookups pass the name as a parameter, and
// every statement built afterwards quotes the catalog's names, so no name can
// inject SQL.
//
// Thread-safety: functions only; the connection is used by the calling thread.
#ifndef CUTOVER_BACKFILL_TARGET_H_
#define CUTOVER_BACKFILL_TARGET_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

struct BackfillTarget {
  std::string table_sql;   // quoted and schema-qualified: "public"."users"
  std::string key_column;  // the key column's name as stored in the catalog
  std::string key_sql;     // the same, quoted: "id"
  std::string key_type;    // format_type(): bigint, text, uuid, ...
  char type_category = 0;  // pg_type.typcategory: N numeric, S string, ...
  // pg_class.reltuples: the planner's estimate of the row count, for the
  // progress ETA; negative when the table was never analyzed.
  double estimated_rows = -1;
};

// Finds the table and key column. Errors (all InvalidArgument unless noted):
// the table does not exist or the name is malformed; the column does not
// exist; FailedPrecondition when no index starts with the key column (each
// batch would scan the whole table) or when the key column holds NULLs (those
// rows could never be visited). Connection loss: Unavailable.
absl::StatusOr<BackfillTarget> ResolveBackfillTarget(
    pqxx::connection_base& conn, std::string_view table, std::string_view key);

// A value below every key in the table, used as the exclusive lower bound of
// the first batch: smallest key - 1 for numbers, -infinity for dates and
// timestamps, '' for strings, the nil UUID for uuids. nullopt when the table
// is empty. InvalidArgument, asking for --start-after, when no such value can
// be derived (other types, or the smallest key is already the type's minimum).
absl::StatusOr<std::optional<std::string>> DeriveStartBound(
    pqxx::connection_base& conn, const BackfillTarget& target);

// SELECT returning the next batch's upper key as text: the ($2 + 1)-th key
// above $1, found by walking the key's index from $1 (keyset pagination: the
// cost grows with the batch, never with the position in the table). No row
// when fewer keys are left; then TailBoundSql answers.
std::string NextBatchBoundSql(const BackfillTarget& target);

// SELECT returning one row (upper text, keys bigint): the last key above $1 and
// how many keys lie above $1; upper is NULL when none does.
std::string TailBoundSql(const BackfillTarget& target);

}  // namespace cutover::pg

#endif  // CUTOVER_BACKFILL_TARGET_H_
