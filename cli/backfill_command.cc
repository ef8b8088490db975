// `cutover backfill`: copies old-schema data into the new schema in small,
// checkpointed keyset batches (docs/design.md, Comparator, verify and
// backfill). The work happens in pg/include/cutover/backfill.h; this
// file maps flags, signals, progress and the exit code.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "cli_app.h"
#include "cutover/backfill.h"
#include "cutover/backfill_checkpoint.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/progress_reporter.h"
#include "cutover/redis_url.h"
#include "exit_codes.h"

namespace cutover::cli {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void RecordStopSignal(int signal) { g_stop_signal = signal; }

// SIGINT and SIGTERM ask the backfill to finish the batch in flight, save the
// checkpoint and stop; the previous handlers come back when the run ends.
class ScopedStopSignals {
 public:
  ScopedStopSignals() {
    g_stop_signal = 0;
    struct sigaction action = {};
    action.sa_handler = RecordStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~ScopedStopSignals() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  ScopedStopSignals(const ScopedStopSignals&) = delete;
  ScopedStopSignals& operator=(const ScopedStopSignals&) = delete;

  static int signal() { return g_stop_signal; }

 private:
  struct sigaction previous_int_ = {};
  struct sigaction previous_term_ = {};
};

struct BackfillArgs {
  std::string db;
  std::string table;
  std::string key;
  std::string sql;
  std::int64_t batch = 1000;
  std::int64_t target_batch_ms = 0;
  std::int64_t sleep_ms = 0;
  std::int64_t lock_timeout_ms = 500;
  std::int64_t statement_timeout_ms = 30000;
  std::int64_t max_retries = 10;
  std::string checkpoint;
  std::string start_after;
  bool reset_checkpoint = false;
};

nlohmann::json KeyOrNull(const std::optional<std::string>& key) {
  return key.has_value() ? nlohmann::json(*key) : nlohmann::json(nullptr);
}

void RunBackfillCommand(const BackfillArgs& a, CommandRun& run) {
  pg::BackfillOptions options;
  options.table = a.table;
  options.key_column = a.key;
  options.statement = a.sql;
  options.batch.initial = a.batch;
  options.batch.target = std::chrono::milliseconds(a.target_batch_ms);
  options.sleep = std::chrono::milliseconds(a.sleep_ms);
  options.lock_timeout = std::chrono::milliseconds(a.lock_timeout_ms);
  options.statement_timeout = std::chrono::milliseconds(a.statement_timeout_ms);
  options.retry.max_retries = static_cast<int>(
      std::max<std::int64_t>(0, std::min<std::int64_t>(a.max_retries, 1000)));
  options.checkpoint = a.checkpoint;
  options.reset_checkpoint = a.reset_checkpoint;
  if (!a.start_after.empty()) options.start_after = a.start_after;
  if (a.max_retries < 0) {
    return run.Fail("--max-retries must not be negative", kExitInvalid);
  }
  if (absl::Status s = pg::ValidateBackfillOptions(options); !s.ok()) {
    return run.Fail(s);
  }
  if (a.reset_checkpoint && a.checkpoint.empty()) {
    return run.Fail("--reset-checkpoint needs --checkpoint NAME", kExitInvalid);
  }

  std::unique_ptr<pg::BackfillCheckpointStore> checkpoints;
  if (!a.checkpoint.empty()) {
    absl::StatusOr<RedisEndpoint> endpoint =
        ParseRedisUrl(run.options().redis_url);
    if (!endpoint.ok()) return run.Fail(endpoint.status());
    auto store =
        pg::BackfillCheckpointStore::Connect(*endpoint, run.options().prefix);
    if (!store.ok()) {
      return run.Fail(StrCat(store.status().message(),
                             " (Redis holds the --checkpoint; check --redis "
                             "or CUTOVER_REDIS_URL)"),
                      kExitOperational);
    }
    checkpoints = *std::move(store);
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn =
      pg::ConnectPostgres(a.db);
  if (!conn.ok()) return run.Fail(conn.status());

  const bool terminal = &run.err() == &std::cerr && isatty(STDERR_FILENO) == 1;
  pg::ProgressReporter progress(run.err(), "backfill", terminal);
  pg::ProgressSnapshot last;
  std::int64_t keys_at_start = -1;
  pg::BackfillHooks hooks;
  hooks.should_stop = [] { return ScopedStopSignals::signal() != 0; };
  hooks.on_batch = [&](const pg::BackfillProgress& p) {
    if (keys_at_start < 0) keys_at_start = p.keys_done - p.last_batch_keys;
    last.done = p.keys_done;
    last.done_this_run = p.keys_done - keys_at_start;
    last.changed = p.rows_updated;
    last.estimated_total = p.estimated_rows;
    last.elapsed = p.elapsed;
    progress.Update(last);
  };

  ScopedStopSignals signals;
  absl::StatusOr<pg::BackfillResult> result =
      pg::RunBackfill(**conn, options, checkpoints.get(), hooks);
  if (!result.ok()) return run.Fail(result.status());
  if (result->batches > 0) progress.Finish(last);

  nlohmann::json json = {
      {"rows_updated", result->rows_updated},
      {"batches", result->batches},
      {"retries", result->retries},
      {"resumed_from", KeyOrNull(result->resumed_from)},
      {"seconds", result->seconds},
      {"keys_scanned", result->keys_scanned},
      {"last_key", KeyOrNull(result->last_key)},
      {"longest_batch_ms", result->longest_batch.count() / 1000.0},
      {"already_complete", result->already_complete},
      {"interrupted", result->interrupted},
      {"checkpoint", a.checkpoint.empty() ? nlohmann::json(nullptr)
                                          : nlohmann::json(a.checkpoint)},
  };
  if (result->interrupted) {
    const int sig = ScopedStopSignals::signal();
    std::string message =
        StrCat("backfill interrupted by ", sig == SIGINT ? "SIGINT" : "SIGTERM",
               " after ", result->batches, " batches (", result->rows_updated,
               " rows updated)");
    if (!a.checkpoint.empty()) {
      message += StrCat(
          "; checkpoint '", a.checkpoint, "' saved at key ",
          result->last_key.value_or(result->resumed_from.value_or("(start)")),
          ": run the same command again to resume");
    } else {
      message += "; no --checkpoint was given, so running it again starts over";
    }
    json["error"] = message;
    json["exit_code"] = kExitOperational;
    run.err() << "cutover: " << message << "\n";
    return run.Finish(json, "", kExitOperational);
  }
  std::string text;
  if (result->already_complete) {
    text = StrCat("backfill: checkpoint '", a.checkpoint,
                  "' is already complete (last key ",
                  result->last_key.value_or("none"),
                  "); nothing to do. Use --reset-checkpoint to run it again");
  } else {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", result->seconds);
    text = StrCat("backfill complete: ", result->rows_updated,
                  " rows updated in ", result->batches, " batches (",
                  result->retries, " retries) in ", seconds, " s");
    if (result->resumed_from.has_value()) {
      text += StrCat("; resumed after key ", *result->resumed_from);
    }
  }
  run.Finish(json, text);
}

}  // namespace

void RegisterBackfillCommand(CLI::App& app, CommandRun& run) {
  auto a = std::make_shared<BackfillArgs>();
  if (const char* url = std::getenv("DATABASE_URL"); url != nullptr)
    a->db = url;
  CLI::App* cmd = app.add_subcommand(
      "backfill",
      "Run a statement over a table's key range in small batches, each in its "
      "own short transaction, resumable from a checkpoint");
  cmd->add_option(
      "--db", a->db,
      "PostgreSQL connection string or URL (default $DATABASE_URL)");
  cmd->add_option("--table", a->table, "Table to walk: [schema.]table")
      ->required();
  cmd->add_option("--key", a->key,
                  "Unique, NOT NULL, indexed key column (usually the primary "
                  "key)")
      ->required();
  cmd->add_option("--sql", a->sql,
                  "Statement per batch; $1 = exclusive lower key, $2 = "
                  "inclusive upper key")
      ->required();
  cmd->add_option("--batch", a->batch,
                  "Keys per batch (the first batch's size with "
                  "--target-batch-ms)")
      ->capture_default_str();
  cmd->add_option("--target-batch-ms", a->target_batch_ms,
                  "Adapt the batch size so each batch takes about this long "
                  "(0: fixed --batch)")
      ->capture_default_str();
  cmd->add_option("--sleep-ms", a->sleep_ms, "Pause between batches")
      ->capture_default_str();
  cmd->add_option("--lock-timeout-ms", a->lock_timeout_ms,
                  "SET LOCAL lock_timeout per batch; a timeout is retried with "
                  "backoff")
      ->capture_default_str();
  cmd->add_option("--statement-timeout-ms", a->statement_timeout_ms,
                  "SET LOCAL statement_timeout per batch")
      ->capture_default_str();
  cmd->add_option("--max-retries", a->max_retries,
                  "Retries of one batch after lock timeouts or deadlocks")
      ->capture_default_str();
  cmd->add_option("--checkpoint", a->checkpoint,
                  "Record progress in Redis as <prefix>backfill:NAME and "
                  "resume from it");
  cmd->add_flag("--reset-checkpoint", a->reset_checkpoint,
                "Delete the checkpoint first and start from the beginning");
  cmd->add_option("--start-after", a->start_after,
                  "Exclusive lower key of the first batch (default: below the "
                  "smallest key)");
  cmd->callback([&run, a] { RunBackfillCommand(*a, run); });
}

}  // namespace cutover::cli
