#include "sync/sync_record.h"

#include <pqxx/pqxx>

#include "cutover/internal/strings.h"
#include "cutover/sql_identifier.h"
#include "nlohmann/json.hpp"

namespace cutover::pg {
namespace {

nlohmann::json ObjectsToJson(const std::vector<SyncObject>& objects) {
  nlohmann::json out = nlohmann::json::array();
  for (const SyncObject& o : objects) {
    out.push_back({{"kind", o.kind},
                   {"schema", o.schema},
                   {"name", o.name},
                   {"table", o.table}});
  }
  return out;
}

std::vector<SyncObject> ObjectsFromJson(const std::string& text) {
  std::vector<SyncObject> out;
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_array()) return out;
  for (const nlohmann::json& o : json) {
    if (!o.is_object()) continue;
    SyncObject object;
    object.kind = o.value("kind", "");
    object.schema = o.value("schema", "");
    object.name = o.value("name", "");
    object.table = o.value("table", "");
    out.push_back(object);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> SyncRecordTableSql(std::string_view schema) {
  if (schema.empty()) {
    return absl::InvalidArgumentError(
        "the record schema is empty: name the schema that holds cutover_sync");
  }
  return QuoteQualifiedName(schema, "cutover_sync");
}

bool SyncRecordTableExists(pqxx::transaction_base& tx,
                           std::string_view schema) {
  return tx
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON "
          "n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = "
          "'cutover_sync')",
          std::string(schema))[0]
      .as<bool>();
}

void EnsureSyncRecordTable(pqxx::transaction_base& tx,
                           const std::string& table_sql) {
  tx.exec(StrCat("CREATE TABLE IF NOT EXISTS ", table_sql,
                 " (name text PRIMARY KEY, flag text NOT NULL DEFAULT '', "
                 "kind text NOT NULL, table_name text NOT NULL, "
                 "definition jsonb NOT NULL, objects jsonb NOT NULL, "
                 "install_sql text NOT NULL, installed_by text NOT NULL, "
                 "installed_at timestamptz NOT NULL DEFAULT now())"));
}

std::vector<SyncRecord> ReadSyncRecords(pqxx::transaction_base& tx,
                                        const std::string& table_sql,
                                        const std::optional<std::string>& name,
                                        bool lock) {
  const std::string select = StrCat(
      "SELECT name, flag, kind, table_name, definition::text, objects::text, "
      "install_sql, installed_by, "
      "to_char(installed_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM ",
      table_sql);
  const pqxx::result rows =
      name.has_value() ? tx.exec_params(StrCat(select, " WHERE name = $1",
                                               lock ? " FOR UPDATE" : ""),
                                        *name)
                       : tx.exec(StrCat(select, " ORDER BY name",
                                        lock ? " FOR UPDATE" : ""));
  std::vector<SyncRecord> out;
  for (const pqxx::row& row : rows) {
    SyncRecord r;
    r.name = row[0].c_str();
    r.flag = row[1].c_str();
    r.kind = row[2].c_str();
    r.table = row[3].c_str();
    r.definition = row[4].c_str();
    r.objects = ObjectsFromJson(row[5].c_str());
    r.sql = row[6].c_str();
    r.installed_by = row[7].c_str();
    r.installed_at = row[8].c_str();
    out.push_back(std::move(r));
  }
  return out;
}

void WriteSyncRecord(pqxx::transaction_base& tx, const std::string& table_sql,
                     const SyncRecord& r) {
  tx.exec_params(
      StrCat("INSERT INTO ", table_sql,
             " (name, flag, kind, table_name, definition, objects, "
             "install_sql, installed_by, installed_at) VALUES ($1, $2, $3, "
             "$4, $5::jsonb, $6::jsonb, $7, $8, now()) ON CONFLICT (name) DO "
             "UPDATE SET flag = EXCLUDED.flag, kind = EXCLUDED.kind, "
             "table_name = EXCLUDED.table_name, definition = "
             "EXCLUDED.definition, objects = EXCLUDED.objects, install_sql = "
             "EXCLUDED.install_sql, installed_by = EXCLUDED.installed_by, "
             "installed_at = EXCLUDED.installed_at"),
      r.name, r.flag, r.kind, r.table, r.definition,
      ObjectsToJson(r.objects).dump(), r.sql, r.installed_by);
}

void DeleteSyncRecord(pqxx::transaction_base& tx, const std::string& table_sql,
                      const std::string& name) {
  tx.exec_params(StrCat("DELETE FROM ", table_sql, " WHERE name = $1"), name);
}

void CheckSyncObjects(pqxx::transaction_base& tx,
                      std::vector<SyncObject>& objects) {
  for (SyncObject& o : objects) {
    if (o.kind == "function") {
      o.present = tx.exec_params1(
                        "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN "
                        "pg_namespace n ON n.oid = p.pronamespace WHERE "
                        "n.nspname = $1 AND p.proname = $2)",
                        o.schema, o.name)[0]
                      .as<bool>();
    } else {
      o.present = tx.exec_params1(
                        "SELECT EXISTS (SELECT 1 FROM pg_trigger t JOIN "
                        "pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n "
                        "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND "
                        "c.relname = $2 AND t.tgname = $3)",
                        o.schema, o.table, o.name)[0]
                      .as<bool>();
    }
  }
}

}  // namespace cutover::pg
