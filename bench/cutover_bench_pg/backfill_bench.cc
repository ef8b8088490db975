// BM_Backfill: the name-split backfill over 1,000,000 rows in keyset batches,
// against ONE UPDATE of the whole table measured in the same run on an
// identical fresh table.
//
//   rows_per_second         rows the backfill filled per second
//   ratio_to_single_update  single-UPDATE time / backfill time (target >= 0.85:
//                           batching done right costs PostgreSQL almost
//                           nothing, while the single UPDATE locks every row
//                           until it commits)
//
// Needs DATABASE_URL (scripts/services start && source .run/env).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "cutover/backfill.h"

namespace {

constexpr std::int64_t kRows = 1000000;

std::string Table() { return "bench_backfill_" + std::to_string(getpid()); }

void CreateTable(pqxx::connection& conn, const std::string& t) {
  pqxx::nontransaction tx(conn);
  tx.exec("DROP TABLE IF EXISTS " + t);
  tx.exec("CREATE TABLE " + t +
          " (id bigint PRIMARY KEY, name text NOT NULL, email text,"
          " first_name text, last_name text)"
          // Autovacuum waking up on the previous run's dead rows would land
          // in whichever measurement happens to be running.
          " WITH (autovacuum_enabled = false)");
  tx.exec("INSERT INTO " + t +
          " (id, name, email) SELECT g, 'First' || g || ' Last' || (g % 1000),"
          " 'u' || g || '@example.com' FROM generate_series(1, " +
          std::to_string(kRows) + ") g");
  tx.exec("VACUUM ANALYZE " + t);
  // Start both measurements with no dirty pages pending: a checkpoint in the
  // middle of one of them would decide the ratio.
  tx.exec("CHECKPOINT");
}

std::string SetClause() {
  return " SET first_name = split_part(name, ' ', 1),"
         " last_name = split_part(name, ' ', 2)";
}

void BM_Backfill(benchmark::State& state) {
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    state.SkipWithError(
        "DATABASE_URL is not set: scripts/services start && "
        "source .run/env");
    return;
  }
  pqxx::connection conn(url);
  const std::string t = Table();
  cutover::pg::BackfillOptions options;
  options.table = t;
  options.key_column = "id";
  options.statement = "UPDATE " + t + SetClause() +
                      " WHERE id > $1 AND id <= $2 AND first_name IS NULL";
  options.batch.initial = 10000;
  options.batch.target = std::chrono::milliseconds(state.range(0));
  double single_seconds = 0;
  double batched_seconds = 0;
  std::int64_t batches = 0;
  for (auto _ : state) {
    CreateTable(conn, t);
    auto t0 = std::chrono::steady_clock::now();
    {
      pqxx::nontransaction tx(conn);
      tx.exec("UPDATE " + t + SetClause() + " WHERE first_name IS NULL");
    }
    single_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    CreateTable(conn, t);
    t0 = std::chrono::steady_clock::now();
    absl::StatusOr<cutover::pg::BackfillResult> r =
        cutover::pg::RunBackfill(conn, options, nullptr);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    if (!r.ok() || r->rows_updated != kRows) {
      state.SkipWithError(r.ok() ? "backfill missed rows"
                                 : std::string(r.status().message()).c_str());
      break;
    }
    batched_seconds += seconds;
    batches += r->batches;
    state.SetIterationTime(seconds);
  }
  {
    pqxx::nontransaction tx(conn);
    tx.exec("DROP TABLE IF EXISTS " + t);
  }
  if (batched_seconds > 0) {
    const double n = static_cast<double>(state.iterations());
    state.counters["rows_per_second"] = kRows * n / batched_seconds;
    state.counters["ratio_to_single_update"] = single_seconds / batched_seconds;
    state.counters["batches"] = static_cast<double>(batches) / n;
    state.counters["single_update_seconds"] = single_seconds / n;
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

BENCHMARK(BM_Backfill)
    ->ArgName("target_batch_ms")
    ->Arg(200)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
