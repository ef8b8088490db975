// Sync triggers: PL/pgSQL triggers that keep the new schema in step with
// writers that cannot dual-write (another service, a batch job, psql), as
// docs/sync.md describes.
//
//   column to column  one table; a BEFORE INSERT OR UPDATE OF <old columns>
//                     trigger computes the new columns of the row being
//                     written (`--set "first_name = split_part(name, ' ',
//                     1)"`).
//   table to table    an AFTER INSERT OR UPDATE OF ... OR DELETE trigger on the
//                     old table makes the new table's rows of the written key
//                     exactly what a SELECT over the old table (`--from`)
//                     yields for that key: stale rows deleted, missing ones
//                     inserted.
//   reverse           (`--reverse "old_col = expr"`) for `live` and
//                     `rampdown`, when the new schema is authoritative: writes
//                     to the new side recompute the old one.
//
// Two transaction-local settings govern when a trigger stays out of the way:
//   cutover.dual_write = 'on'   PgMigration's dual-write transaction wrote both
//                               sides itself; every sync trigger skips it.
//   cutover.sync = <sync name>  set by a table-to-table sync trigger around its
//                               own writes, so the opposite trigger of the same
//                               sync does not fire back (loop protection).
//
// Everything generated is named after the sync (and its flag), quoted, and
// recorded in the `cutover_sync` table with the definition, the SQL, who
// installed it and when. Installing takes the short SHARE ROW EXCLUSIVE lock
// of CREATE TRIGGER, under `SET LOCAL lock_timeout`, retried with the shared
// RetryPolicy (capped exponential backoff, full jitter).
//
// Thread-safety: functions only; each uses its connection from the calling
// thread (libpqxx connections are not thread-safe).
#ifndef CUTOVER_SYNC_TRIGGER_H_
#define CUTOVER_SYNC_TRIGGER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/pg_dual_write.h"  // kDualWriteSetting, kMarkDualWriteSql
#include "cutover/retry_policy.h"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

// The setting PgMigration's dual-write transaction sets, and the statement
// that sets it (kDualWriteSetting, kMarkDualWriteSql), are defined in
// pg_dual_write.h: PgDualWrite runs it right after BEGIN.
// The setting a table-to-table sync trigger holds while it writes.
inline constexpr std::string_view kSyncWritingSetting = "cutover.sync";

// One `--set` or `--reverse` item: `column = expression`.
struct SyncAssignment {
  std::string column;      // as written (PostgreSQL's rules, then literal)
  std::string expression;  // SQL over the source side's columns
};

struct SyncDefinition {
  std::string name;   // any non-empty text without NUL, see ValidateSyncName
  std::string flag;   // optional: the flag the sync serves, part of the names
  std::string table;  // the old table, [schema.]table
  std::vector<std::string> key;  // its key columns (unique together)
  // Column to column: the new columns computed from the old ones.
  std::vector<SyncAssignment> set;
  // Table to table: the new table, the columns written (their first
  // key.size() columns hold the old table's key) and a SELECT over the old
  // table yielding those columns by position, key first.
  std::string into;
  std::vector<std::string> columns;
  std::string from;
  // Optional reverse direction: old columns recomputed from the new side.
  // Column to column: expressions over the row's columns. Table to table:
  // expressions evaluated against the old table's row (subqueries read the
  // new table), e.g. "joined_pair_id = (SELECT min(pair_id) FROM user_pair
  // WHERE user_id = users.id)".
  std::vector<SyncAssignment> reverse;
};

struct SyncOptions {
  std::string actor = "unknown";  // recorded as installed_by
  bool dry_run = false;           // build and print the SQL; change nothing
  bool replace = false;           // replace a sync of the same name and another
                                  // definition
  // Schema of the record table `cutover_sync`.
  std::string record_schema = "public";
  // SET LOCAL lock_timeout of the transaction that creates the triggers; a
  // timeout rolls back and retries under `retry`.
  std::chrono::milliseconds lock_timeout{2000};
  RetryOptions retry = [] {
    RetryOptions r;
    r.initial_delay = std::chrono::milliseconds(50);
    r.max_delay = std::chrono::milliseconds(2000);
    r.max_retries = 8;
    return r;
  }();
};

