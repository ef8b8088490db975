// The migration router on real PostgreSQL and Redis, with the example of
// moving users.joined_pair_id into a user_pair join table:
//  - four threads read and write while the flag moves off -> dualwrite ->
//    shadow -> live -> rampdown; afterwards every user agrees on both sides
//    (checked with SQL), nothing diverged without a reconcile entry, and
//    snapshot reads saw no mismatch unless a write really failed;
//  - strict vs tolerant on a new-side constraint violation;
//  - `cutover reconcile` repairs exactly the recorded keys, leaves failures
//    in place, and is safe to run twice;
//  - both reads of a comparison on one snapshot: a write committed between
//    them is not a mismatch (and is one without the snapshot);
//  - concurrent execution: candidates on the executor with their own
//    connections;
//  - writes given as statements (write_old_statements,
//    write_new_statements): both sides in the stage's order, in a
//    transaction marked for the sync triggers only when both sides are
//    written; a failure of the other side is rolled back alone (tolerant,
//    with a reconcile entry) or with everything (strict).
// Every test has its own schema and Redis prefix (ctest runs two at once)
// and removes them.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/pg_migration.h"
#include "cutover/pg_pool.h"
#include "cutover/reconcile_stream.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"
#include "cutover/redis_reconcile_log.h"
#include "nlohmann/json.hpp"
#include "support/status_testing.h"
#include "support/test_env.h"
#include "support/test_redis.h"

