// The SQL of a sync: PL/pgSQL trigger functions and CREATE TRIGGER statements
// built from a resolved plan (sync_plan.h). Pure text generation, so dry runs
// and tests see exactly what install runs.
//
// Every identifier comes from the catalog and is quoted (QuoteIdentifier);
// the sync's name reaches the function bodies only as an escaped E'' literal
// (messages, the loop-protection setting); the user's expressions and --from
// query are the only SQL taken from the operator, each wrapped in parentheses
// on lines of their own and checked by PostgreSQL beforehand.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_PG_SRC_SYNC_SYNC_SQL_H_
#define CUTOVER_PG_SRC_SYNC_SYNC_SQL_H_

#include <string>
#include <string_view>
#include <vector>

#include "cutover/sync_trigger.h"
#include "sync/sync_plan.h"

namespace cutover::pg {

struct SyncSql {
  // CREATE OR REPLACE FUNCTION and COMMENT ON FUNCTION statements: no table
  // lock.
  std::vector<std::string> functions;
  // CREATE [OR REPLACE] TRIGGER statements and their comments: the table's
  // SHARE ROW EXCLUSIVE lock, briefly.
  std::vector<std::string> triggers;
  // What the statements create, triggers last.
  std::vector<SyncObject> objects;

  // All statements, each ending in ";\n", functions first.
  std::string Text() const;
};

// `s` as an escape-string literal, E'...', with quotes and backslashes
// doubled: the same text whatever standard_conforming_strings says.
std::string QuoteSqlLiteral(std::string_view s);

// Builds the statements. `or_replace_trigger` emits CREATE OR REPLACE TRIGGER
// (PostgreSQL 14 and later), which swaps a trigger without the ACCESS
// EXCLUSIVE lock a DROP TRIGGER takes.
SyncSql BuildSyncSql(const SyncPlan& plan, bool or_replace_trigger);

// DROP TRIGGER IF EXISTS / DROP FUNCTION IF EXISTS for one recorded object.
// InvalidArgument if a name is empty or has a NUL byte.
absl::StatusOr<std::string> DropSyncObjectSql(const SyncObject& object);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_SRC_SYNC_SYNC_SQL_H_
