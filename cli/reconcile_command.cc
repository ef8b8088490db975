// `cutover reconcile NAME --db URL --sql STATEMENT`: re-syncs the rows whose
// non-authoritative write failed. Each entry of the flag's
// reconcile stream (<prefix>reconcile:<flag>, reconcile_entry.h) is replayed
// through the operator's statement with the entity key as $1, in its own
// transaction; a repaired entry is acknowledged (XDEL), a failed one stays in
// the stream with its newest error and an attempt count. The statement must
// be idempotent (re-copy the row from the authoritative side), which makes
// the command safe to run twice.
#include <cstdlib>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_app.h"
#include "cutover/flag.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/reconcile_stream.h"
#include "cutover/redis_keys.h"
#include "exit_codes.h"
#include "store_access.h"

namespace cutover::cli {
namespace {

using nlohmann::json;

struct ReconcileArgs {
  std::string name;
  std::string db;
  std::string sql;
  std::string side;  // "", "old" or "new"
  std::int64_t limit = 0;
  std::int64_t statement_timeout_ms = 30000;
};

// What one run did, for the summary.
struct Tally {
  std::int64_t replayed = 0;  // entries whose key went through the statement
  std::int64_t repaired = 0;  // ... and were acknowledged
  std::int64_t failed = 0;    // ... and stay in the stream with their error
  std::int64_t skipped = 0;   // entries of the other side (--side)
  std::int64_t invalid = 0;   // entries that do not parse (left alone)
  json errors = json::array();
};

constexpr std::size_t kPage = 500;
constexpr std::size_t kMaxErrorsShown = 20;

// Replays one key in its own transaction.
absl::Status Replay(pqxx::connection& conn, const std::string& key,
                    std::int64_t statement_timeout_ms) {
  try {
    pqxx::work tx(conn, "cutover_reconcile");
    if (statement_timeout_ms > 0) {
      tx.exec(StrCat("SET LOCAL statement_timeout = ", statement_timeout_ms));
    }
    tx.exec_prepared("cutover_reconcile", key);
    tx.commit();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return pg::StatusFromException(e, "the --sql statement");
  }
}

// A failure that is the statement's or the connection's fault, not the
// row's: replaying the other entries cannot succeed either.
bool StopsTheRun(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kUnavailable;
}

json Summary(const ReconcileArgs& a, const Tally& t, std::int64_t remaining) {
  json j = {{"flag", a.name},         {"replayed", t.replayed},
            {"repaired", t.repaired}, {"failed", t.failed},
            {"remaining", remaining}, {"skipped", t.skipped},
            {"invalid", t.invalid},   {"errors", t.errors}};
  j["side"] = a.side.empty() ? json(nullptr) : json(a.side);
  return j;
}

std::string SummaryText(const ReconcileArgs& a, const Tally& t,
                        std::int64_t remaining, const std::string& stream) {
  std::string text =
      StrCat("reconcile ", a.name, ": ", t.replayed, " entries replayed, ",
             t.repaired, " repaired, ", t.failed, " failed; ", remaining,
             " remaining in ", stream);
  if (t.skipped > 0) {
    text += StrCat(" (", t.skipped, " entries of the ",
                   a.side == "old" ? "new" : "old", " side skipped)");
  }
  for (const json& e : t.errors) {
    text += StrCat("\n  key ", e["key"].get<std::string>(), ": ",
                   e["error"].get<std::string>());
  }
  return text;
}

void RunReconcile(const ReconcileArgs& a, CommandRun& run) {
  if (!IsValidFlagName(a.name)) {
    return run.Fail(StrCat("\"", a.name,
                           "\" is not a valid flag name: use 1-64 characters "
                           "of a-z, 0-9, '_', '.', '-'"),
                    kExitInvalid);
  }
  if (a.sql.find("$1") == std::string::npos) {
    return run.Fail(
        "--sql must use $1 for the entity key, e.g. --sql \"INSERT INTO "
        "user_pair (user_id, pair_id) SELECT id, joined_pair_id FROM users "
        "WHERE id = $1::bigint ON CONFLICT (user_id) DO UPDATE SET pair_id = "
        "EXCLUDED.pair_id\"",
        kExitInvalid);
  }
  if (a.sql.find("$2") != std::string::npos) {
    return run.Fail(
        "--sql may only use $1 (the entity key); the statement uses $2",
        kExitInvalid);
  }
  if (a.limit < 0)
    return run.Fail("--limit must not be negative", kExitInvalid);
  if (a.db.empty()) {
    return run.Fail(
        "no PostgreSQL connection string: pass --db URL or set DATABASE_URL",
        kExitInvalid);
  }
  std::optional<Side> only;
  if (a.side == "old") {
    only = Side::kOld;
  } else if (a.side == "new") {
    only = Side::kNew;
  } else if (!a.side.empty()) {
    return run.Fail(StrCat("--side must be \"old\" or \"new\" (the side whose "
                           "write failed), got \"",
                           a.side, "\""),
                    kExitInvalid);
  }

  absl::StatusOr<std::unique_ptr<RedisConnection>> redis =
      OpenRedis(run.options());
  if (!redis.ok()) return run.Fail(redis.status());
  const RedisKeys keys(run.options().prefix);
  const std::string stream_key = keys.Reconcile(a.name);
  ReconcileStream stream(**redis, keys);

  absl::StatusOr<std::int64_t> backlog = stream.Length(a.name);
  if (!backlog.ok()) return run.Fail(backlog.status());
  Tally tally;
  if (*backlog == 0) {
    absl::StatusOr<RedisReplyPtr> exists =
        (*redis)->Command({"HEXISTS", keys.Flags(), a.name});
    if (!exists.ok()) return run.Fail(exists.status());
    if (ReplyInteger(exists->get()) == 0) {
      return run.Fail(StrCat("unknown flag '", a.name,
                             "': no such flag and no reconcile entries under "
                             "prefix '",
                             run.options().prefix,
                             "' (check the name, --prefix or --redis)"),
                      kExitNotFound);
    }
    return run.Finish(Summary(a, tally, 0),
                      SummaryText(a, tally, 0, stream_key));
  }

  // Entries appended after this point (new failures, and the replacements
  // of entries that fail now) wait for the next run.
  absl::StatusOr<std::string> last_id = stream.LastId(a.name);
  if (!last_id.ok()) return run.Fail(last_id.status());

  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn =
      pg::ConnectPostgres(a.db);
  if (!conn.ok()) return run.Fail(conn.status());
  try {
    (*conn)->prepare("cutover_reconcile", a.sql);
  } catch (const std::exception& e) {
    return run.Fail(pg::StatusFromException(e, "the --sql statement"));
  }

  // A key that appears several times is replayed once per run.
  std::map<std::string, absl::Status> replayed_keys;
  absl::Status stop;
  std::string after;
  std::int64_t budget = a.limit > 0 ? a.limit : -1;
  while (stop.ok() && budget != 0) {
    std::vector<std::string> invalid;
    absl::StatusOr<std::vector<ReconcileEntry>> page =
        stream.Range(a.name, after, *last_id, kPage, &invalid);
    if (!page.ok()) {
      stop = page.status();
      break;
    }
    tally.invalid += static_cast<std::int64_t>(invalid.size());
    for (const std::string& why : invalid) {
      if (tally.errors.size() < kMaxErrorsShown) {
        tally.errors.push_back({{"key", nullptr}, {"error", why}});
      }
    }
    if (page->empty()) break;
    after = page->back().id;
    std::vector<std::string> repaired_ids;
    for (ReconcileEntry& entry : *page) {
      if (budget == 0) break;
      if (only && entry.side != *only) {
        ++tally.skipped;
        continue;
      }
      auto [it, first] = replayed_keys.try_emplace(entry.key);
      if (first) it->second = Replay(**conn, entry.key, a.statement_timeout_ms);
      const absl::Status& result = it->second;
      if (StopsTheRun(result)) {
        stop = result;
        break;
      }
      if (budget > 0) --budget;
      ++tally.replayed;
      if (result.ok()) {
        repaired_ids.push_back(entry.id);
        continue;
      }
      ++tally.failed;
      if (tally.errors.size() < kMaxErrorsShown) {
        tally.errors.push_back(
            {{"key", entry.key}, {"error", std::string(result.message())}});
      }
      const std::string old_id = entry.id;
      entry.error = std::string(result.message());
      ++entry.attempts;
      if (absl::Status s = stream.Replace(old_id, &entry); !s.ok()) {
        stop = s;
        break;
      }
    }
    absl::StatusOr<std::int64_t> acked =
        stream.Acknowledge(a.name, repaired_ids);
    if (!acked.ok()) {
      stop = acked.status();
      break;
    }
    tally.repaired += static_cast<std::int64_t>(repaired_ids.size());
  }

  absl::StatusOr<std::int64_t> remaining = stream.Length(a.name);
  const std::int64_t left = remaining.ok() ? *remaining : -1;
  json summary = Summary(a, tally, left);
  if (!stop.ok()) {
    const int code = ExitCodeFor(stop);
    const std::string message = StrCat(
        "reconcile ", a.name, " stopped after ", tally.replayed, " entries (",
        tally.repaired, " repaired): ", FromAbsl(stop.message()),
        code == kExitInvalid
            ? "; fix the --sql statement and run again"
            : "; nothing was lost, run the same command again");
    summary["error"] = message;
    summary["exit_code"] = code;
    run.err() << "cutover: " << message << "\n";
    return run.Finish(summary, "", code);
  }
  if (!remaining.ok()) return run.Fail(remaining.status());
  std::string text = SummaryText(a, tally, left, stream_key);
  if (tally.failed > 0 || tally.invalid > 0) {
    const std::string message = StrCat(
        tally.failed, " entries could not be repaired",
        tally.invalid > 0 ? StrCat(" and ", tally.invalid, " do not parse")
                          : std::string(),
        "; they stay in ", stream_key,
        " with their error (see `errors`): fix the cause and run again");
    summary["error"] = message;
    summary["exit_code"] = kExitOperational;
    run.err() << "cutover: " << message << "\n";
    return run.Finish(summary, text, kExitOperational);
  }
  run.Finish(summary, text);
}

}  // namespace

void RegisterReconcileCommand(CLI::App& app, CommandRun& run) {
  auto a = std::make_shared<ReconcileArgs>();
  if (const char* url = std::getenv("DATABASE_URL"); url != nullptr) {
    a->db = url;
  }
  CLI::App* cmd = app.add_subcommand(
      "reconcile",
      "Replay the keys whose non-authoritative write failed through a "
      "statement that re-syncs one row, each in its own transaction; "
      "acknowledge the repaired ones");
  cmd->add_option("NAME", a->name, "Migration flag")->required();
  cmd->add_option("--db", a->db,
                  "PostgreSQL connection string or URL (default "
                  "$DATABASE_URL)");
  cmd->add_option("--sql", a->sql,
                  "Idempotent statement that re-syncs one entity; $1 = the "
                  "entity key (text: cast it, e.g. $1::bigint)")
      ->required();
  cmd->add_option("--side", a->side,
                  "Replay only entries whose failed side is \"old\" or "
                  "\"new\" (default: all)");
  cmd->add_option("--limit", a->limit,
                  "Replay at most this many entries (0: all)")
      ->capture_default_str();
  cmd->add_option("--statement-timeout-ms", a->statement_timeout_ms,
                  "SET LOCAL statement_timeout per replay (0: none)")
      ->capture_default_str();
  cmd->callback([&run, a] { RunReconcile(*a, run); });
}

}  // namespace cutover::cli