namespace cutover::pg {
namespace {

using Pairs = std::vector<std::int64_t>;
using std::chrono::milliseconds;

constexpr char kFlag[] = "pair_membership";
constexpr std::int64_t kMissingPair = 666;  // not in pairs: an FK violation

// What the application writes: the user joins a pair, or leaves (nullopt).
struct Membership {
  std::int64_t user = 0;
  std::optional<std::int64_t> pair;
};

using PairMigration = PgMigration<std::int64_t, Pairs, Membership>;

void Exec(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  tx.exec(sql);
}

// A schema of the test's own: the old `users.joined_pair_id` (no foreign
// key, as legacy schemas go), the `pairs` it points at, and the new
// `user_pair` join table, whose foreign key the old column never had.
class PairSchema {
 public:
  PairSchema(pqxx::connection& conn, int users) : conn_(conn) {
    static std::atomic<int> counter{0};
    name_ = "mig_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    Exec(conn_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    Exec(conn_, "CREATE SCHEMA " + name_);
    Exec(conn_, "CREATE TABLE " + T("pairs") + " (id bigint PRIMARY KEY)");
    Exec(conn_, "INSERT INTO " + T("pairs") +
                    " SELECT g FROM generate_series(1, 50) g");
    Exec(conn_, "CREATE TABLE " + T("users") +
                    " (id bigint PRIMARY KEY, name text NOT NULL,"
                    " joined_pair_id bigint)");
    Exec(conn_, "INSERT INTO " + T("users") +
                    " SELECT g, 'user' || g, CASE WHEN g % 3 = 0 THEN NULL"
                    " ELSE g % 50 + 1 END FROM generate_series(1, " +
                    std::to_string(users) + ") g");
    Exec(conn_, "CREATE TABLE " + T("user_pair") +
                    " (user_id bigint PRIMARY KEY REFERENCES " + T("users") +
                    " (id), pair_id bigint NOT NULL REFERENCES " + T("pairs") +
                    " (id))");
  }
  ~PairSchema() {
    try {
      Exec(conn_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    } catch (const std::exception&) {
      // A lost connection leaves the schema behind; the name is unique.
    }
  }
  PairSchema(const PairSchema&) = delete;
  PairSchema& operator=(const PairSchema&) = delete;

  std::string T(const std::string& table) const { return name_ + "." + table; }

  // The backfill: copies every membership, locking the old rows so a
  // concurrent dual write either waits for it or is seen by it.
  std::string BackfillSql() const {
    return "INSERT INTO " + T("user_pair") +
           " (user_id, pair_id) SELECT id, joined_pair_id FROM " + T("users") +
           " WHERE joined_pair_id IS NOT NULL FOR SHARE"
           " ON CONFLICT (user_id) DO UPDATE SET pair_id = EXCLUDED.pair_id";
  }

  // Re-copies one user from the old side to the new one ($1 = user id).
  std::string ReconcileSql() const {
    return "WITH src AS (SELECT id, joined_pair_id FROM " + T("users") +
           " WHERE id = $1::bigint FOR SHARE), del AS (DELETE FROM " +
           T("user_pair") +
           " p USING src WHERE p.user_id = src.id AND src.joined_pair_id IS "
           "NULL) INSERT INTO " +
           T("user_pair") +
           " (user_id, pair_id) SELECT id, joined_pair_id FROM src WHERE "
           "joined_pair_id IS NOT NULL ON CONFLICT (user_id) DO UPDATE SET "
           "pair_id = EXCLUDED.pair_id";
  }

  // Users whose old and new memberships differ.
  std::set<std::string> Diverging() const {
    pqxx::nontransaction tx(conn_);
    pqxx::result r = tx.exec(
        "SELECT u.id FROM " + T("users") + " u LEFT JOIN " + T("user_pair") +
        " p ON p.user_id = u.id WHERE u.joined_pair_id IS DISTINCT FROM "
        "p.pair_id ORDER BY u.id");
    std::set<std::string> ids;
    for (const auto& row : r) ids.insert(row[0].c_str());
    return ids;
  }

  // users.joined_pair_id of `user` (-1 for NULL), user_pair's (-1 if none).
  std::int64_t OldPair(std::int64_t user) const {
    return Scalar("SELECT joined_pair_id FROM " + T("users") +
                  " WHERE id = " + std::to_string(user));
  }
  std::int64_t NewPair(std::int64_t user) const {
    return Scalar("SELECT pair_id FROM " + T("user_pair") +
                  " WHERE user_id = " + std::to_string(user));
  }

 private:
  std::int64_t Scalar(const std::string& sql) const {
    pqxx::nontransaction tx(conn_);
    pqxx::result r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return -1;
    return r[0][0].as<std::int64_t>();
  }

  pqxx::connection& conn_;
  std::string name_;
};

// Everything one test needs: a schema, a Redis prefix with the flag, the
// live client, a pool, and the pieces of the migration.
class MigrationPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_url_ = testing::DatabaseUrl();
    redis_url_ = testing::RedisUrl();
    ASSERT_FALSE(db_url_.empty() || redis_url_.empty());
    admin_conn_ = std::make_unique<pqxx::connection>(db_url_);
    schema_ = std::make_unique<PairSchema>(*admin_conn_, kUsers);
    prefix_ = testing::UniquePrefix("migration_pg");
    auto store = RedisFlagStore::FromUrl(redis_url_, prefix_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::shared_ptr<RedisFlagStore>(std::move(*store));
    Flag flag;
    flag.name = kFlag;
    flag.default_stage = Stage::kOff;
    flag.sample_rate = 1.0;
    ASSERT_TRUE(FlagAdmin(*store_).Create(flag, {"test", false}).ok());
    ClientOptions options;
    options.prefix = prefix_;
    options.logger = MakeNullLogger();
    auto client = Client::StartRedis(redis_url_, options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    PgPool::Options pool_options;
    pool_options.max_connections = 12;
    auto pool = PgPool::Create(db_url_, pool_options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    RedisReconcileLog::Options log_options;
    log_options.redis_url = redis_url_;
    log_options.prefix = prefix_;
    log_options.logger = MakeNullLogger();
    auto log = RedisReconcileLog::Create(log_options);
    ASSERT_TRUE(log.ok()) << log.status();
    reconcile_log_ = *std::move(log);
  }

  void TearDown() override {
    reconcile_log_.reset();
    client_.reset();
    if (auto redis = testing::ConnectForTest(redis_url_)) {
      testing::DeleteKeysUnder(*redis, prefix_);
    }
  }

  void SetStage(Stage stage) {
    auto updated = FlagAdmin(*store_).Update(kFlag, "stage",
                                             [stage](Flag& f) {
                                               f.default_stage = stage;
                                               return absl::OkStatus();
                                             },
                                             {"test", false});
    ASSERT_TRUE(updated.ok()) << updated.status();
    ASSERT_TRUE(
        client_->WaitForVersion(*store_->Version(), milliseconds(10000)));
  }

  void Backfill() { Exec(*admin_conn_, schema_->BackfillSql()); }

  PairMigration::Config Config(bool strict) {
    const std::string users = schema_->T("users");
    const std::string user_pair = schema_->T("user_pair");
    PairMigration::Config config;
    config.flag = kFlag;
    config.strict = strict;
    config.write_operation = "join_pair";
    config.publisher = publisher_;
    config.tracker = tracker_;
    config.reconcile_log = reconcile_log_;
    config.logger = MakeNullLogger();
    config.read_old = [users](
                          pqxx::transaction_base& tx,
                          const std::int64_t& user) -> absl::StatusOr<Pairs> {
      pqxx::result r = tx.exec_params(
          "SELECT joined_pair_id FROM " + users + " WHERE id = $1", user);
      if (r.empty()) return absl::NotFoundError("no such user");
      if (r[0][0].is_null()) return Pairs{};
      return Pairs{r[0][0].as<std::int64_t>()};
    };
    config.read_new = [user_pair](
                          pqxx::transaction_base& tx,
                          const std::int64_t& user) -> absl::StatusOr<Pairs> {
      Pairs pairs;
      for (const auto& row :
           tx.exec_params("SELECT pair_id FROM " + user_pair +
                              " WHERE user_id = $1 ORDER BY pair_id",
                          user)) {
        pairs.push_back(row[0].as<std::int64_t>());
      }
      return pairs;
    };
    config.write_old = [users](pqxx::transaction_base& tx,
                               const Membership& m) {
      const std::string pair = m.pair ? std::to_string(*m.pair) : "";
      tx.exec_params("UPDATE " + users +
                         " SET joined_pair_id = $2::bigint"
                         " WHERE id = $1",
                     m.user, m.pair ? pair.c_str() : nullptr);
      return absl::OkStatus();
    };
    config.write_new = [user_pair](pqxx::transaction_base& tx,
                                   const Membership& m) {
      if (m.pair) {
        tx.exec_params("INSERT INTO " + user_pair +
                           " (user_id, pair_id) VALUES ($1, $2) ON CONFLICT"
                           " (user_id) DO UPDATE SET pair_id = "
                           "EXCLUDED.pair_id",
                       m.user, *m.pair);
      } else {
        tx.exec_params("DELETE FROM " + user_pair + " WHERE user_id = $1",
                       m.user);
      }
      return absl::OkStatus();
    };
    config.entity_key = [](const Membership& m) {
      return std::to_string(m.user);
    };
    config.clean = [](const Pairs& pairs) {
      std::string out = "[";
      for (std::int64_t p : pairs) {
        out += (out.size() > 1 ? "," : "") + std::to_string(p);
      }
      return out + "]";
    };
    return config;
  }

  absl::StatusOr<PairMigration::MigrationType> Make(
      PairMigration::Config config) {
    return PairMigration::Create(*client_, pool_, std::move(config));
  }

  // The reconcile stream's entries, after the log wrote what it has.
  std::vector<ReconcileEntry> StoredEntries() {
    EXPECT_TRUE(reconcile_log_->Flush(milliseconds(10000)).ok());
    auto endpoint = ParseRedisUrl(redis_url_);
    auto conn = RedisConnection::Connect(*endpoint);
    EXPECT_TRUE(conn.ok());
    if (!conn.ok()) return {};
    ReconcileStream stream(**conn, RedisKeys(prefix_));
    auto entries = stream.Range(kFlag, "", "", 100000);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<ReconcileEntry>{};
  }

  testing::CommandResult Reconcile(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--redis",
                                     redis_url_,
                                     "--prefix",
                                     prefix_,
                                     "--json",
                                     "reconcile",
                                     kFlag,
                                     "--db",
                                     db_url_,
                                     "--sql",
                                     schema_->ReconcileSql()};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::RunCutover(args);
  }

  static constexpr int kUsers = 200;
  std::string db_url_;
  std::string redis_url_;
  std::string prefix_;
  std::unique_ptr<pqxx::connection> admin_conn_;
  std::unique_ptr<PairSchema> schema_;
  std::shared_ptr<RedisFlagStore> store_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<PgPool> pool_;
  std::shared_ptr<RedisReconcileLog> reconcile_log_;
  std::shared_ptr<InMemoryPublisher> publisher_ =
      std::make_shared<InMemoryPublisher>();
  std::shared_ptr<InMemoryOperationTracker> tracker_ =
      std::make_shared<InMemoryOperationTracker>();
};

// ---- Four threads of traffic while the stage moves. ----

TEST_F(MigrationPgTest,
       ConcurrentTrafficWhileTheStageMovesKeepsBothSidesEqual) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(Config(/*strict=*/false)));
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> caller_errors{0};
  std::atomic<std::int64_t> ops[kThreads] = {};
  std::mutex error_mu;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1234 + t);
      std::uniform_int_distribution<std::int64_t> user(1, kUsers);
      std::uniform_int_distribution<int> percent(0, 99);
      std::uniform_int_distribution<std::int64_t> pair(1, 50);
      while (!stop.load()) {
        const std::int64_t id = user(rng);
        const std::string uid = "user-" + std::to_string(id);
        absl::Status status;
        if (percent(rng) < 65) {
          status = migration.Read(EvaluationContext(uid), id).status();
        } else {
          Membership m{
              id, percent(rng) < 10 ? std::nullopt : std::optional(pair(rng))};
          status = migration.Write(EvaluationContext(uid), m);
        }
        if (!status.ok()) {
          ++caller_errors;
          std::lock_guard<std::mutex> lock(error_mu);
          if (first_error.empty()) first_error = status.ToString();
        }
        ++ops[t];
      }
    });
  }
  // Waits until every thread finished `n` more operations: with n >= 2, the
  // one in flight when the stage changed is done.
  auto wait_ops = [&](std::int64_t n) {
    std::int64_t target[kThreads];
    for (int t = 0; t < kThreads; ++t) target[t] = ops[t].load() + n;
    for (int t = 0; t < kThreads; ++t) {
      while (ops[t].load() < target[t]) {
        std::this_thread::sleep_for(milliseconds(1));
      }
    }
  };

  wait_ops(100);
  for (Stage stage :
       {Stage::kDualWrite, Stage::kShadow, Stage::kLive, Stage::kRampDown}) {
    SetStage(stage);
    wait_ops(2);
    // Once every write goes to both sides, copy the rows written before.
    if (stage == Stage::kDualWrite) Backfill();
    wait_ops(120);
  }
  stop = true;
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(caller_errors.load(), 0) << first_error;
  const TrackerTotals totals = tracker_->Totals();
  for (Stage stage : {Stage::kOff, Stage::kDualWrite, Stage::kShadow,
                      Stage::kLive, Stage::kRampDown}) {
    EXPECT_GT(totals.reads().stage(stage) + totals.writes().stage(stage), 0u)
        << StageName(stage);
  }
  const MinuteCounters compared = publisher_->Totals(kFlag);
  EXPECT_GT(compared.get(StatsCounter::kComparisons), 100u);

  // Nothing diverged silently: every differing user has a reconcile entry
  // (a dual write whose second half lost a deadlock between a `shadow` and
  // a `live` write, say).
  std::set<std::string> recorded;
  for (const ReconcileEntry& e : StoredEntries()) recorded.insert(e.key);
  for (const std::string& id : schema_->Diverging()) {
    EXPECT_EQ(recorded.count(id), 1u)
        << "user " << id << " diverged without a reconcile entry";
  }
  // Both reads ran on one snapshot: without a failed write, no mismatch.
  if (recorded.empty()) {
    EXPECT_EQ(compared.get(StatsCounter::kMismatches), 0u);
  }
  if (!recorded.empty()) {
    testing::CommandResult r = Reconcile({});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  EXPECT_TRUE(schema_->Diverging().empty());
}

