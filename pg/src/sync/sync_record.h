// The record of installed syncs: the table `cutover_sync` (in
// SyncOptions::record_schema, created by the first install), one row per
// sync with its normalized definition, the SQL that was run, the objects it
// made, who installed it and when. Install compares definitions against it;
// status and uninstall read the objects from it.
//
//   name text PRIMARY KEY, flag text, kind text, table_name text,
//   definition jsonb, objects jsonb, install_sql text,
//   installed_by text, installed_at timestamptz
//
// Every value travels as a query parameter.
//
// Thread-safety: functions only; each runs on the caller's transaction and
// throws what libpqxx throws (the caller maps it to a Status).
#ifndef CUTOVER_PG_SRC_SYNC_SYNC_RECORD_H_
#define CUTOVER_PG_SRC_SYNC_SYNC_RECORD_H_

#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/sync_trigger.h"

namespace cutover::pg {

// "schema"."cutover_sync". InvalidArgument for an empty or NUL-bearing schema.
absl::StatusOr<std::string> SyncRecordTableSql(std::string_view schema);

// Whether the record table exists (without creating it).
bool SyncRecordTableExists(pqxx::transaction_base& tx, std::string_view schema);

// CREATE TABLE IF NOT EXISTS. Callers serialize concurrent first installs
// with an advisory lock (CREATE TABLE IF NOT EXISTS alone can race).
void EnsureSyncRecordTable(pqxx::transaction_base& tx,
                           const std::string& table_sql);

// The records (all, or the one named; FOR UPDATE when `lock`), objects'
// `present` left true (see CheckSyncObjects). Ordered by name.
std::vector<SyncRecord> ReadSyncRecords(pqxx::transaction_base& tx,
                                        const std::string& table_sql,
                                        const std::optional<std::string>& name,
                                        bool lock);

// Inserts or overwrites the record named record.name; installed_at is now().
void WriteSyncRecord(pqxx::transaction_base& tx, const std::string& table_sql,
                     const SyncRecord& record);

void DeleteSyncRecord(pqxx::transaction_base& tx, const std::string& table_sql,
                      const std::string& name);

// Sets `present` of each object from pg_proc / pg_trigger.
void CheckSyncObjects(pqxx::transaction_base& tx,
                      std::vector<SyncObject>& objects);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_SRC_SYNC_SYNC_RECORD_H_