// A function or trigger a sync made.
struct SyncObject {
  std::string kind;     // "function" or "trigger"
  std::string schema;   // function: its schema; trigger: its table's schema
  std::string name;     // as stored in the catalog
  std::string table;    // trigger: its table; function: ""
  bool present = true;  // still in the catalog (status only)
};

struct SyncInstallResult {
  // "created", "unchanged" (same definition, everything present), "replaced"
  // (--replace), "repaired" (same definition, objects were missing), or
  // "dry_run".
  std::string action;
  std::string kind;   // "columns" or "table"
  std::string table;  // the old table, quoted and qualified
  std::string sql;    // the statements run (or that would run)
  std::vector<SyncObject> objects;
  int retries = 0;  // lock timeouts retried
};

struct SyncRecord {
  std::string name;
  std::string flag;
  std::string kind;
  std::string table;
  std::string definition;  // JSON text of the normalized definition
  std::string installed_by;
  std::string installed_at;  // ISO 8601, UTC
  std::string sql;
  std::vector<SyncObject> objects;
  bool healthy() const;  // every object present
};

struct SyncUninstallResult {
  std::vector<SyncObject> removed;
  int retries = 0;
};

// InvalidArgument unless `name` is non-empty, has no NUL byte and leaves the
// generated names within PostgreSQL's 63-byte identifier limit.
absl::Status ValidateSyncName(std::string_view name, std::string_view flag);

// Splits `text` at commas outside double quotes and trims each item:
// `id, "a,b"` -> {id, "a,b"}. InvalidArgument for an empty item or an
// unterminated quote. `what` names the option in messages.
absl::StatusOr<std::vector<std::string>> ParseSyncNameList(
    std::string_view text, std::string_view what);

// Parses "column = expression": the column is everything before the first `=`
// outside double quotes, trimmed. InvalidArgument naming `what` when there is
// no `=`, or the column or the expression is empty.
absl::StatusOr<SyncAssignment> ParseSyncAssignment(std::string_view text,
                                                   std::string_view what);

// Checks the definition's shape without a database: a name, a table, a key,
// exactly one of `set` or `into`+`columns`+`from`, and at least as many
// columns as key columns. InvalidArgument naming the option.
absl::Status ValidateSyncDefinition(const SyncDefinition& definition);

// Installs (or, with dry_run, only builds) the sync. Idempotent: the same
// definition again changes nothing ("unchanged") or recreates missing objects
// ("repaired"). Errors: InvalidArgument for a bad definition, an unknown
// table or column or an expression PostgreSQL rejects (message names the
// option); FailedPrecondition when a sync of that name exists with another
// definition (use --replace) or an object of a generated name exists that no
// sync recorded; DeadlineExceeded when the table's lock could not be had
// within lock_timeout after every retry; Unavailable when PostgreSQL is gone.
// Nothing is changed unless the result is OK and not a dry run.
absl::StatusOr<SyncInstallResult> InstallSync(pqxx::connection_base& conn,
                                              const SyncDefinition& definition,
                                              const SyncOptions& options);

// Drops every trigger and function the sync recorded, and its record, in one
// transaction (DROP TRIGGER takes the table's ACCESS EXCLUSIVE lock briefly,
// under lock_timeout and retried). NotFound when no such sync is recorded.
absl::StatusOr<SyncUninstallResult> UninstallSync(pqxx::connection_base& conn,
                                                  std::string_view name,
                                                  const SyncOptions& options);

// The recorded syncs (all, or the one named), with each object's presence
// checked in the catalog. An absent record table means no syncs. NotFound
// when `name` is given and not recorded.
absl::StatusOr<std::vector<SyncRecord>> ListSyncs(
    pqxx::connection_base& conn, std::optional<std::string> name,
    std::string_view record_schema = "public");

}  // namespace cutover::pg

#endif  // CUTOVER_SYNC_TRIGGER_H_