// ---- Strict vs tolerant on a new-side constraint violation. ----

class PolicyTest : public MigrationPgTest,
                   public ::testing::WithParamInterface<bool> {};

TEST_P(PolicyTest, NewSideConstraintViolationInDualWrite) {
  const bool strict = GetParam();
  SetStage(Stage::kDualWrite);
  Backfill();
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(Config(strict)));
  const std::int64_t before_old = schema_->OldPair(5);
  const std::int64_t before_new = schema_->NewPair(5);
  ASSERT_EQ(before_old, before_new);

  absl::Status s =
      migration.Write(EvaluationContext("user-5"), Membership{5, kMissingPair});
  std::vector<ReconcileEntry> entries = StoredEntries();
  if (strict) {
    // Both or neither: the old side's write was rolled back with the new
    // side's failure, and the caller sees the error.
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_NE(s.message().find("both writes were rolled back"),
              absl::string_view::npos)
        << s;
    EXPECT_NE(s.message().find("foreign key"), absl::string_view::npos) << s;
    EXPECT_EQ(schema_->OldPair(5), before_old);
    EXPECT_TRUE(entries.empty());
  } else {
    // The authoritative write committed; only the new side's was rolled
    // back, and the key waits for reconcile.
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(schema_->OldPair(5), kMissingPair);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].key, "5");
    EXPECT_EQ(entries[0].side, Side::kNew);
    EXPECT_EQ(entries[0].stage, Stage::kDualWrite);
    EXPECT_EQ(entries[0].operation, "join_pair");
    EXPECT_NE(entries[0].error.find("foreign key"), std::string::npos)
        << entries[0].error;
  }
  EXPECT_EQ(schema_->NewPair(5), before_new);
  // The connection used for the failed write is healthy for the next one.
  EXPECT_TRUE(
      migration.Write(EvaluationContext("user-6"), Membership{6, 7}).ok());
  EXPECT_EQ(schema_->OldPair(6), 7);
  EXPECT_EQ(schema_->NewPair(6), 7);
}

