// Backfill over every common key type, over hostile table and column names,
// and its refusals: a checkpoint recorded for another command, a key that is
// not indexed or holds NULLs, a first bound that cannot be derived.
#include <cstdint>
#include <memory>
#include <ostream>
#include <pqxx/pqxx>
#include <string>

#include "cutover/backfill.h"
#include "cutover/backfill_checkpoint.h"
#include "cutover/redis_url.h"
#include "cutover/sql_identifier.h"
#include "gtest/gtest.h"
#include "support/pg_scratch.h"
#include "support/test_env.h"

namespace cutover::pg {
namespace {

using testing::ConnectScratch;
using testing::Exec;
using testing::QueryInt;
using testing::ScratchName;
using testing::ScratchTable;

constexpr std::int64_t kRows = 1000;

struct KeyTypeCase {
  const char* name;
  const char* type;
  const char* key_from_g;  // expression over generate_series' g
};

void PrintTo(const KeyTypeCase& c, std::ostream* os) { *os << c.name; }

class BackfillKeyTypeTest : public ::testing::TestWithParam<KeyTypeCase> {};

TEST_P(BackfillKeyTypeTest, VisitsEveryRowExactlyOnce) {
  std::unique_ptr<pqxx::connection> conn = ConnectScratch();
  ASSERT_NE(conn, nullptr);
  const std::string t = ScratchName("keytype");
  ScratchTable guard(*conn, t);
  Exec(*conn, std::string("CREATE TABLE ") + t + " (k " + GetParam().type +
                  " PRIMARY KEY, visits int NOT NULL DEFAULT 0)");
  Exec(*conn, "INSERT INTO " + t + " (k) SELECT " + GetParam().key_from_g +
                  " FROM generate_series(1, " + std::to_string(kRows) + ") g");
  Exec(*conn, "ANALYZE " + t);
  BackfillOptions o;
  o.table = t;
  o.key_column = "k";
  o.statement =
      "UPDATE " + t + " SET visits = visits + 1 WHERE k > $1 AND k <= $2";
  o.batch.initial = 97;
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn, o, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows_updated, kRows);
  EXPECT_EQ(r->batches, (kRows + 96) / 97);
  EXPECT_EQ(QueryInt(*conn, "SELECT count(*) FROM " + t + " WHERE visits <> 1"),
            0);
  EXPECT_EQ(*r->last_key, pqxx::nontransaction(*conn)
                              .exec("SELECT s.k::text FROM " + t +
                                    " s ORDER BY s.k DESC LIMIT 1")[0][0]
                              .c_str());
}

INSTANTIATE_TEST_SUITE_P(
    All, BackfillKeyTypeTest,
    ::testing::Values(
        KeyTypeCase{"Bigint", "bigint", "g * 7 - 3000"},
        KeyTypeCase{"Integer", "integer", "g"},
        KeyTypeCase{"Numeric", "numeric", "g / 3.0"},
        KeyTypeCase{"Text", "text", "'user-' || g"},
        KeyTypeCase{"Uuid", "uuid", "md5(g::text)::uuid"},
        KeyTypeCase{"Timestamptz", "timestamptz",
                    "'2024-01-01'::timestamptz + g * interval '1 second'"},
        KeyTypeCase{"Date", "date", "'2000-01-01'::date + g"}),
    [](const ::testing::TestParamInfo<KeyTypeCase>& info) {
      return std::string(info.param.name);
    });

class BackfillRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    t_ = ScratchName("refuse");
    guard_ = std::make_unique<ScratchTable>(*conn_, t_);
    Exec(*conn_, "CREATE TABLE " + t_ +
                     " (id bigint PRIMARY KEY, other int, label text, b text)");
    Exec(*conn_, "INSERT INTO " + t_ +
                     " SELECT g, g, 'l' || g FROM generate_series(1, 100) g");
  }
  BackfillOptions Options() const {
    BackfillOptions o;
    o.table = t_;
    o.key_column = "id";
    o.statement = "UPDATE " + t_ + " SET b = label WHERE id > $1 AND id <= $2";
    return o;
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::string t_;
  std::unique_ptr<ScratchTable> guard_;
};

