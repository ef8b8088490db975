// BM_DualWriteTx: what dual writing costs a request on PostgreSQL. One dual
// write (the old-side UPDATE, then the new-side UPDATE, in one transaction
// with PgDualWrite) against a single write of the same row (the old-side
// UPDATE alone in its own transaction), alternating on one connection so
// both see the same server state.
//
//   Time                    one dual write (manual time)
//   single_write_us         median single write, same row
//   dual_write_us           median dual write
//   ratio_to_single_write   dual / single, medians (target <= 1.5: the
//                           second statement rides in the same transaction,
//                           so a dual write costs one more statement, not
//                           one more transaction)
//
// The writes are given as statements (PgStatement), which PgDualWrite sends
// itself in libpq pipeline mode, BEGIN in the old side's round trip:
// /strict    BEGIN + old UPDATE, new UPDATE, COMMIT against BEGIN, UPDATE,
//            COMMIT: 3 round trips against 3 (BEGIN's own is saved, the new
//            side's added).
// /tolerant  adds the SAVEPOINT that lets the new side fail alone; it
//            travels in the new side's round trip: still 3 against 3.
// /tolerant_callables is the same write given as callables running
// exec_prepared through pqxx, which sends BEGIN, every statement and the
// SAVEPOINT alone: 5 round trips against 3. For comparison only: the target
// applies to /strict and /tolerant.
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

#include "cutover/pg_dual_write.h"

namespace {

constexpr int kRows = 10000;

struct Tables {
  explicit Tables(pqxx::connection& c)
      : conn(c),
        users("bench_dw_users_" + std::to_string(getpid())),
        user_pair("bench_dw_user_pair_" + std::to_string(getpid())) {
    pqxx::nontransaction tx(conn);
    tx.exec("DROP TABLE IF EXISTS " + user_pair + ", " + users);
    tx.exec("CREATE TABLE " + users +
            " (id bigint PRIMARY KEY, name text NOT NULL,"
            " joined_pair_id bigint)");
    tx.exec("CREATE TABLE " + user_pair +
            " (user_id bigint PRIMARY KEY, pair_id bigint NOT NULL)");
    tx.exec("INSERT INTO " + users + " SELECT g, 'user' || g, g % 97 FROM " +
            "generate_series(1, " + std::to_string(kRows) + ") g");
    tx.exec("INSERT INTO " + user_pair + " SELECT id, joined_pair_id FROM " +
            users);
    tx.exec("VACUUM ANALYZE " + users);
    tx.exec("VACUUM ANALYZE " + user_pair);
  }
  ~Tables() {
    try {
      pqxx::nontransaction tx(conn);
      tx.exec("DROP TABLE IF EXISTS " + user_pair + ", " + users);
    } catch (const std::exception&) {
    }
  }
  pqxx::connection& conn;
  std::string users;
  std::string user_pair;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// How the bench hands the two writes to PgDualWrite.
enum class WriteForm { kStatements, kCallables };

void BM_DualWriteTx(benchmark::State& state,
                    cutover::pg::DualWritePolicy policy, WriteForm form) {
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    state.SkipWithError(
        "DATABASE_URL is not set: scripts/services start && source .run/env");
    return;
  }
  pqxx::connection conn(url);
  Tables t(conn);
  const std::string update_old =
      "UPDATE " + t.users + " SET joined_pair_id = $2 WHERE id = $1";
  // The new side's copy of the same row (the backfill created it).
  const std::string update_new =
      "UPDATE " + t.user_pair + " SET pair_id = $2 WHERE user_id = $1";
  // Prepared, as an application's hot path is: both sides of the comparison
  // skip parsing and planning alike.
  conn.prepare("update_old", update_old);
  conn.prepare("update_new", update_new);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> user(1, kRows);
  std::uniform_int_distribution<std::int64_t> pair(1, 1000);
  using Clock = std::chrono::steady_clock;
  std::vector<double> single_us;
  std::vector<double> dual_us;
  std::int64_t failures = 0;
  auto single_write = [&](std::int64_t id, std::int64_t p) {
    const auto start = Clock::now();
    pqxx::work tx(conn);
    tx.exec_prepared("update_old", id, p);
    tx.commit();
    single_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start)
            .count());
  };
  auto dual_write = [&](std::int64_t id, std::int64_t p) {
    using cutover::pg::PgStatement;
    const auto start = Clock::now();
    cutover::pg::DualWriteOutcome out;
    if (form == WriteForm::kStatements) {
      const PgStatement old_side = PgStatement::Prepared("update_old", id, p);
      const PgStatement new_side = PgStatement::Prepared("update_new", id, p);
      out = cutover::pg::RunDualWrite(conn, policy, {&old_side, 1},
                                      {&new_side, 1});
    } else {
      out = cutover::pg::RunDualWrite(
          conn, policy,
          [&](pqxx::transaction_base& tx) {
            tx.exec_prepared("update_old", id, p);
            return absl::OkStatus();
          },
          [&](pqxx::transaction_base& tx) {
            tx.exec_prepared("update_new", id, p);
            return absl::OkStatus();
          });
    }
    const double us =
        std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (!out.status().ok() || !out.other.ok()) ++failures;
    dual_us.push_back(us);
    return us;
  };
  bool dual_first = false;
  for (auto _ : state) {
    const std::int64_t id = user(rng);
    const std::int64_t p = pair(rng);
    // Alternate which one goes first, so neither always finds the row
    // freshly updated.
    double us = 0;
    if (dual_first) {
      us = dual_write(id, p);
      single_write(id, p + 1);
    } else {
      single_write(id, p);
      us = dual_write(id, p + 1);
    }
    dual_first = !dual_first;
    state.SetIterationTime(us / 1e6);
  }
  if (failures > 0) state.SkipWithError("a dual write failed");
  // Medians: a machine shared with other work stalls a few writes for
  // milliseconds, which would decide a ratio of means.
  const double single = Median(single_us);
  const double dual = Median(dual_us);
  state.counters["single_write_us"] = single;
  state.counters["dual_write_us"] = dual;
  state.counters["ratio_to_single_write"] = single > 0 ? dual / single : 0;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_DualWriteTx, tolerant,
                  cutover::pg::DualWritePolicy::kTolerant,
                  WriteForm::kStatements)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DualWriteTx, strict, cutover::pg::DualWritePolicy::kStrict,
                  WriteForm::kStatements)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DualWriteTx, tolerant_callables,
                  cutover::pg::DualWritePolicy::kTolerant,
                  WriteForm::kCallables)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