TEST_P(PolicyTest, AuthoritativeConstraintViolationWritesNothing) {
  SetStage(Stage::kDualWrite);
  Backfill();
  SetStage(Stage::kLive);
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(Config(GetParam())));
  const std::int64_t before_old = schema_->OldPair(5);
  absl::Status s =
      migration.Write(EvaluationContext("user-5"), Membership{5, kMissingPair});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(schema_->OldPair(5), before_old);
  EXPECT_EQ(schema_->NewPair(5), before_old);
  EXPECT_TRUE(StoredEntries().empty());
  const OperationTotals writes = tracker_->Totals().writes();
  EXPECT_EQ(writes.origin(Side::kOld).runs, 0u);
  EXPECT_EQ(writes.origin(Side::kNew).errors, 1u);
}

INSTANTIATE_TEST_SUITE_P(Policies, PolicyTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "strict" : "tolerant";
                         });

// ---- cutover reconcile. ----

TEST_F(MigrationPgTest, ReconcileRepairsExactlyTheFailedKeys) {
  SetStage(Stage::kDualWrite);
  Backfill();
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(Config(/*strict=*/false)));
  const std::set<std::string> failed = {"3", "7", "11"};
  for (std::int64_t id : {3, 7, 11}) {
    ASSERT_TRUE(
        migration.Write(EvaluationContext("u"), Membership{id, kMissingPair})
            .ok());
  }
  ASSERT_TRUE(migration.Write(EvaluationContext("u"), Membership{4, 9}).ok());
  // A divergence nobody recorded (a hand edit): reconcile must not touch it.
  Exec(*admin_conn_, "UPDATE " + schema_->T("user_pair") +
                         " SET pair_id = 42 WHERE user_id = 20");
  std::set<std::string> expected = failed;
  expected.insert("20");
  ASSERT_EQ(schema_->Diverging(), expected);
  ASSERT_EQ(StoredEntries().size(), 3u);

  // The cause is still there: every replay fails, the entries stay with
  // their error and one attempt more.
  testing::CommandResult r = Reconcile({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["flag"], kFlag);
  EXPECT_EQ(j["replayed"], 3);
  EXPECT_EQ(j["repaired"], 0);
  EXPECT_EQ(j["failed"], 3);
  EXPECT_EQ(j["remaining"], 3);
  std::vector<ReconcileEntry> left = StoredEntries();
  ASSERT_EQ(left.size(), 3u);
  for (const ReconcileEntry& e : left) {
    EXPECT_EQ(e.attempts, 1) << e.key;
    EXPECT_NE(e.error.find("foreign key"), std::string::npos) << e.error;
  }

  // Fix the cause (the missing pair), replay: exactly the failed keys are
  // repaired; the unrecorded divergence stays.
  Exec(*admin_conn_, "INSERT INTO " + schema_->T("pairs") + " VALUES (" +
                         std::to_string(kMissingPair) + ")");
  r = Reconcile({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["replayed"], 3);
  EXPECT_EQ(j["repaired"], 3);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["remaining"], 0);
  EXPECT_EQ(schema_->Diverging(), std::set<std::string>{"20"});
  for (std::int64_t id : {3, 7, 11}) {
    EXPECT_EQ(schema_->NewPair(id), kMissingPair);
  }

  // Safe to run twice: nothing left, nothing done.
  r = Reconcile({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["replayed"], 0);
  EXPECT_EQ(j["remaining"], 0);
}

struct ReconcileInputRow {
  std::string name;
  std::vector<std::string> args;  // after `reconcile`
  int exit_code;
  std::string message;
};

void PrintTo(const ReconcileInputRow& row, std::ostream* os) {
  *os << row.name;
}

class ReconcileInputTest
    : public MigrationPgTest,
      public ::testing::WithParamInterface<ReconcileInputRow> {};

TEST_P(ReconcileInputTest, RefusesWithAClearMessage) {
  std::vector<std::string> args = {"--redis", redis_url_, "--prefix", prefix_,
                                   "reconcile"};
  for (const std::string& a : GetParam().args) {
    args.push_back(a == "$DB" ? db_url_ : a);
  }
  testing::CommandResult r = testing::RunCutover(args);
  EXPECT_EQ(r.exit_code, GetParam().exit_code) << r.out << r.err;
  EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, ReconcileInputTest,
    ::testing::Values(
        ReconcileInputRow{"no_key_parameter",
                          {kFlag, "--db", "$DB", "--sql", "SELECT 1"},
                          2,
                          "must use $1"},
        ReconcileInputRow{
            "bad_flag_name",
            {"Pair Membership", "--db", "$DB", "--sql", "SELECT $1"},
            2,
            "not a valid flag name"},
        ReconcileInputRow{
            "bad_side",
            {kFlag, "--db", "$DB", "--sql", "SELECT $1", "--side", "both"},
            2,
            "--side must be"},
        ReconcileInputRow{"unknown_flag",
                          {"no_such_flag", "--db", "$DB", "--sql", "SELECT $1"},
                          3,
                          "unknown flag 'no_such_flag'"}),
    [](const ::testing::TestParamInfo<ReconcileInputRow>& info) {
      return info.param.name;
    });

TEST_F(MigrationPgTest, ReconcileWithoutEntriesIsANoOp) {
  testing::CommandResult r = Reconcile({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["replayed"], 0);
  EXPECT_EQ(j["repaired"], 0);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["remaining"], 0);
}

TEST_F(MigrationPgTest, InvalidStatementStopsWithoutTouchingEntries) {
  SetStage(Stage::kDualWrite);
  Backfill();
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(Config(/*strict=*/false)));
  ASSERT_TRUE(
      migration.Write(EvaluationContext("u"), Membership{3, kMissingPair})
          .ok());
  ASSERT_EQ(StoredEntries().size(), 1u);
  testing::CommandResult r = testing::RunCutover(
      {"--redis", redis_url_, "--prefix", prefix_, "reconcile", kFlag, "--db",
       db_url_, "--sql", "UPDATE no_such_table SET x = 1 WHERE id = $1"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--sql"), std::string::npos) << r.err;
  std::vector<ReconcileEntry> left = StoredEntries();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].attempts, 0);
}

