// Sync triggers under concurrency on a real PostgreSQL: legacy writers (plain
// SQL on the old schema, several threads) and application dual writes (in a
// transaction marked as PgMigration marks it) run while a backfill runs;
// afterwards verify finds old and new equal and every writer's last write is
// in place. And the reverse direction: writes on either side converge, with
// no trigger echoing its opposite.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cutover/backfill.h"
#include "cutover/sync_trigger.h"
#include "cutover/table_verifier.h"
#include "gtest/gtest.h"
#include "support/pg_scratch.h"
#include "support/poll.h"

namespace cutover::pg {
namespace {

using testing::ConnectScratch;
using testing::Exec;
using testing::QueryInt;
using testing::ScratchName;

constexpr std::int64_t kRows = 3000;
constexpr int kLegacyWriters = 3;
constexpr int kAppWriters = 2;
constexpr int kWriters = kLegacyWriters + kAppWriters;
// Each writer keeps writing until the backfill is done and it has written at
// least this often, so writes overlap the whole backfill.
constexpr int kMinWrites = 300;

// The last value each writer committed per key: nullopt for a deleted row.
// Keys are partitioned between writers (key % kWriters), so the last commit
// of the key's writer is the row's final state.
using LastWrites = std::map<std::int64_t, std::optional<std::string>>;

// Runs `write(conn, rng, writes)` in kWriters threads until `stop` and each
// has committed kMinWrites times; returns the per-writer last writes.
template <typename Write>
class WriterPool {
 public:
  explicit WriterPool(Write write) : write_(write), last_(kWriters) {
    for (int w = 0; w < kWriters; ++w) {
      threads_.emplace_back([this, w] { Run(w); });
    }
  }
  ~WriterPool() { Stop(); }

  // Blocks until every writer has committed at least `n` writes.
  bool WaitForWrites(int n) {
    return testing::PollUntil([&] { return min_writes() >= n; });
  }
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  const std::vector<LastWrites>& last() const { return last_; }
  int errors() const { return errors_; }
  std::string first_error() const { return first_error_; }

 private:
  int min_writes() const {
    int m = kMinWrites * 10;
    for (const auto& c : counts_) m = std::min(m, c.load());
    return m;
  }
  void Run(int w) {
    auto conn = ConnectScratch();
    if (conn == nullptr) return;
    std::mt19937_64 rng(1000 + w);
    while (!stop_ || counts_[w] < kMinWrites) {
      try {
        write_(*conn, w, rng, last_[w]);
        ++counts_[w];
      } catch (const pqxx::transaction_rollback&) {
        continue;  // deadlock or serialization failure: it did not happen
      } catch (const pqxx::failure& e) {
        if (errors_++ == 0) first_error_ = e.what();
        return;
      }
    }
  }

  Write write_;
  std::atomic<bool> stop_{false};
  std::atomic<int> counts_[kWriters] = {};
  std::vector<LastWrites> last_;
  std::atomic<int> errors_{0};
  std::string first_error_;
  std::vector<std::thread> threads_;
};

// A key owned by writer `w`: existing rows, or new ones above kRows.
std::int64_t OwnedKey(int w, std::mt19937_64& rng, bool fresh) {
  const std::int64_t base = fresh ? kRows + 1 : 1;
  const std::int64_t span = fresh ? 2000 : kRows;
  std::int64_t k = base + static_cast<std::int64_t>(rng() % span);
  return k - (k % kWriters) + w;
}

class SyncConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    verify_conn_ = ConnectScratch();
    ASSERT_NE(verify_conn_, nullptr);
    users_ = ScratchName("sync_cc_users");
    pairs_ = ScratchName("sync_cc_pairs");
    name_ = ScratchName("cc");
  }
  void TearDown() override {
    if (conn_ == nullptr) return;
    SyncOptions options;
    (void)UninstallSync(*conn_, name_, options);
    Exec(*conn_, "DROP TABLE IF EXISTS " + pairs_ + ", " + users_);
  }

  void Backfill(const std::string& statement) {
    BackfillOptions options;
    options.table = users_;
    options.key_column = "id";
    options.statement = statement;
    options.batch.initial = 50;
    absl::StatusOr<BackfillResult> r =
        RunBackfill(*conn_, options, nullptr, {});
    ASSERT_TRUE(r.ok()) << r.status();
  }

