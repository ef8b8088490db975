// The name-split backfill (name -> first_name, last_name) on a real
// 1,000,000-row PostgreSQL table: it completes, it never loses or overwrites a
// concurrent application write, its batches never hold locks past the lock
// timeout, and a batch that loses a lock race is retried.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "connection/pg_array_literal.h"
#include "cutover/backfill.h"
#include "cutover/pg_connection.h"
#include "gtest/gtest.h"
#include "support/pg_scratch.h"

namespace cutover::pg {
namespace {

using testing::ConnectScratch;
using testing::CreateUsersTable;
using testing::QueryInt;
using testing::ScratchName;
using testing::ScratchTable;

constexpr std::int64_t kRows = 1000000;

// The documented pattern: the statement reads the old column and writes the
// new ones in one UPDATE (PostgreSQL re-reads a row changed concurrently), and
// only fills rows the application has not filled already.
std::string NameSplitSql(const std::string& table) {
  return "UPDATE " + table +
         " SET first_name = split_part(name, ' ', 1),"
         " last_name = split_part(name, ' ', 2)"
         " WHERE id > $1 AND id <= $2 AND first_name IS NULL";
}

BackfillOptions NameSplitOptions(const std::string& table) {
  BackfillOptions o;
  o.table = table;
  o.key_column = "id";
  o.statement = NameSplitSql(table);
  return o;
}

// Rows whose new columns disagree with the backfill's rule, for rows the
// application never wrote (their names have two words).
std::int64_t WronglySplitRows(pqxx::connection& conn, const std::string& t) {
  return QueryInt(conn,
                  "SELECT count(*) FROM " + t +
                      " WHERE name NOT LIKE 'App%' AND ("
                      "first_name IS DISTINCT FROM split_part(name, ' ', 1)"
                      " OR last_name IS DISTINCT FROM "
                      "split_part(name, ' ', 2))");
}

class BackfillNameSplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    table_name_ = ScratchName("users");
    table_ = std::make_unique<ScratchTable>(*conn_, table_name_);
    CreateUsersTable(*conn_, table_name_, kRows);
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::string table_name_;
  std::unique_ptr<ScratchTable> table_;
};

TEST_F(BackfillNameSplitTest, FillsEveryRowInManySmallBatches) {
  BackfillOptions o = NameSplitOptions(table_name_);
  o.batch.initial = 5000;
  o.batch.target = std::chrono::milliseconds(100);
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows_updated, kRows);
  EXPECT_EQ(r->keys_scanned, kRows);
  EXPECT_GT(r->batches, 5);
  EXPECT_EQ(r->retries, 0);
  EXPECT_EQ(r->last_key, std::optional<std::string>("1000000"));
  EXPECT_FALSE(r->resumed_from.has_value());
  EXPECT_FALSE(r->interrupted);
  EXPECT_EQ(
      QueryInt(*conn_, "SELECT count(*) FROM " + table_name_ +
                           " WHERE first_name IS NULL OR last_name IS NULL"),
      0);
  EXPECT_EQ(WronglySplitRows(*conn_, table_name_), 0);
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_name_ +
                                 " WHERE id = 4242 AND first_name = 'First4242'"
                                 " AND last_name = 'Last242'"),
            1);

  // Running it again finds nothing left to fill: the statement is idempotent.
  absl::StatusOr<BackfillResult> again = RunBackfill(*conn_, o, nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->rows_updated, 0);
  EXPECT_EQ(again->keys_scanned, kRows);
}