// ---- Snapshot reads. ----

class SnapshotTest : public MigrationPgTest,
                     public ::testing::WithParamInterface<bool> {};

// A write commits between the old read and the new read of one comparison.
// On one snapshot both reads see the same instant: a match. Without it the
// new read sees the write: a false mismatch.
TEST_P(SnapshotTest, WriteBetweenTheTwoReadsIsNotAMismatchOnOneSnapshot) {
  const bool snapshot = GetParam();
  SetStage(Stage::kDualWrite);
  Backfill();
  SetStage(Stage::kShadow);
  PairMigration::Config config = Config(false);
  config.snapshot_reads = snapshot;
  auto inner_read_old = config.read_old;
  auto writer = std::make_shared<pqxx::connection>(db_url_);
  const std::string users = schema_->T("users");
  const std::string user_pair = schema_->T("user_pair");
  config.read_old = [inner_read_old, writer, users, user_pair](
                        pqxx::transaction_base& tx,
                        const std::int64_t& user) -> absl::StatusOr<Pairs> {
    absl::StatusOr<Pairs> pairs = inner_read_old(tx, user);
    // Another request moves the user to pair 49 on both sides, and commits.
    pqxx::work w(*writer);
    w.exec_params("UPDATE " + users + " SET joined_pair_id = 49 WHERE id = $1",
                  user);
    w.exec_params("INSERT INTO " + user_pair +
                      " VALUES ($1, 49) ON CONFLICT (user_id) DO UPDATE SET"
                      " pair_id = 49",
                  user);
    w.commit();
    return pairs;
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(std::move(config)));
  absl::StatusOr<Pairs> read = migration.Read(EvaluationContext("user-1"), 1);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Pairs{2});  // what user 1 had before the write
  const MinuteCounters c = publisher_->Totals(kFlag);
  EXPECT_EQ(c.get(StatsCounter::kComparisons), 1u);
  EXPECT_EQ(c.get(StatsCounter::kMismatches), snapshot ? 0u : 1u);
  EXPECT_EQ(schema_->NewPair(1), 49);
}

