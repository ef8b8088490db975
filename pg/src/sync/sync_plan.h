// A sync definition resolved against the catalog: the tables and columns as
// PostgreSQL stores them, their types, and which old columns each direction
// reads (so the trigger fires only on UPDATE OF those). Every expression and
// the --from query are checked by PostgreSQL here, one statement each, before
// anything is installed.
//
// Thread-safety: functions only; the connection is used by the calling thread.
#ifndef CUTOVER_PG_SRC_SYNC_SYNC_PLAN_H_
#define CUTOVER_PG_SRC_SYNC_SYNC_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/sync_trigger.h"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

struct SyncColumn {
  std::string name;  // as stored in the catalog
  std::string sql;   // quoted
  std::string type;  // format_type(), usable in a declaration
};

struct SyncTable {
  std::string oid;
  std::string schema;  // as stored
  std::string name;    // as stored
  std::string sql;     // "schema"."name"
};

struct SyncPlan {
  std::string name;
  std::string flag;
  bool table_to_table = false;
  SyncTable table;              // the old table
  std::vector<SyncColumn> key;  // its key columns
  // Column to column.
  std::vector<SyncColumn> set_columns;  // new columns, in --set order
  std::vector<std::string> set_expressions;
  // Table to table.
  SyncTable into;
  std::vector<SyncColumn> columns;  // the new table's, in --columns order
  std::string from;                 // trailing semicolons removed
  // Reverse (either kind).
  std::vector<SyncColumn> reverse_columns;  // old columns written back
  std::vector<std::string> reverse_expressions;
  // Old columns the forward direction reads (key included for table to
  // table); empty means "could not tell": the trigger then fires on every
  // UPDATE.
  std::vector<SyncColumn> forward_watch;
  // Column to column with reverse: the new columns the reverse reads.
  std::vector<SyncColumn> reverse_watch;
  // Generated names (catalog form).
  std::string forward_name;
  std::string reverse_name;  // table to table with reverse only; else ""
  // The normalized definition, as recorded (JSON text, stable key order).
  std::string definition_json;
};

// Resolves and checks `definition` (already shape-checked by
// ValidateSyncDefinition). InvalidArgument naming the option for unknown
// tables or columns, array-typed --columns, a --from whose column count
// differs from --columns, and any expression PostgreSQL rejects (with its
// message). Unavailable when the connection is lost. Changes nothing: probes
// run in transactions that are rolled back.
absl::StatusOr<SyncPlan> ResolveSyncPlan(pqxx::connection_base& conn,
                                         const SyncDefinition& definition);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_SRC_SYNC_SYNC_PLAN_H_
