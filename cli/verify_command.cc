// `cutover verify`: proves that the old and the new schema hold the same data
// (docs/design.md, Comparator, verify and backfill). The work happens in
// pg/include/cutover/table_verifier.h; this file maps flags, Redis and
// the exit code (0 equal, 5 divergent).
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_app.h"
#include "cutover/internal/strings.h"
#include "cutover/normalizer_spec.h"
#include "cutover/pg_connection.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_url.h"
#include "cutover/table_verifier.h"
#include "cutover/verify_report.h"
#include "cutover/verify_result_store.h"
#include "exit_codes.h"

namespace cutover::cli {
namespace {

struct VerifyArgs {
  std::string db;
  std::string old_query;
  std::string new_query;
  int key_columns = 1;
  std::int64_t chunk = 10000;
  int recheck = 3;
  std::int64_t recheck_delay_ms = 500;
  std::int64_t max_diffs = 20;
  std::string flag;
  std::vector<std::string> normalize;
  bool trim = false;
  bool case_fold = false;
  bool null_equals_empty = false;
};

void RunVerifyCommand(const VerifyArgs& a, CommandRun& run) {
  if (a.max_diffs < 0) {
    return run.Fail("--max-diffs must not be negative", kExitInvalid);
  }
  std::vector<std::string> specs = a.normalize;
  if (a.trim) specs.push_back("trim");
  if (a.case_fold) specs.push_back("case-fold");
  if (a.null_equals_empty) specs.push_back("null-equals-empty");
  absl::StatusOr<comparator::NormalizerSet> normalizers =
      comparator::ParseNormalizerSpecs(specs);
  if (!normalizers.ok()) return run.Fail(normalizers.status());

  pg::VerifyOptions options;
  options.old_query = a.old_query;
  options.new_query = a.new_query;
  options.key_columns = a.key_columns;
  options.chunk_rows = a.chunk;
  options.recheck_passes = a.recheck;
  options.recheck_delay = std::chrono::milliseconds(a.recheck_delay_ms);
  options.max_diffs = static_cast<std::size_t>(a.max_diffs);
  options.normalizers = *std::move(normalizers);

  // With --flag, Redis must be there before minutes of verification are spent.
  std::unique_ptr<RedisConnection> redis;
  if (!a.flag.empty()) {
    if (absl::Status s = pg::ValidateVerifyFlagName(a.flag); !s.ok()) {
      return run.Fail(s);
    }
    absl::StatusOr<RedisEndpoint> endpoint =
        ParseRedisUrl(run.options().redis_url);
    if (!endpoint.ok()) return run.Fail(endpoint.status());
    absl::StatusOr<std::unique_ptr<RedisConnection>> conn =
        RedisConnection::Connect(*endpoint);
    if (!conn.ok()) {
      return run.Fail(StrCat(conn.status().message(),
                             " (--flag stores the result in Redis; check "
                             "--redis or CUTOVER_REDIS_URL)"),
                      kExitOperational);
    }
    redis = *std::move(conn);
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> old_conn =
      pg::ConnectPostgres(a.db);
  if (!old_conn.ok()) return run.Fail(old_conn.status());
  absl::StatusOr<std::unique_ptr<pqxx::connection>> new_conn =
      pg::ConnectPostgres(a.db);
  if (!new_conn.ok()) return run.Fail(new_conn.status());

  const std::int64_t at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  absl::StatusOr<pg::VerifyResult> result =
      pg::VerifyTables(**old_conn, **new_conn, options);
  if (!result.ok()) return run.Fail(result.status());

  nlohmann::json json =
      nlohmann::json::parse(pg::VerifyResultToJson(*result).dump());
  std::string text = pg::VerifyResultToText(*result);
  if (redis != nullptr) {
    absl::StatusOr<std::string> id = pg::RecordVerifyResult(
        *redis, run.options().prefix, a.flag, *result, at_ms);
    if (!id.ok())
      return run.Fail(std::string(id.status().message()), kExitOperational);
    json["flag"] = a.flag;
    json["recorded"] = pg::VerifyStreamKey(run.options().prefix, a.flag);
    text += StrCat("recorded for flag ", a.flag, " in ",
                   pg::VerifyStreamKey(run.options().prefix, a.flag), "\n");
  }
  run.Finish(json, text, result->equal ? kExitOk : kExitDivergent);
}

}  // namespace

void RegisterVerifyCommand(CLI::App& app, CommandRun& run) {
  auto a = std::make_shared<VerifyArgs>();
  if (const char* url = std::getenv("DATABASE_URL"); url != nullptr)
    a->db = url;
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Prove two queries (old and new schema) return the same rows: chunk "
      "hashes inside PostgreSQL, row diffs of differing chunks, re-checks. "
      "Exit 0 equal, 5 divergent");
  cmd->add_option(
      "--db", a->db,
      "PostgreSQL connection string or URL (default $DATABASE_URL)");
  cmd->add_option("--old", a->old_query,
                  "SELECT over the old schema; its first K columns are the key")
      ->required();
  cmd->add_option("--new", a->new_query,
                  "SELECT over the new schema, columns in the same order")
      ->required();
  cmd->add_option("--key-columns", a->key_columns,
                  "How many leading columns form the key")
      ->capture_default_str();
  cmd->add_option("--chunk", a->chunk, "Rows per hashed chunk")
      ->capture_default_str();
  cmd->add_option("--recheck", a->recheck,
                  "Re-check passes for differing keys (writes in flight)")
      ->capture_default_str();
  cmd->add_option("--recheck-delay-ms", a->recheck_delay_ms,
                  "Pause before each re-check pass")
      ->capture_default_str();
  cmd->add_option("--max-diffs", a->max_diffs,
                  "Differences to list (the count is always exact)")
      ->capture_default_str();
  cmd->add_option("--flag", a->flag,
                  "Store the result in Redis (<prefix>verify:NAME) for "
                  "`cutover report`");
  cmd->add_option("--normalize", a->normalize,
                  "Normalizers, comma-separated or repeated: trim, case-fold, "
                  "null-equals-empty, integer-widening, canonical-json, "
                  "truncate-timestamp=UNIT, numeric-tolerance=ABS[:REL]; "
                  "append @COLUMN for one column");
  cmd->add_flag("--trim", a->trim, "Same as --normalize trim");
  cmd->add_flag("--case-fold", a->case_fold, "Same as --normalize case-fold");
  cmd->add_flag("--null-equals-empty", a->null_equals_empty,
                "Same as --normalize null-equals-empty");
  cmd->callback([&run, a] { RunVerifyCommand(*a, run); });
}

}  // namespace cutover::cli
