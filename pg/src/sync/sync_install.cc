// Installing, replacing and removing syncs: one short transaction each, with
// SET LOCAL lock_timeout so a blocked CREATE/DROP TRIGGER never queues the
// application's writes behind it for longer than the timeout, retried with
// the shared RetryPolicy (capped exponential backoff, full jitter).
#include <algorithm>
#include <chrono>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/sync_trigger.h"
#include "sync/sync_plan.h"
#include "sync/sync_record.h"
#include "sync/sync_sql.h"

namespace cutover::pg {
namespace {

// Serializes installs and uninstalls (and the first CREATE TABLE IF NOT
// EXISTS of the record table, which can race on its own). Arbitrary, fixed:
// "cutsync" in ASCII.
constexpr const char* kAdvisoryLockSql =
    "SELECT pg_advisory_xact_lock(28555769421605219)";

bool IsLockFailure(const std::exception& e) {
  const std::string state = SqlStateOf(e);
  return state == kSqlStateLockNotAvailable || state == kSqlStateDeadlock;
}

void BeginLocked(pqxx::work& tx, const SyncOptions& options) {
  tx.exec(StrCat("SET LOCAL lock_timeout = '",
                 static_cast<long long>(options.lock_timeout.count()), "ms'"));
  tx.exec(kAdvisoryLockSql);
}

bool SameObject(const SyncObject& a, const SyncObject& b) {
  return a.kind == b.kind && a.schema == b.schema && a.name == b.name &&
         a.table == b.table;
}

absl::Status CheckOptions(const SyncOptions& options) {
  if (options.lock_timeout.count() < 1) {
    return absl::InvalidArgumentError(
        "--lock-timeout-ms must be at least 1: without a lock timeout a "
        "blocked CREATE TRIGGER would queue every writer of the table");
  }
  return ValidateRetryOptions(options.retry, "sync retry options");
}

// Runs `attempt` (one transaction) until it succeeds, fails for a reason other
// than a lost lock race, or the retries run out.
template <typename Result, typename Attempt>
absl::StatusOr<Result> WithLockRetries(const SyncOptions& options,
                                       std::string_view what, int& retries,
                                       Attempt attempt) {
  RetryPolicy policy(options.retry);
  while (true) {
    bool lock_failure = false;
    std::string lock_message;
    try {
      return attempt();
    } catch (const std::exception& e) {
      if (!IsLockFailure(e)) return StatusFromException(e, what);
      lock_failure = true;
      lock_message = e.what();
    }
    if (lock_failure && policy.CanRetry()) {
      ++retries;
      std::this_thread::sleep_for(policy.NextDelay());
      continue;
    }
    while (!lock_message.empty() && lock_message.back() == '\n') {
      lock_message.pop_back();
    }
    return absl::DeadlineExceededError(
        StrCat(what, ": could not take the table lock within ",
               static_cast<long long>(options.lock_timeout.count()),
               " ms after ", retries, " retries (", lock_message,
               "). Long transactions hold it; try again later or raise "
               "--lock-timeout-ms"));
  }
}

}  // namespace

bool SyncRecord::healthy() const {
  return std::all_of(objects.begin(), objects.end(),
                     [](const SyncObject& o) { return o.present; });
}

absl::StatusOr<SyncInstallResult> InstallSync(pqxx::connection_base& conn,
                                              const SyncDefinition& definition,
                                              const SyncOptions& options) {
  if (absl::Status s = ValidateSyncDefinition(definition); !s.ok()) return s;
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  absl::StatusOr<std::string> record_table =
      SyncRecordTableSql(options.record_schema);
  if (!record_table.ok()) return record_table.status();
  absl::StatusOr<SyncPlan> plan = ResolveSyncPlan(conn, definition);
  if (!plan.ok()) return plan.status();

  // CREATE OR REPLACE TRIGGER (PostgreSQL 14+) swaps a trigger under the same
  // SHARE ROW EXCLUSIVE lock CREATE TRIGGER takes; older servers need DROP
  // TRIGGER, which takes ACCESS EXCLUSIVE.
  const bool or_replace = conn.server_version() >= 140000;
  const SyncSql fresh = BuildSyncSql(*plan, false);
  SyncInstallResult result;
  result.kind = plan->table_to_table ? "table" : "columns";
  result.table = plan->table.sql;
  result.objects = fresh.objects;
  if (options.dry_run) {
    result.action = "dry_run";
    result.sql = fresh.Text();
    return result;
  }

  const std::string what = StrCat("installing sync '", plan->name, "'");
  int retries = 0;
  absl::StatusOr<SyncInstallResult> installed =
      WithLockRetries<SyncInstallResult>(
          options, what, retries, [&]() -> absl::StatusOr<SyncInstallResult> {
            SyncInstallResult r = result;
            pqxx::work tx(conn, "cutover_sync_install");
            BeginLocked(tx, options);
            EnsureSyncRecordTable(tx, *record_table);
            std::vector<SyncRecord> existing =
                ReadSyncRecords(tx, *record_table, plan->name, true);
            std::vector<std::string> drops;
            SyncSql sql = fresh;
            if (!existing.empty()) {
              SyncRecord& old = existing.front();
              const bool same =
                  tx.exec_params1("SELECT $1::jsonb = $2::jsonb",
                                  old.definition, plan->definition_json)[0]
                      .as<bool>();
              if (!same && !options.replace) {
                return absl::FailedPreconditionError(StrCat(
                    "sync '", plan->name,
                    "' is already installed with another definition (by ",
                    old.installed_by, " at ", old.installed_at,
                    "): refusing to change it. Pass --replace to replace it, "
                    "or choose another name; `cutover sync status ",
                    plan->name, " --json` shows the installed definition"));
              }
              CheckSyncObjects(tx, old.objects);
              if (same && old.healthy()) {
                r.action = "unchanged";
                tx.commit();
                return r;
              }
              r.action = same ? "repaired" : "replaced";
              sql = BuildSyncSql(*plan, or_replace);
              // Objects of the old definition that the new one does not make
              // (another table, the reverse trigger gone), triggers first.
              for (const char* kind : {"trigger", "function"}) {
                for (const SyncObject& o : old.objects) {
                  const bool kept = std::any_of(
                      sql.objects.begin(), sql.objects.end(),
                      [&](const SyncObject& n) { return SameObject(o, n); });
                  if (o.kind != kind) continue;
                  if (!kept || (!or_replace && o.kind == "trigger")) {
                    absl::StatusOr<std::string> drop = DropSyncObjectSql(o);
                    if (!drop.ok()) return drop.status();
                    drops.push_back(*drop);
                  }
                }
              }
              if (!or_replace) {
                for (const SyncObject& o : sql.objects) {
                  if (o.kind != "trigger") continue;
                  absl::StatusOr<std::string> drop = DropSyncObjectSql(o);
                  if (!drop.ok()) return drop.status();
                  drops.push_back(*drop);
                }
              }
            } else {
              std::vector<SyncObject> clash = fresh.objects;
              CheckSyncObjects(tx, clash);
              for (const SyncObject& o : clash) {
                if (!o.present) continue;
                return absl::FailedPreconditionError(StrCat(
                    "a ", o.kind, " named '", o.name,
                    "' already exists in "
                    "schema '",
                    o.schema, "' but no sync of that name is recorded in ",
                    *record_table,
                    ": cutover did not make it (or its record was deleted). "
                    "Drop it yourself, or choose another sync name"));
              }
              r.action = "created";
            }
            std::string text;
            for (const std::string& s : drops) {
              tx.exec(s);
              text += s + ";\n";
            }
            for (const std::string& s : sql.functions) tx.exec(s);
            for (const std::string& s : sql.triggers) tx.exec(s);
            text += sql.Text();
            r.sql = text;
            SyncRecord record;
            record.name = plan->name;
            record.flag = plan->flag;
            record.kind = r.kind;
            record.table = plan->table.sql;
            record.definition = plan->definition_json;
            record.installed_by = options.actor;
            record.sql = text;
            record.objects = sql.objects;
            WriteSyncRecord(tx, *record_table, record);
            tx.commit();
            return r;
          });
  if (installed.ok()) installed->retries = retries;
  return installed;
}

absl::StatusOr<SyncUninstallResult> UninstallSync(pqxx::connection_base& conn,
                                                  std::string_view name,
                                                  const SyncOptions& options) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "name the sync to uninstall: cutover sync uninstall NAME");
  }
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  absl::StatusOr<std::string> record_table =
      SyncRecordTableSql(options.record_schema);
  if (!record_table.ok()) return record_table.status();
  const std::string what = StrCat("uninstalling sync '", name, "'");
  int retries = 0;
  absl::StatusOr<SyncUninstallResult> removed =
      WithLockRetries<SyncUninstallResult>(
          options, what, retries, [&]() -> absl::StatusOr<SyncUninstallResult> {
            pqxx::work tx(conn, "cutover_sync_uninstall");
            BeginLocked(tx, options);
            std::vector<SyncRecord> records;
            if (SyncRecordTableExists(tx, options.record_schema)) {
              records =
                  ReadSyncRecords(tx, *record_table, std::string(name), true);
            }
            if (records.empty()) {
              return absl::NotFoundError(StrCat(
                  "no sync named '", name, "' is recorded in ", *record_table,
                  "; `cutover sync status` lists the installed syncs"));
            }
            SyncUninstallResult out;
            for (const char* kind : {"trigger", "function"}) {
              for (const SyncObject& o : records.front().objects) {
                if (o.kind != kind) continue;
                absl::StatusOr<std::string> drop = DropSyncObjectSql(o);
                if (!drop.ok()) return drop.status();
                tx.exec(*drop);
                out.removed.push_back(o);
              }
            }
            DeleteSyncRecord(tx, *record_table, std::string(name));
            tx.commit();
            return out;
          });
  if (removed.ok()) removed->retries = retries;
  return removed;
}

absl::StatusOr<std::vector<SyncRecord>> ListSyncs(
    pqxx::connection_base& conn, std::optional<std::string> name,
    std::string_view record_schema) {
  absl::StatusOr<std::string> record_table = SyncRecordTableSql(record_schema);
  if (!record_table.ok()) return record_table.status();
  try {
    pqxx::read_transaction tx(conn, "cutover_sync_status");
    std::vector<SyncRecord> records;
    if (SyncRecordTableExists(tx, record_schema)) {
      records = ReadSyncRecords(tx, *record_table, name, false);
    }
    if (name.has_value() && records.empty()) {
      return absl::NotFoundError(
          StrCat("no sync named '", *name, "' is recorded in ", *record_table,
                 "; `cutover sync status` lists the installed syncs"));
    }
    for (SyncRecord& r : records) CheckSyncObjects(tx, r.objects);
    return records;
  } catch (const std::exception& e) {
    return StatusFromException(e, "reading the sync records");
  }
}

}  // namespace cutover::pg