// The application dual-writes while the backfill runs. Its rows have
// three-word names that it splits its own way ("App<n> Ann" / "Smith<n>");
// the backfill's split_part rule would give "App<n>" / "Ann". So a row the
// backfill overwrote with its own (stale) rule, or an application write the
// backfill lost, shows up as a wrong value afterwards.
TEST_F(BackfillNameSplitTest,
       ConcurrentApplicationWritesAreNeitherLostNorOverwritten) {
  std::unique_ptr<pqxx::connection> app = ConnectScratch();
  ASSERT_NE(app, nullptr);
  std::mutex mu;
  std::map<std::int64_t, std::int64_t> last_write;  // id -> n
  std::int64_t next_n = 0;
  auto app_write = [&](pqxx::connection& c, std::int64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    const std::int64_t n = ++next_n;
    const std::string first = "App" + std::to_string(n) + " Ann";
    const std::string last = "Smith" + std::to_string(n);
    pqxx::work tx(c);
    tx.exec_params("UPDATE " + table_name_ +
                       " SET name = $2, first_name = $3, last_name = $4 "
                       "WHERE id = $1",
                   id, first + " " + last, first, last);
    tx.commit();
    last_write[id] = n;
  };

  std::atomic<bool> done{false};
  std::atomic<std::int64_t> background_writes{0};
  std::thread writer([&] {
    std::unique_ptr<pqxx::connection> c = ConnectScratch();
    std::mt19937_64 rng(12345);
    std::uniform_int_distribution<std::int64_t> ids(1, kRows);
    while (!done.load()) {
      app_write(*c, ids(rng));
      background_writes.fetch_add(1);
    }
  });

  BackfillOptions o = NameSplitOptions(table_name_);
  o.batch.initial = 20000;
  std::int64_t hooked_writes = 0;
  BackfillHooks hooks;
  // Deterministic interleaving on top of the free-running writer: after some
  // batches, write rows just ahead of the backfill and just behind it.
  hooks.on_batch = [&](const BackfillProgress& p) {
    if (p.batches % 10 != 1) return;
    const std::int64_t at = std::stoll(p.last_key);
    for (const std::int64_t id : {at - 1, at, at + 1, at + 2, at + 5000}) {
      if (id >= 1 && id <= kRows) {
        app_write(*app, id);
        ++hooked_writes;
      }
    }
  };
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr, hooks);
  done.store(true);
  writer.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(hooked_writes, 0);
  EXPECT_GT(background_writes.load(), 0);

  EXPECT_EQ(
      QueryInt(*conn_, "SELECT count(*) FROM " + table_name_ +
                           " WHERE first_name IS NULL OR last_name IS NULL"),
      0);
  EXPECT_EQ(WronglySplitRows(*conn_, table_name_), 0);
  // Every application write is still there, exactly as the application wrote
  // it: the last write per row, with the application's own split.
  std::vector<std::string> ids;
  std::vector<std::string> names;
  for (const auto& [id, n] : last_write) {
    ids.push_back(std::to_string(id));
    names.push_back("App" + std::to_string(n) + " Ann Smith" +
                    std::to_string(n));
  }
  pqxx::nontransaction tx(*conn_);
  const pqxx::row bad = tx.exec_params1(
      "SELECT count(*) FROM " + table_name_ +
          " t JOIN unnest($1::bigint[], $2::text[]) AS w(id, name) "
          "ON w.id = t.id WHERE t.name IS DISTINCT FROM w.name "
          "OR t.first_name IS DISTINCT FROM "
          "split_part(w.name, ' ', 1) || ' ' || split_part(w.name, ' ', 2) "
          "OR t.last_name IS DISTINCT FROM split_part(w.name, ' ', 3)",
      PgArrayLiteral(ids), PgArrayLiteral(names));
  EXPECT_EQ(bad[0].as<std::int64_t>(), 0)
      << "of " << ids.size() << " rows the application wrote";
}