INSTANTIATE_TEST_SUITE_P(Snapshot, SnapshotTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "one_snapshot" : "two_reads";
                         });

// ---- Concurrent execution. ----

TEST_F(MigrationPgTest, ConcurrentCandidatesUseTheirOwnConnections) {
  SetStage(Stage::kDualWrite);
  Backfill();
  SetStage(Stage::kLive);
  ExperimentExecutor::Options eo;
  eo.workers = 2;
  auto executor = ExperimentExecutor::Create(eo);
  ASSERT_TRUE(executor.ok());
  PairMigration::Config config = Config(false);
  config.execution = ExecutionMode::kConcurrent;
  config.executor = *executor;
  config.candidate_deadline = std::chrono::seconds(30);
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(std::move(config)));
  for (std::int64_t id = 1; id <= 30; ++id) {
    absl::StatusOr<Pairs> read =
        migration.Read(EvaluationContext("user-" + std::to_string(id)), id);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->empty(), id % 3 == 0) << id;
  }
  ASSERT_TRUE((*executor)
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                             milliseconds(30000))
                  .ok());
  const MinuteCounters c = publisher_->Totals(kFlag);
  EXPECT_EQ(c.get(StatsCounter::kComparisons) + c.get(StatsCounter::kDropped),
            30u);
  EXPECT_EQ(c.get(StatsCounter::kMismatches), 0u);
  EXPECT_GT(c.get(StatsCounter::kMatches), 0u);
  const OperationTotals reads = tracker_->Totals().reads();
  EXPECT_EQ(reads.origin(Side::kNew).runs, 30u);
  EXPECT_EQ(reads.origin(Side::kOld).runs, c.get(StatsCounter::kComparisons));
}