TEST_F(BackfillRefusalTest, UnknownTableOrColumnIsInvalidArgument) {
  BackfillOptions o = Options();
  o.table = t_ + "_missing";
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find("does not exist"),
            std::string::npos);
  o = Options();
  o.key_column = "nope";
  r = RunBackfill(*conn_, o, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find("no column 'nope'"),
            std::string::npos);
}

TEST_F(BackfillRefusalTest, UnindexedKeyIsRefused) {
  BackfillOptions o = Options();
  o.key_column = "other";
  o.statement =
      "UPDATE " + t_ + " SET b = label WHERE other > $1 AND other <= $2";
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(r.status().message()).find("no btree index"),
            std::string::npos);
}

TEST_F(BackfillRefusalTest, KeyWithNullsIsRefused) {
  Exec(*conn_, "CREATE INDEX ON " + t_ + " (other)");
  Exec(*conn_, "UPDATE " + t_ + " SET other = NULL WHERE id = 50");
  BackfillOptions o = Options();
  o.key_column = "other";
  o.statement =
      "UPDATE " + t_ + " SET b = label WHERE other > $1 AND other <= $2";
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(r.status().message()).find("holds NULLs"),
            std::string::npos);
}

TEST_F(BackfillRefusalTest, StatementThePostgresRejectsFailsBeforeAnyBatch) {
  BackfillOptions o = Options();
  o.statement = "UPDATE " + t_ + " SET nope = 1 WHERE id > $1 AND id <= $2";
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find("--sql"), std::string::npos);
}

TEST_F(BackfillRefusalTest, SmallestTextKeyEmptyNeedsStartAfter) {
  const std::string t = ScratchName("textkey");
  ScratchTable guard(*conn_, t);
  Exec(*conn_, "CREATE TABLE " + t + " (k text PRIMARY KEY, b int)");
  Exec(*conn_, "INSERT INTO " + t + " VALUES (''), ('a'), ('b')");
  BackfillOptions o;
  o.table = t;
  o.key_column = "k";
  o.statement = "UPDATE " + t + " SET b = 1 WHERE k > $1 AND k <= $2";
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find("--start-after"),
            std::string::npos);
  // No text sorts below '', so the operator walks from '' and handles the one
  // row with k = '' on their own.
  o.start_after = "";
  r = RunBackfill(*conn_, o, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows_updated, 2);
}

TEST_F(BackfillRefusalTest, EmptyTableCompletesAtOnce) {
  Exec(*conn_, "DELETE FROM " + t_);
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, Options(), nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->batches, 0);
  EXPECT_FALSE(r->last_key.has_value());
}

TEST_F(BackfillRefusalTest, CheckpointOfAnotherCommandIsRefused) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(testing::RedisUrl());
  ASSERT_TRUE(endpoint.ok());
  auto store = BackfillCheckpointStore::Connect(
      *endpoint, testing::UniquePrefix("backfill_refuse"));
  ASSERT_TRUE(store.ok()) << store.status();
  BackfillOptions o = Options();
  o.checkpoint = "cp";
  o.batch.initial = 30;
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn_, o, store->get());
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::optional<BackfillCheckpoint>> cp = (*store)->Load("cp");
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_TRUE((*cp)->done);
  EXPECT_EQ((*cp)->last_key, std::optional<std::string>("100"));
  EXPECT_EQ((*cp)->rows_updated, 100);
  EXPECT_EQ((*cp)->batches, 4);
  EXPECT_EQ((*cp)->key_column, "id");

  BackfillOptions changed = o;
  changed.statement =
      "UPDATE " + t_ + " SET b = upper(label) WHERE id > $1 AND id <= $2";
  r = RunBackfill(*conn_, changed, store->get());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(r.status().message()).find("statement changed"),
            std::string::npos)
      << r.status();

  changed = o;
  changed.key_column = "other";
  Exec(*conn_, "CREATE INDEX ON " + t_ + " (other)");
  changed.statement =
      "UPDATE " + t_ + " SET b = label WHERE other > $1 AND other <= $2";
  r = RunBackfill(*conn_, changed, store->get());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(r.status().message()).find("key column \"id\""),
            std::string::npos)
      << r.status();

  // --reset-checkpoint starts the changed command over.
  changed = o;
  changed.statement =
      "UPDATE " + t_ + " SET b = upper(label) WHERE id > $1 AND id <= $2";
  changed.reset_checkpoint = true;
  r = RunBackfill(*conn_, changed, store->get());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows_updated, 100);
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + t_ + " WHERE b = 'L7'"),
            1);
  ASSERT_TRUE((*store)->Delete("cp").ok());
}

