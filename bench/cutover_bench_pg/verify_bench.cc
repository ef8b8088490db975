// BM_Verify: verifying two identical 1,000,000-row tables, against one
// `SELECT sum(hashtextextended(t::text, 0))` scan of each side measured in the
// same run (the least work any hash-based verification must do).
//
//   rows_per_second     rows verified per second (rows of one side)
//   ratio_to_hash_scan  hash-scan time of both sides / verify time
//                       (target >= 0.5)
//
// Needs DATABASE_URL (scripts/services start && source .run/env).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "cutover/table_verifier.h"

namespace {

constexpr std::int64_t kRows = 1000000;

void CreateTables(pqxx::connection& conn, const std::string& old_table,
                  const std::string& new_table) {
  pqxx::nontransaction tx(conn);
  for (const std::string& t : {old_table, new_table}) {
    tx.exec("DROP TABLE IF EXISTS " + t);
    tx.exec("CREATE TABLE " + t +
            " (id bigint PRIMARY KEY, name text NOT NULL, email text, n int)");
    tx.exec("INSERT INTO " + t +
            " SELECT g, 'First' || g || ' Last' || (g % 1000), 'u' || g || "
            "'@example.com', g % 77 FROM generate_series(1, " +
            std::to_string(kRows) + ") g");
    tx.exec("VACUUM ANALYZE " + t);
  }
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

void BM_Verify(benchmark::State& state) {
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    state.SkipWithError(
        "DATABASE_URL is not set: scripts/services start && "
        "source .run/env");
    return;
  }
  pqxx::connection old_conn(url);
  pqxx::connection new_conn(url);
  const std::string pid = std::to_string(getpid());
  const std::string old_table = "bench_verify_old_" + pid;
  const std::string new_table = "bench_verify_new_" + pid;
  CreateTables(old_conn, old_table, new_table);
  cutover::pg::VerifyOptions options;
  options.old_query = "SELECT id, name, email, n FROM " + old_table;
  options.new_query = "SELECT id, name, email, n FROM " + new_table;
  options.chunk_rows = state.range(0);
  double scan_seconds = 0;
  double verify_seconds = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    {
      pqxx::nontransaction tx(old_conn);
      for (const std::string& t : {old_table, new_table}) {
        benchmark::DoNotOptimize(tx.exec(
            "SELECT sum(hashtextextended(t::text, 0)) FROM " + t + " t"));
      }
    }
    scan_seconds += Seconds(t0);
    t0 = std::chrono::steady_clock::now();
    absl::StatusOr<cutover::pg::VerifyResult> r =
        cutover::pg::VerifyTables(old_conn, new_conn, options);
    const double seconds = Seconds(t0);
    if (!r.ok() || !r->equal || r->rows_old != kRows) {
      state.SkipWithError(r.ok() ? "verify found differences"
                                 : std::string(r.status().message()).c_str());
      break;
    }
    verify_seconds += seconds;
    state.SetIterationTime(seconds);
  }
  {
    pqxx::nontransaction tx(old_conn);
    tx.exec("DROP TABLE IF EXISTS " + old_table);
    tx.exec("DROP TABLE IF EXISTS " + new_table);
  }
  if (verify_seconds > 0) {
    const double n = static_cast<double>(state.iterations());
    state.counters["rows_per_second"] = kRows * n / verify_seconds;
    state.counters["ratio_to_hash_scan"] = scan_seconds / verify_seconds;
    state.counters["hash_scan_seconds"] = scan_seconds / n;
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

BENCHMARK(BM_Verify)
    ->ArgName("chunk")
    ->Arg(10000)
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