// ---- Writes given as statements. ----

// The pair-membership writes as statements. Each side also logs itself, with
// the dual-write marker as its statement sees it, so that the order of the
// sides and the marking can be read back.
class StatementWritesTest : public MigrationPgTest,
                            public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    MigrationPgTest::SetUp();
    if (HasFatalFailure()) return;
    Exec(*admin_conn_, "CREATE TABLE " + schema_->T("write_log") +
                           " (id bigserial PRIMARY KEY, side text NOT NULL,"
                           " marker text NOT NULL)");
  }

  PairMigration::Config StatementConfig(bool strict) {
    PairMigration::Config config = Config(strict);
    // Unset: the statements must be what runs.
    config.write_old = nullptr;
    config.write_new = nullptr;
    const std::string users = schema_->T("users");
    const std::string user_pair = schema_->T("user_pair");
    const std::string log = LogStatement();
    config.write_old_statements = [users, log](const Membership& m) {
      return std::vector<PgStatement>{
          PgStatement::Sql(
              "UPDATE " + users + " SET joined_pair_id = $2 WHERE id = $1",
              m.user, m.pair),
          PgStatement::Sql(log, "old")};
    };
    config.write_new_statements = [user_pair, log](const Membership& m) {
      std::vector<PgStatement> out;
      if (m.pair) {
        out.push_back(PgStatement::Sql(
            "INSERT INTO " + user_pair +
                " (user_id, pair_id) VALUES ($1, $2) ON CONFLICT (user_id)"
                " DO UPDATE SET pair_id = EXCLUDED.pair_id",
            m.user, *m.pair));
      } else {
        out.push_back(PgStatement::Sql(
            "DELETE FROM " + user_pair + " WHERE user_id = $1", m.user));
      }
      out.push_back(PgStatement::Sql(log, "new"));
      return out;
    };
    return config;
  }

  std::string LogStatement() const {
    return "INSERT INTO " + schema_->T("write_log") +
           " (side, marker) VALUES ($1, coalesce(nullif(current_setting("
           "'cutover.dual_write', true), ''), '-'))";
  }

  // "old:on,new:on": the log since the last call.
  std::string TakeLog() {
    pqxx::nontransaction tx(*admin_conn_);
    pqxx::result r = tx.exec(
        "SELECT coalesce(string_agg(side || ':' || marker, ',' ORDER BY id),"
        " '') FROM " +
        schema_->T("write_log"));
    tx.exec("DELETE FROM " + schema_->T("write_log"));
    return r[0][0].as<std::string>();
  }
};