  void ExpectEqual(const std::string& old_query, const std::string& new_query) {
    VerifyOptions options;
    options.old_query = old_query;
    options.new_query = new_query;
    options.chunk_rows = 500;
    options.recheck_delay = std::chrono::milliseconds(1);
    absl::StatusOr<VerifyResult> r =
        VerifyTables(*conn_, *verify_conn_, options);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->equal);
    EXPECT_EQ(r->difference_count, 0);
    EXPECT_EQ(r->resolved_on_recheck, 0);  // nothing was in flight
    EXPECT_GT(r->rows_old, kRows / 2);
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::connection> verify_conn_;
  std::string users_;
  std::string pairs_;
  std::string name_;
};

TEST_F(SyncConcurrencyTest,
       ColumnsStayEqualWithLegacyWritersDualWritesAndBackfill) {
  testing::CreateUsersTable(*conn_, users_, kRows);
  SyncDefinition d;
  d.name = name_;
  d.table = users_;
  d.key = {"id"};
  d.set = {{"first_name", "split_part(name, ' ', 1)"},
           {"last_name", "split_part(name, ' ', 2)"}};
  ASSERT_TRUE(InstallSync(*conn_, d, SyncOptions{}).ok());

  const std::string users = users_;
  auto write = [users](pqxx::connection& conn, int w, std::mt19937_64& rng,
                       LastWrites& last) {
    const int op = static_cast<int>(rng() % 10);
    const std::string first =
        "F" + std::to_string(w) + "x" + std::to_string(rng() % 100000);
    const std::string lastname = "L" + std::to_string(rng() % 1000);
    const std::string name = first + " " + lastname;
    if (w < kLegacyWriters) {
      // Another service: plain SQL on the old column only.
      pqxx::nontransaction tx(conn);
      if (op == 0) {
        const std::int64_t k = OwnedKey(w, rng, true);
        tx.exec_params("INSERT INTO " + users +
                           " (id, name) VALUES ($1, $2) ON CONFLICT (id) DO "
                           "UPDATE SET name = EXCLUDED.name",
                       k, name);
        last[k] = name;
      } else if (op == 1) {
        const std::int64_t k = OwnedKey(w, rng, rng() % 2 == 0);
        tx.exec_params("DELETE FROM " + users + " WHERE id = $1", k);
        last[k] = std::nullopt;
      } else {
        const std::int64_t k = OwnedKey(w, rng, false);
        const pqxx::result r = tx.exec_params(
            "UPDATE " + users + " SET name = $2 WHERE id = $1", k, name);
        if (r.affected_rows() == 1) last[k] = name;
      }
      return;
    }
    // The application: both sides in one transaction marked as PgMigration
    // marks its dual writes, so the trigger stays out of it.
    const std::int64_t k = OwnedKey(w, rng, false);
    pqxx::work tx(conn);
    tx.exec(std::string(kMarkDualWriteSql));
    const pqxx::result r = tx.exec_params(
        "UPDATE " + users + " SET name = $2 WHERE id = $1", k, name);
    tx.exec_params("UPDATE " + users +
                       " SET first_name = $2, last_name = $3 WHERE id = $1",
                   k, first, lastname);
    tx.commit();
    if (r.affected_rows() == 1) last[k] = name;
  };
  WriterPool<decltype(write)> writers(write);
  ASSERT_TRUE(writers.WaitForWrites(20));
  Backfill("UPDATE " + users_ +
           " SET first_name = split_part(name, ' ', 1), last_name = "
           "split_part(name, ' ', 2) WHERE id > $1 AND id <= $2 AND "
           "first_name IS NULL");
  writers.Stop();
  ASSERT_EQ(writers.errors(), 0) << writers.first_error();

  ExpectEqual(
      "SELECT id, split_part(name, ' ', 1), split_part(name, ' ', 2) "
      "FROM " +
          users_,
      "SELECT id, first_name, last_name FROM " + users_);
  // No update lost: each key holds its writer's last committed value.
  pqxx::nontransaction tx(*conn_);
  int checked = 0;
  for (const LastWrites& last : writers.last()) {
    for (const auto& [k, value] : last) {
      const pqxx::result r = tx.exec_params(
          "SELECT name, first_name FROM " + users_ + " WHERE id = $1", k);
      if (!value.has_value()) {
        EXPECT_TRUE(r.empty()) << "key " << k;
        continue;
      }
      ASSERT_EQ(r.size(), 1u) << "key " << k;
      EXPECT_EQ(r[0][0].c_str(), *value) << "key " << k;
      EXPECT_FALSE(r[0][1].is_null()) << "key " << k;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_F(SyncConcurrencyTest,
       TablesStayEqualWithLegacyWritersDualWritesAndBackfill) {
  Exec(*conn_, "CREATE TABLE " + users_ +
                   " (id bigint PRIMARY KEY, joined_pair_id bigint)");
  Exec(*conn_, "INSERT INTO " + users_ +
                   " SELECT g, CASE WHEN g % 17 = 0 THEN NULL ELSE g % 97 "
                   "END FROM generate_series(1, " +
                   std::to_string(kRows) + ") g");
  Exec(*conn_, "CREATE TABLE " + pairs_ +
                   " (user_id bigint NOT NULL REFERENCES " + users_ +
                   " (id) ON DELETE CASCADE, pair_id bigint NOT NULL, "
                   "joined_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY "
                   "(user_id, pair_id))");
  SyncDefinition d;
  d.name = name_;
  d.table = users_;
  d.key = {"id"};
  d.into = pairs_;
  d.columns = {"user_id", "pair_id"};
  d.from = "SELECT id, joined_pair_id FROM " + users_ +
           " WHERE joined_pair_id IS NOT NULL";
  absl::StatusOr<SyncInstallResult> installed =
      InstallSync(*conn_, d, SyncOptions{});
  ASSERT_TRUE(installed.ok()) << installed.status();

  const std::string users = users_;
  const std::string pairs = pairs_;
  auto write = [users, pairs](pqxx::connection& conn, int w,
                              std::mt19937_64& rng, LastWrites& last) {
    const int op = static_cast<int>(rng() % 10);
    const std::int64_t pair = static_cast<std::int64_t>(rng() % 500);
    const std::optional<std::int64_t> value =
        pair % 11 == 0 ? std::nullopt : std::optional<std::int64_t>(pair);
    const std::string text = value ? std::to_string(*value) : "null";
    if (w < kLegacyWriters) {
      pqxx::nontransaction tx(conn);
      if (op == 0) {
        const std::int64_t k = OwnedKey(w, rng, true);
        tx.exec_params("INSERT INTO " + users +
                           " VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "
                           "joined_pair_id = EXCLUDED.joined_pair_id",
                       k, value);
        last[k] = text;
      } else if (op == 1) {
        const std::int64_t k = OwnedKey(w, rng, rng() % 2 == 0);
        tx.exec_params("DELETE FROM " + users + " WHERE id = $1", k);
        last[k] = std::nullopt;
      } else {
        const std::int64_t k = OwnedKey(w, rng, false);
        const pqxx::result r = tx.exec_params(
            "UPDATE " + users + " SET joined_pair_id = $2 WHERE id = $1", k,
            value);
        if (r.affected_rows() == 1) last[k] = text;
      }
      return;
    }
    const std::int64_t k = OwnedKey(w, rng, false);
    pqxx::work tx(conn);
    tx.exec(std::string(kMarkDualWriteSql));
    const pqxx::result r = tx.exec_params(
        "UPDATE " + users + " SET joined_pair_id = $2 WHERE id = $1", k, value);
    tx.exec_params("DELETE FROM " + pairs + " WHERE user_id = $1", k);
    if (value.has_value() && r.affected_rows() == 1) {
      tx.exec_params(
          "INSERT INTO " + pairs + " (user_id, pair_id) VALUES ($1, $2)", k,
          *value);
    }
    tx.commit();
    if (r.affected_rows() == 1) last[k] = text;
  };
  WriterPool<decltype(write)> writers(write);
  ASSERT_TRUE(writers.WaitForWrites(20));
  Backfill("INSERT INTO " + pairs_ +
           " (user_id, pair_id) SELECT u.id, u.joined_pair_id FROM " + users_ +
           " u WHERE u.id > $1 AND u.id <= $2 AND u.joined_pair_id IS NOT "
           "NULL AND NOT EXISTS (SELECT 1 FROM " +
           pairs_ +
           " up WHERE up.user_id = u.id) FOR UPDATE OF u ON CONFLICT DO "
           "NOTHING");
  writers.Stop();
  ASSERT_EQ(writers.errors(), 0) << writers.first_error();

  ExpectEqual("SELECT id, joined_pair_id FROM " + users_ +
                  " WHERE joined_pair_id IS NOT NULL",
              "SELECT user_id, pair_id FROM " + pairs_);
  pqxx::nontransaction tx(*conn_);
  int checked = 0;
  for (const LastWrites& last : writers.last()) {
    for (const auto& [k, value] : last) {
      const pqxx::result r =
          tx.exec_params("SELECT coalesce(joined_pair_id::text, 'null') FROM " +
                             users_ + " WHERE id = $1",
                         k);
      if (!value.has_value()) {
        EXPECT_TRUE(r.empty()) << "key " << k;
        continue;
      }
      ASSERT_EQ(r.size(), 1u) << "key " << k;
      EXPECT_EQ(r[0][0].c_str(), *value) << "key " << k;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_F(SyncConcurrencyTest, ColumnsReverseConvergesWithoutEcho) {
  testing::CreateUsersTable(*conn_, users_, 10);
  SyncDefinition d;
  d.name = name_;
  d.table = users_;
  d.key = {"id"};
  d.set = {{"first_name", "split_part(name, ' ', 1)"},
           {"last_name", "substr(name, strpos(name, ' ') + 1)"}};
  d.reverse = {{"name", "first_name || ' ' || last_name"}};
  ASSERT_TRUE(InstallSync(*conn_, d, SyncOptions{}).ok());
  auto row = [&](int id) {
    pqxx::nontransaction tx(*conn_);
    const pqxx::row r = tx.exec_params1(
        "SELECT name, coalesce(first_name, '-'), coalesce(last_name, '-') "
        "FROM " +
            users_ + " WHERE id = $1",
        id);
    return std::string(r[0].c_str()) + "|" + r[1].c_str() + "|" + r[2].c_str();
  };
  // Old side written: the new side follows.
  Exec(*conn_, "UPDATE " + users_ + " SET name = 'Ann Lee' WHERE id = 1");
  EXPECT_EQ(row(1), "Ann Lee|Ann|Lee");
  // New side written: the old side follows, and the forward direction does
  // not echo back (it would split "Mary Ann" differently).
  Exec(*conn_, "UPDATE " + users_ +
                   " SET first_name = 'Mary Ann', last_name = 'Smith' WHERE "
                   "id = 1");
  EXPECT_EQ(row(1), "Mary Ann Smith|Mary Ann|Smith");
  // A new-schema-only insert fills the old NOT NULL column.
  Exec(*conn_, "INSERT INTO " + users_ +
                   " (id, first_name, last_name) VALUES (100, 'Bo', 'Di')");
  EXPECT_EQ(row(100), "Bo Di|Bo|Di");
  // The backfill's write of the new side agrees with the old: name untouched.
  Exec(*conn_, "UPDATE " + users_ + " SET name = '  Cy  Ho ' WHERE id = 2");
  Exec(*conn_, "UPDATE " + users_ +
                   " SET first_name = split_part(name, ' ', 1), last_name = "
                   "substr(name, strpos(name, ' ') + 1) WHERE id = 2");
  EXPECT_EQ(row(2), "  Cy  Ho || Cy  Ho ");
  // A dual write (marked) is left alone on both sides.
  {
    pqxx::work tx(*conn_);
    tx.exec(std::string(kMarkDualWriteSql));
    tx.exec("UPDATE " + users_ + " SET name = 'X Y' WHERE id = 3");
    tx.exec("UPDATE " + users_ +
            " SET first_name = 'App', last_name = 'Wrote' WHERE id = 3");
    tx.commit();
  }
  EXPECT_EQ(row(3), "X Y|App|Wrote");
}

TEST_F(SyncConcurrencyTest,
       TableReverseConvergesUnderConcurrentWritesOnBothSides) {
  Exec(*conn_, "CREATE TABLE " + users_ +
                   " (id bigint PRIMARY KEY, joined_pair_id bigint)");
  Exec(*conn_, "INSERT INTO " + users_ +
                   " SELECT g, NULL FROM generate_series(1, 200) g");
  Exec(*conn_, "CREATE TABLE " + pairs_ +
                   " (user_id bigint NOT NULL REFERENCES " + users_ +
                   " (id) ON DELETE CASCADE, pair_id bigint NOT NULL, "
                   "PRIMARY KEY (user_id, pair_id))");
  SyncDefinition d;
  d.name = name_;
  d.table = users_;
  d.key = {"id"};
  d.into = pairs_;
  d.columns = {"user_id", "pair_id"};
  d.from = "SELECT id, joined_pair_id FROM " + users_ +
           " WHERE joined_pair_id IS NOT NULL";
  d.reverse = {{"joined_pair_id", "(SELECT min(pair_id) FROM " + pairs_ +
                                      " p WHERE p.user_id = " + users_ +
                                      ".id)"}};
  absl::StatusOr<SyncInstallResult> installed =
      InstallSync(*conn_, d, SyncOptions{});
  ASSERT_TRUE(installed.ok()) << installed.status();

  // Loop protection, observed: two rows on the new side; the reverse
  // trigger sets the old column to the smaller pair, and the forward
  // trigger does not echo that write by deleting the other row.
  Exec(*conn_, "UPDATE " + users_ + " SET joined_pair_id = 5 WHERE id = 1");
  Exec(*conn_, "INSERT INTO " + pairs_ + " VALUES (1, 3)");
  EXPECT_EQ(QueryInt(*conn_,
                     "SELECT joined_pair_id FROM " + users_ + " WHERE id = 1"),
            3);
  EXPECT_EQ(
      QueryInt(*conn_, "SELECT count(*) FROM " + pairs_ + " WHERE user_id = 1"),
      2);
  Exec(*conn_, "DELETE FROM " + pairs_ + " WHERE user_id = 1");
  EXPECT_EQ(QueryInt(*conn_,
                     "SELECT joined_pair_id FROM " + users_ + " WHERE id = 1"),
            -1);  // NULL

  // Writers on both sides of the same keys at once.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::vector<std::thread> threads;
  std::atomic<int> writes{0};
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      auto conn = ConnectScratch();
      if (conn == nullptr) return;
      std::mt19937_64 rng(7 + w);
      while (!stop || writes < 800) {
        const std::int64_t k = 1 + static_cast<std::int64_t>(rng() % 20);
        const std::int64_t v = static_cast<std::int64_t>(rng() % 50);
        try {
          pqxx::nontransaction tx(*conn);
          switch (rng() % 4) {
            case 0:
              tx.exec_params(
                  "UPDATE " + users_ + " SET joined_pair_id = $2 WHERE id = $1",
                  k, v);
              break;
            case 1:
              tx.exec_params("INSERT INTO " + pairs_ +
                                 " VALUES ($1, $2) ON CONFLICT DO NOTHING",
                             k, v);
              break;
            case 2:
              tx.exec_params("DELETE FROM " + pairs_ +
                                 " WHERE user_id = $1 AND pair_id <= $2",
                             k, v);
              break;
            default:
              tx.exec_params("UPDATE " + pairs_ +
                                 " SET pair_id = $2 WHERE user_id = $1 AND "
                                 "pair_id = (SELECT min(pair_id) FROM " +
                                 pairs_ + " WHERE user_id = $1)",
                             k, v);
          }
          ++writes;
        } catch (const pqxx::transaction_rollback&) {
          // Writers on both sides of one key can deadlock; PostgreSQL
          // aborts one, whose write did not happen. Convergence is about
          // the writes that committed.
          continue;
        } catch (const pqxx::unique_violation&) {
          continue;  // two writers inserted the same row at once
        } catch (const pqxx::failure& e) {
          if (failures++ == 0) first_failure = e.what();
          return;
        }
      }
    });
  }
  ASSERT_TRUE(
      testing::PollUntil([&] { return writes >= 800 || failures > 0; }));
  stop = true;
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures, 0) << first_failure;
  // Converged: every old value is what the reverse computes from the new
  // side, and every old value has its row on the new side.
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + users_ +
                                 " u WHERE u.joined_pair_id IS DISTINCT FROM "
                                 "(SELECT min(pair_id) FROM " +
                                 pairs_ + " p WHERE p.user_id = u.id)"),
            0);
}

}  // namespace
}  // namespace cutover::pg