// Application writes that wait for a row the backfill holds use the same lock
// timeout as the backfill. If a batch held its locks longer than that, some
// of these writes would fail with lock_not_available.
TEST_F(BackfillNameSplitTest, NoBatchHoldsItsLocksLongerThanTheLockTimeout) {
  constexpr std::chrono::milliseconds kLockTimeout(1000);
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> writes{0};
  std::atomic<std::int64_t> lock_timeouts{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::unique_ptr<pqxx::connection> c = ConnectScratch();
      testing::Exec(*c, "SET lock_timeout = '" +
                            std::to_string(kLockTimeout.count()) + "ms'");
      std::mt19937_64 rng(w + 1);
      std::uniform_int_distribution<std::int64_t> ids(1, kRows);
      while (!done.load()) {
        try {
          pqxx::work tx(*c);
          tx.exec_params("UPDATE " + table_name_ +
                             " SET name = name || '', first_name = "
                             "split_part(name, ' ', 1), last_name = "
                             "split_part(name, ' ', 2) WHERE id = $1",
                         ids(rng));
          tx.commit();
          writes.fetch_add(1);
        } catch (const pqxx::sql_error& e) {
          if (e.sqlstate() == kSqlStateLockNotAvailable) {
            lock_timeouts.fetch_add(1);
          } else {
            ADD_FAILURE() << e.what();
            return;
          }
        }
      }
    });
  }
  BackfillOptions o = NameSplitOptions(table_name_);
  o.lock_timeout = kLockTimeout;
  o.batch.initial = 2000;
  o.batch.target = std::chrono::milliseconds(100);
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  done.store(true);
  for (std::thread& t : writers) t.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(writes.load(), 0);
  EXPECT_EQ(lock_timeouts.load(), 0);
  EXPECT_LT(r->longest_batch, kLockTimeout);
  EXPECT_EQ(WronglySplitRows(*conn_, table_name_), 0);
}

// Someone holds a row lock in the middle of the table; the batch that needs it
// times out on lock_timeout, backs off and retries instead of queueing behind
// the holder (and making everyone else queue behind the backfill).
TEST_F(BackfillNameSplitTest, ALockTimeoutIsRetriedWithBackoff) {
  std::unique_ptr<pqxx::connection> holder_conn = ConnectScratch();
  ASSERT_NE(holder_conn, nullptr);
  auto holder = std::make_unique<pqxx::work>(*holder_conn);
  holder->exec("SELECT 1 FROM " + table_name_ +
               " WHERE id = 500000 FOR UPDATE");

  BackfillOptions o = NameSplitOptions(table_name_);
  o.batch.initial = 50000;
  o.lock_timeout = std::chrono::milliseconds(100);
  o.retry.initial_delay = std::chrono::milliseconds(20);
  std::vector<std::string> retried_after;
  BackfillHooks hooks;
  hooks.on_retry = [&](const std::string& after_key, int retry,
                       std::chrono::milliseconds delay) {
    retried_after.push_back(after_key);
    // Full jitter under the policy's bound for this retry (1-based here).
    EXPECT_LE(delay, RetryPolicy::Ceiling(o.retry, retry - 1));
    // Release the lock after the second failed attempt: the third succeeds.
    if (retry == 2 && holder != nullptr) {
      holder->commit();
      holder.reset();
    }
  };
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr, hooks);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->retries, 2);
  EXPECT_EQ(retried_after, (std::vector<std::string>{"450000", "450000"}));
  EXPECT_EQ(r->rows_updated, kRows);
  EXPECT_EQ(WronglySplitRows(*conn_, table_name_), 0);
}

TEST_F(BackfillNameSplitTest, ALockHeldPastEveryRetryStopsWithTheRange) {
  std::unique_ptr<pqxx::connection> holder_conn = ConnectScratch();
  ASSERT_NE(holder_conn, nullptr);
  pqxx::work holder(*holder_conn);
  holder.exec("SELECT 1 FROM " + table_name_ + " WHERE id = 120000 FOR UPDATE");

  BackfillOptions o = NameSplitOptions(table_name_);
  o.batch.initial = 100000;
  o.lock_timeout = std::chrono::milliseconds(50);
  o.retry.initial_delay = std::chrono::milliseconds(5);
  o.retry.max_retries = 2;
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  const std::string message(r.status().message());
  EXPECT_NE(message.find("(100000, 200000]"), std::string::npos) << message;
  EXPECT_NE(message.find("--lock-timeout-ms"), std::string::npos) << message;
  holder.abort();
  // The first batch committed before the failure and stays committed.
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_name_ +
                                 " WHERE first_name IS NOT NULL"),
            100000);
}

}  // namespace
}  // namespace cutover::pg