TEST_P(StatementWritesTest, EachStageWritesItsSidesInOrder) {
  Backfill();
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(StatementConfig(GetParam())));
  struct Step {
    Stage stage;
    std::string log;  // sides in order, with the marker each saw
  };
  const std::vector<Step> steps = {
      {Stage::kOff, "old:-"},  // one side: the sync triggers must run
      {Stage::kDualWrite, "old:on,new:on"},
      {Stage::kShadow, "old:on,new:on"},
      {Stage::kLive, "new:on,old:on"},
      {Stage::kRampDown, "new:on,old:on"},
  };
  std::int64_t user = 10;
  for (const Step& step : steps) {
    SCOPED_TRACE(StageName(step.stage));
    SetStage(step.stage);
    const std::int64_t before_new = schema_->NewPair(user);
    absl::Status s =
        migration.Write(EvaluationContext("user-" + std::to_string(user)),
                        Membership{user, 17});
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(TakeLog(), step.log);
    EXPECT_EQ(schema_->OldPair(user), 17);
    EXPECT_EQ(schema_->NewPair(user),
              step.stage == Stage::kOff ? before_new : 17);
    // Leaving a pair: NULL on the old side, no row on the new one.
    if (step.stage != Stage::kOff) {
      s = migration.Write(EvaluationContext("user-" + std::to_string(user)),
                          Membership{user, std::nullopt});
      EXPECT_TRUE(s.ok()) << s;
      EXPECT_EQ(TakeLog(), step.log);
      EXPECT_EQ(schema_->OldPair(user), -1);
      EXPECT_EQ(schema_->NewPair(user), -1);
    }
    ++user;
  }
  EXPECT_TRUE(StoredEntries().empty());
}

TEST_P(StatementWritesTest, OtherSideFailureFollowsThePolicy) {
  const bool strict = GetParam();
  SetStage(Stage::kDualWrite);
  Backfill();
  CUTOVER_ASSERT_OK_AND_ASSIGN(PairMigration::MigrationType migration,
                               Make(StatementConfig(strict)));
  const std::int64_t before = schema_->OldPair(5);
  ASSERT_EQ(schema_->NewPair(5), before);

  absl::Status s =
      migration.Write(EvaluationContext("user-5"), Membership{5, kMissingPair});
  std::vector<ReconcileEntry> entries = StoredEntries();
  if (strict) {
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_NE(s.message().find("foreign key"), absl::string_view::npos) << s;
    EXPECT_EQ(schema_->OldPair(5), before);
    EXPECT_TRUE(entries.empty());
    EXPECT_EQ(TakeLog(), "");
  } else {
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(schema_->OldPair(5), kMissingPair);
    // The new side's log statement was rolled back with its write.
    EXPECT_EQ(TakeLog(), "old:on");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].key, "5");
    EXPECT_EQ(entries[0].side, Side::kNew);
    EXPECT_EQ(entries[0].stage, Stage::kDualWrite);
    EXPECT_NE(entries[0].error.find("foreign key"), std::string::npos)
        << entries[0].error;
  }
  EXPECT_EQ(schema_->NewPair(5), before);
  // The connection is healthy for the next write.
  EXPECT_TRUE(
      migration.Write(EvaluationContext("user-6"), Membership{6, 7}).ok());
  EXPECT_EQ(schema_->OldPair(6), 7);
  EXPECT_EQ(schema_->NewPair(6), 7);
}

TEST_F(MigrationPgTest, AWriteNeedsItsCallableOrItsStatements) {
  PairMigration::Config config = Config(false);
  config.write_new = nullptr;
  absl::StatusOr<PairMigration::MigrationType> made = Make(config);
  EXPECT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(made.status().message().find("write_new_statements"),
            absl::string_view::npos)
      << made.status();
  config.write_new_statements = [](const Membership&) {
    return std::vector<PgStatement>{};
  };
  EXPECT_TRUE(Make(config).ok());
}

INSTANTIATE_TEST_SUITE_P(Policies, StatementWritesTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "strict" : "tolerant";
                         });

}  // namespace
}  // namespace cutover::pg
