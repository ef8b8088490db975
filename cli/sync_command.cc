// `cutover sync`: installs, shows and removes the triggers that keep the new
// schema in step with writers that cannot dual-write (docs/sync.md). The work
// happens in pg/include/cutover/sync_trigger.h; this file maps flags, output
// and exit codes.
#include <cstdlib>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_app.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/sync_trigger.h"
#include "exit_codes.h"

namespace cutover::cli {
namespace {

struct SyncArgs {
  std::string name;
  std::string db;
  std::string table;
  std::string key;
  std::vector<std::string> set;
  std::string into;
  std::string columns;
  std::string from;
  std::vector<std::string> reverse;
  std::string flag;
  std::string record_schema = "public";
  bool dry_run = false;
  bool replace = false;
  std::int64_t lock_timeout_ms = 2000;
  std::int64_t retries = 8;
};

nlohmann::json ObjectsJson(const std::vector<pg::SyncObject>& objects,
                           bool with_presence) {
  nlohmann::json out = nlohmann::json::array();
  for (const pg::SyncObject& o : objects) {
    nlohmann::json j = {
        {"kind", o.kind}, {"schema", o.schema}, {"name", o.name}};
    if (o.kind == "trigger") j["table"] = o.table;
    if (with_presence) j["present"] = o.present;
    out.push_back(j);
  }
  return out;
}

std::string ObjectText(const pg::SyncObject& o) {
  return o.kind == "trigger"
             ? StrCat("trigger ", o.name, " on ", o.schema, ".", o.table)
             : StrCat("function ", o.schema, ".", o.name, "()");
}

// Options shared by install and uninstall; nullopt after reporting bad input.
std::optional<pg::SyncOptions> Options(const SyncArgs& a, CommandRun& run) {
  if (a.lock_timeout_ms < 1) {
    run.Fail("--lock-timeout-ms must be at least 1", kExitInvalid);
    return std::nullopt;
  }
  if (a.retries < 0 || a.retries > 1000) {
    run.Fail("--retries must be between 0 and 1000", kExitInvalid);
    return std::nullopt;
  }
  pg::SyncOptions options;
  options.actor = run.options().actor;
  options.dry_run = a.dry_run;
  options.replace = a.replace;
  options.record_schema = a.record_schema;
  options.lock_timeout = std::chrono::milliseconds(a.lock_timeout_ms);
  options.retry.max_retries = static_cast<int>(a.retries);
  return options;
}

std::unique_ptr<pqxx::connection> Connect(const SyncArgs& a, CommandRun& run) {
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn =
      pg::ConnectPostgres(a.db);
  if (!conn.ok()) {
    run.Fail(conn.status());
    return nullptr;
  }
  return *std::move(conn);
}

void RunInstall(const SyncArgs& a, CommandRun& run) {
  std::optional<pg::SyncOptions> options = Options(a, run);
  if (!options.has_value()) return;
  pg::SyncDefinition d;
  d.name = a.name;
  d.flag = a.flag;
  d.table = a.table;
  d.into = a.into;
  d.from = a.from;
  absl::StatusOr<std::vector<std::string>> key =
      pg::ParseSyncNameList(a.key, "--key");
  if (!key.ok()) return run.Fail(key.status());
  d.key = *key;
  if (!a.columns.empty()) {
    absl::StatusOr<std::vector<std::string>> columns =
        pg::ParseSyncNameList(a.columns, "--columns");
    if (!columns.ok()) return run.Fail(columns.status());
    d.columns = *columns;
  }
  for (const std::string& s : a.set) {
    absl::StatusOr<pg::SyncAssignment> parsed =
        pg::ParseSyncAssignment(s, "--set");
    if (!parsed.ok()) return run.Fail(parsed.status());
    d.set.push_back(*parsed);
  }
  for (const std::string& s : a.reverse) {
    absl::StatusOr<pg::SyncAssignment> parsed =
        pg::ParseSyncAssignment(s, "--reverse");
    if (!parsed.ok()) return run.Fail(parsed.status());
    d.reverse.push_back(*parsed);
  }
  if (absl::Status s = pg::ValidateSyncDefinition(d); !s.ok()) {
    return run.Fail(s);
  }
  std::unique_ptr<pqxx::connection> conn = Connect(a, run);
  if (conn == nullptr) return;
  absl::StatusOr<pg::SyncInstallResult> r = pg::InstallSync(*conn, d, *options);
  if (!r.ok()) return run.Fail(r.status());
  const nlohmann::json json = {
      {"sync", a.name},        {"action", r->action},
      {"kind", r->kind},       {"table", r->table},
      {"flag", a.flag},        {"objects", ObjectsJson(r->objects, false)},
      {"retries", r->retries}, {"sql", r->sql},
  };
  std::string text;
  if (r->action == "dry_run") {
    text = StrCat("-- cutover sync '", a.name,
                  "' (dry run: nothing was changed)\n", r->sql);
  } else {
    text = StrCat("sync '", a.name, "' ", r->action, " on ", r->table);
    for (const pg::SyncObject& o : r->objects) {
      text += StrCat("\n  ", ObjectText(o));
    }
    if (r->retries > 0) {
      text += StrCat("\n(", r->retries, " lock timeouts retried)");
    }
  }
  run.Finish(json, text);
}

void RunStatus(const SyncArgs& a, CommandRun& run) {
  std::unique_ptr<pqxx::connection> conn = Connect(a, run);
  if (conn == nullptr) return;
  absl::StatusOr<std::vector<pg::SyncRecord>> records = pg::ListSyncs(
      *conn, a.name.empty() ? std::nullopt : std::optional<std::string>(a.name),
      a.record_schema);
  if (!records.ok()) return run.Fail(records.status());
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  for (const pg::SyncRecord& r : *records) {
    list.push_back({
        {"name", r.name},
        {"flag", r.flag},
        {"kind", r.kind},
        {"table", r.table},
        {"definition", nlohmann::json::parse(r.definition, nullptr, false)},
        {"installed_by", r.installed_by},
        {"installed_at", r.installed_at},
        {"healthy", r.healthy()},
        {"objects", ObjectsJson(r.objects, true)},
    });
    text += StrCat(r.name, "  ", r.kind, " sync on ", r.table,
                   "  installed by ", r.installed_by, " at ", r.installed_at,
                   r.healthy() ? "" : "  INCOMPLETE: run install again", "\n");
    for (const pg::SyncObject& o : r.objects) {
      text += StrCat("  ", ObjectText(o), o.present ? "" : "  (missing)", "\n");
    }
  }
  if (records->empty()) text = "no syncs installed\n";
  run.Finish(nlohmann::json{{"syncs", list}}, text);
}

void RunUninstall(const SyncArgs& a, CommandRun& run) {
  std::optional<pg::SyncOptions> options = Options(a, run);
  if (!options.has_value()) return;
  std::unique_ptr<pqxx::connection> conn = Connect(a, run);
  if (conn == nullptr) return;
  absl::StatusOr<pg::SyncUninstallResult> r =
      pg::UninstallSync(*conn, a.name, *options);
  if (!r.ok()) return run.Fail(r.status());
  std::string text = StrCat("sync '", a.name, "' uninstalled");
  for (const pg::SyncObject& o : r->removed) {
    text += StrCat("\n  dropped ", ObjectText(o));
  }
  run.Finish({{"sync", a.name},
              {"removed", ObjectsJson(r->removed, false)},
              {"retries", r->retries}},
             text);
}

void AddDbOptions(CLI::App* cmd, SyncArgs& a) {
  cmd->add_option(
      "--db", a.db,
      "PostgreSQL connection string or URL (default $DATABASE_URL)");
  cmd->add_option("--record-schema", a.record_schema,
                  "Schema of the cutover_sync record table")
      ->capture_default_str();
}

void AddLockOptions(CLI::App* cmd, SyncArgs& a) {
  cmd->add_option("--lock-timeout-ms", a.lock_timeout_ms,
                  "SET LOCAL lock_timeout while creating or dropping "
                  "triggers; a timeout is retried with backoff")
      ->capture_default_str();
  cmd->add_option("--retries", a.retries,
                  "Retries after lock timeouts (exponential backoff, full "
                  "jitter)")
      ->capture_default_str();
}

}  // namespace

void RegisterSyncCommand(CLI::App& app, CommandRun& run) {
  auto a = std::make_shared<SyncArgs>();
  if (const char* url = std::getenv("DATABASE_URL"); url != nullptr) {
    a->db = url;
  }
  CLI::App* sync = app.add_subcommand(
      "sync",
      "Triggers that keep the new schema in step with writers that cannot "
      "dual-write (docs/sync.md)");
  sync->require_subcommand(1);

  CLI::App* install = sync->add_subcommand(
      "install",
      "Install (idempotently) a sync: --set for column to column, --into/"
      "--columns/--from for table to table");
  install->add_option("NAME", a->name, "Sync name")->required();
  AddDbOptions(install, *a);
  install->add_option("--table", a->table, "The old table: [schema.]table")
      ->required();
  install
      ->add_option("--key", a->key,
                   "The old table's key column(s), comma-separated")
      ->required();
  install
      ->add_option("--set", a->set,
                   "\"new_col = expr(old cols)\" (repeatable): column to "
                   "column")
      ->allow_extra_args(false);
  install->add_option("--into", a->into, "The new table (table to table)");
  install->add_option("--columns", a->columns,
                      "The new table's columns, comma-separated, key first");
  install->add_option("--from", a->from,
                      "SELECT over the old table yielding --columns by "
                      "position, key first");
  install
      ->add_option("--reverse", a->reverse,
                   "\"old_col = expr(new side)\" (repeatable): also sync "
                   "writes of the new side back (live, rampdown)")
      ->allow_extra_args(false);
  install->add_option("--flag", a->flag,
                      "The flag this sync serves (part of the generated "
                      "names)");
  install->add_flag("--dry-run", a->dry_run, "Print the SQL; change nothing");
  install->add_flag("--replace", a->replace,
                    "Replace a sync of the same name with another definition");
  AddLockOptions(install, *a);
  install->callback([&run, a] { RunInstall(*a, run); });

  CLI::App* status =
      sync->add_subcommand("status", "Show installed syncs and their objects");
  status->add_option("NAME", a->name, "Only this sync");
  AddDbOptions(status, *a);
  status->callback([&run, a] { RunStatus(*a, run); });

  CLI::App* uninstall = sync->add_subcommand(
      "uninstall",
      "Drop every trigger and function a sync made, and its record");
  uninstall->add_option("NAME", a->name, "Sync name")->required();
  AddDbOptions(uninstall, *a);
  AddLockOptions(uninstall, *a);
  uninstall->callback([&run, a] { RunUninstall(*a, run); });
}

}  // namespace cutover::cli