// Names chosen to break naive string building: quotes, a statement
// terminator, a comment, mixed case and a dot. The backfill must treat them as
// names, and the canary table must survive.
TEST(BackfillHostileNames, AreQuotedNeverExecuted) {
  std::unique_ptr<pqxx::connection> conn = ConnectScratch();
  ASSERT_NE(conn, nullptr);
  const std::string canary = ScratchName("canary");
  ScratchTable canary_guard(*conn, canary);
  Exec(*conn, "CREATE TABLE " + canary + " (x int)");
  const std::string table =
      "Evil\"; DROP TABLE " + canary + "; --." + ScratchName("t");
  const std::string column = "I\"d); DROP TABLE " + canary + "; --";
  const std::string qt = *QuoteIdentifier(table);
  const std::string qc = *QuoteIdentifier(column);
  ScratchTable guard(*conn, qt);
  Exec(*conn, "CREATE TABLE " + qt + " (" + qc + " bigint PRIMARY KEY, v int)");
  Exec(*conn, "INSERT INTO " + qt + " SELECT g FROM generate_series(1, 500) g");
  BackfillOptions o;
  o.table = table;  // the exact name: no PostgreSQL reading of it exists
  o.key_column = column;
  o.statement =
      "UPDATE " + qt + " SET v = 1 WHERE " + qc + " > $1 AND " + qc + " <= $2";
  o.batch.initial = 64;
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn, o, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows_updated, 500);
  EXPECT_EQ(QueryInt(*conn, "SELECT count(*) FROM " + canary), 0);  // exists
  EXPECT_EQ(QueryInt(*conn, "SELECT count(*) FROM " + qt + " WHERE v = 1"),
            500);
}

TEST(BackfillHostileNames,
     QuotedAndSchemaQualifiedNamesResolveAsPostgresWould) {
  std::unique_ptr<pqxx::connection> conn = ConnectScratch();
  ASSERT_NE(conn, nullptr);
  const std::string schema = ScratchName("schema");
  Exec(*conn, "CREATE SCHEMA " + schema);
  const std::string mixed = "\"Mixed.Case\"";
  Exec(*conn, "CREATE TABLE " + schema + "." + mixed +
                  " (\"Id\" int PRIMARY KEY, v int)");
  Exec(*conn, "INSERT INTO " + schema + "." + mixed +
                  " SELECT g FROM generate_series(1, 10) g");
  BackfillOptions o;
  o.table = schema + "." + mixed;
  o.key_column = "\"Id\"";
  o.statement = "UPDATE " + schema + "." + mixed +
                " SET v = 1 WHERE \"Id\" > $1 AND \"Id\" <= $2";
  absl::StatusOr<BackfillResult> r = RunBackfill(*conn, o, nullptr);
  Exec(*conn, "DROP SCHEMA " + schema + " CASCADE");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows_updated, 10);
}

}  // namespace
}  // namespace cutover::pg
