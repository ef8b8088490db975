// BM_SyncTriggerOverhead: what a sync trigger costs the writers it serves. A
// single-row UPDATE of the old column, autocommit, on a table with the sync
// installed against the same UPDATE on an identical table without it,
// alternating on one connection so both see the same server state.
//
//   Time                 one UPDATE with the trigger (manual time)
//   plain_update_us      median UPDATE without a trigger
//   synced_update_us     median UPDATE with the trigger
//   ratio_to_plain       synced / plain, medians
//
// /columns is the name split (BEFORE trigger computing first_name and
// last_name from name); /table is the pair membership (AFTER trigger
// rewriting the user's rows in user_pair). The application's own dual writes
// (cutover.dual_write = 'on') skip the trigger and do not pay this.
//
// Needs DATABASE_URL (scripts/services start && source .run/env).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <vector>

#include "cutover/sync_trigger.h"

namespace {

constexpr int kRows = 10000;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Two identical schemas, `plain` and `synced`, the latter with the sync.
class SyncBenchTables {
 public:
  SyncBenchTables(pqxx::connection& conn, bool table_to_table)
      : conn_(conn),
        prefix_("bench_sync_" + std::to_string(getpid()) + "_"),
        sync_name_(prefix_ + (table_to_table ? "t" : "c")) {
    pqxx::nontransaction tx(conn_);
    for (const char* side : {"plain", "synced"}) {
      const std::string users = Users(side);
      tx.exec("DROP TABLE IF EXISTS " + Pairs(side) + ", " + users);
      tx.exec("CREATE TABLE " + users +
              " (id bigint PRIMARY KEY, name text NOT NULL, first_name text,"
              " last_name text, joined_pair_id bigint)");
      tx.exec("INSERT INTO " + users +
              " SELECT g, 'First' || g || ' Last' || g, 'First' || g, 'Last' "
              "|| g, g % 97 FROM generate_series(1, " +
              std::to_string(kRows) + ") g");
      tx.exec("CREATE TABLE " + Pairs(side) +
              " (user_id bigint NOT NULL, pair_id bigint NOT NULL, PRIMARY "
              "KEY (user_id, pair_id))");
      tx.exec("INSERT INTO " + Pairs(side) +
              " SELECT id, joined_pair_id FROM " + users);
      tx.exec("VACUUM ANALYZE " + users);
      tx.exec("VACUUM ANALYZE " + Pairs(side));
    }
  }
  ~SyncBenchTables() {
    cutover::pg::SyncOptions options;
    (void)cutover::pg::UninstallSync(conn_, sync_name_, options);
    try {
      pqxx::nontransaction tx(conn_);
      for (const char* side : {"plain", "synced"}) {
        tx.exec("DROP TABLE IF EXISTS " + Pairs(side) + ", " + Users(side));
      }
    } catch (const std::exception&) {
      // Best effort: a broken connection leaves the tables behind.
    }
  }
  SyncBenchTables(const SyncBenchTables&) = delete;
  SyncBenchTables& operator=(const SyncBenchTables&) = delete;

  std::string Users(const std::string& side) const {
    return prefix_ + side + "_users";
  }
  std::string Pairs(const std::string& side) const {
    return prefix_ + side + "_pairs";
  }
  const std::string& sync_name() const { return sync_name_; }

 private:
  pqxx::connection& conn_;
  std::string prefix_;
  std::string sync_name_;
};

void BM_SyncTriggerOverhead(benchmark::State& state, bool table_to_table) {
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    state.SkipWithError(
        "DATABASE_URL is not set: scripts/services start && source .run/env");
    return;
  }
  pqxx::connection conn(url);
  SyncBenchTables t(conn, table_to_table);
  cutover::pg::SyncDefinition d;
  d.name = t.sync_name();
  d.table = t.Users("synced");
  d.key = {"id"};
  if (table_to_table) {
    d.into = t.Pairs("synced");
    d.columns = {"user_id", "pair_id"};
    d.from = "SELECT id, joined_pair_id FROM " + t.Users("synced") +
             " WHERE joined_pair_id IS NOT NULL";
  } else {
    d.set = {{"first_name", "split_part(name, ' ', 1)"},
             {"last_name", "split_part(name, ' ', 2)"}};
  }
  cutover::pg::SyncOptions options;
  options.actor = "bench";
  absl::StatusOr<cutover::pg::SyncInstallResult> installed =
      cutover::pg::InstallSync(conn, d, options);
  if (!installed.ok()) {
    state.SkipWithError(std::string(installed.status().message()).c_str());
    return;
  }
  const std::string column = table_to_table ? "joined_pair_id" : "name";
  for (const char* side : {"plain", "synced"}) {
    conn.prepare(std::string("update_") + side,
                 "UPDATE " + t.Users(side) + " SET " + column +
                     (table_to_table ? " = $2::bigint"
                                     : " = 'First' || $2::bigint || ' Last'") +
                     " WHERE id = $1");
  }
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> user(1, kRows);
  std::uniform_int_distribution<std::int64_t> value(1, 1000);
  using Clock = std::chrono::steady_clock;
  std::vector<double> plain_us;
  std::vector<double> synced_us;
  auto update = [&](const char* side, std::int64_t id, std::int64_t v,
                    std::vector<double>& times) {
    const auto start = Clock::now();
    pqxx::nontransaction tx(conn);
    tx.exec_prepared(std::string("update_") + side, id, v);
    const double us =
        std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    times.push_back(us);
    return us;
  };
  bool synced_first = false;
  for (auto _ : state) {
    const std::int64_t id = user(rng);
    const std::int64_t v = value(rng);
    double us = 0;
    // Alternate the order so neither side always runs on a warmer cache.
    if (synced_first) {
      us = update("synced", id, v, synced_us);
      update("plain", id, v, plain_us);
    } else {
      update("plain", id, v, plain_us);
      us = update("synced", id, v, synced_us);
    }
    synced_first = !synced_first;
    state.SetIterationTime(us / 1e6);
  }
  // Medians: a machine shared with other work stalls a few statements for
  // milliseconds, which would decide a ratio of means.
  const double plain = Median(plain_us);
  const double synced = Median(synced_us);
  state.counters["plain_update_us"] = plain;
  state.counters["synced_update_us"] = synced;
  state.counters["ratio_to_plain"] = plain > 0 ? synced / plain : 0;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_SyncTriggerOverhead, columns, false)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SyncTriggerOverhead, table, true)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
