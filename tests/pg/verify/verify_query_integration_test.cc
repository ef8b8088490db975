// Verify only reads, on real PostgreSQL: a second statement in --old or --new
// is refused before anything runs (also one that closes the wrapping subquery
// and slips in a COMMIT), writes attempted through the query fail in the READ
// ONLY snapshot, and in every case the rows are still there.
#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "cutover/table_verifier.h"
#include "gtest/gtest.h"
#include "support/pg_scratch.h"
#include "verify/verify_query.h"

namespace cutover::pg {
namespace {

using testing::ConnectScratch;
using testing::Exec;
using testing::QueryInt;
using testing::ScratchName;
using testing::ScratchTable;

constexpr std::int64_t kRows = 100;

class VerifyReadOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setup_conn_ = ConnectScratch();
    ASSERT_NE(setup_conn_, nullptr);
    old_conn_ = ConnectScratch();
    new_conn_ = ConnectScratch();
    table_ = ScratchName("verify_ro");
    guard_ = std::make_unique<ScratchTable>(*setup_conn_, table_);
    Exec(*setup_conn_,
         "CREATE TABLE " + table_ + " (id int PRIMARY KEY, email text)");
    Exec(*setup_conn_, "INSERT INTO " + table_ +
                           " SELECT g, 'u' || g || '@x' FROM "
                           "generate_series(1, " +
                           std::to_string(kRows) + ") g");
  }

  std::string Select() const { return "SELECT id, email FROM " + table_; }

  // Verifies `old_query` against the plain SELECT.
  absl::StatusOr<VerifyResult> VerifyOld(const std::string& old_query) {
    VerifyOptions o;
    o.old_query = old_query;
    o.new_query = Select();
    o.recheck_passes = 0;
    return VerifyTables(*old_conn_, *new_conn_, o);
  }

  std::int64_t Rows() {
    return QueryInt(*setup_conn_, "SELECT count(*) FROM " + table_);
  }

  std::unique_ptr<pqxx::connection> setup_conn_;
  std::unique_ptr<pqxx::connection> old_conn_;
  std::unique_ptr<pqxx::connection> new_conn_;
  std::string table_;
  std::unique_ptr<ScratchTable> guard_;
};

TEST_F(VerifyReadOnlyTest, TheUnchangedQueryVerifiesEqual) {
  const absl::StatusOr<VerifyResult> r = VerifyOld(Select() + ";\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->equal);
  EXPECT_EQ(r->rows_old, kRows);
}

TEST_F(VerifyReadOnlyTest, ASecondStatementIsRefusedNamingTheOption) {
  const absl::StatusOr<VerifyResult> old_side =
      VerifyOld(Select() + "; DELETE FROM " + table_);
  ASSERT_FALSE(old_side.ok());
  EXPECT_EQ(old_side.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(old_side.status().message().find(
                "--old holds more than one SQL statement"),
            std::string::npos)
      << old_side.status();

  VerifyOptions o;
  o.old_query = Select();
  o.new_query = Select() + "; DELETE FROM " + table_ + ";";
  const absl::StatusOr<VerifyResult> new_side =
      VerifyTables(*old_conn_, *new_conn_, o);
  ASSERT_FALSE(new_side.ok());
  EXPECT_EQ(new_side.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(new_side.status().message().find("--new holds more than one"),
            std::string::npos)
      << new_side.status();
  EXPECT_EQ(Rows(), kRows);
}

// The text closes the subquery verify wraps it in, ends the READ ONLY
// transaction and deletes in autocommit: what the simple query protocol would
// run as four statements.
TEST_F(VerifyReadOnlyTest, AStatementSmuggledPastTheSubqueryCannotCommit) {
  const absl::StatusOr<VerifyResult> r =
      VerifyOld(Select() + ") AS x; COMMIT; DELETE FROM " + table_ +
                "; SELECT * FROM (" + Select());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  // Parsed alone, the text is a syntax error (the unbalanced parenthesis):
  // refused before anything runs.
  EXPECT_NE(r.status().message().find("the --old query"), std::string::npos)
      << r.status();
  EXPECT_EQ(Rows(), kRows);
}

TEST_F(VerifyReadOnlyTest, ADataModifyingCteDeletesNothing) {
  const absl::StatusOr<VerifyResult> r =
      VerifyOld("WITH d AS (DELETE FROM " + table_ +
                " RETURNING id, email) SELECT id, email FROM d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Rows(), kRows);
}

TEST_F(VerifyReadOnlyTest, ADataModifyingCteAfterACommitDeletesNothing) {
  const absl::StatusOr<VerifyResult> r =
      VerifyOld(Select() + ") AS x; COMMIT; WITH d AS (DELETE FROM " + table_ +
                " RETURNING id, email) SELECT id, email FROM d; SELECT * FROM "
                "(" +
                Select());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Rows(), kRows);
}

// A data-modifying CTE that PostgreSQL does execute: inside a function the
// query calls. Only the READ ONLY transaction stands in its way.
TEST_F(VerifyReadOnlyTest, AWriteThroughAFunctionFailsBecauseItIsReadOnly) {
  const std::string function = ScratchName("verify_ro_purge");
  struct DropFunction {
    pqxx::connection& conn;
    const std::string& name;
    ~DropFunction() {
      try {
        Exec(conn, "DROP FUNCTION IF EXISTS " + name + "()");
      } catch (const std::exception&) {
        // Best effort, like ScratchTable.
      }
    }
  } drop{*setup_conn_, function};
  Exec(*setup_conn_, "CREATE FUNCTION " + function +
                         "() RETURNS bigint LANGUAGE sql VOLATILE AS $$ "
                         "WITH d AS (DELETE FROM " +
                         table_ + " RETURNING 1) SELECT count(*) FROM d $$");

  const absl::StatusOr<VerifyResult> r =
      VerifyOld(Select() + " WHERE " + function + "() >= 0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("read-only transaction"),
            std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("--old must only read"),
            std::string::npos)
      << r.status();
  EXPECT_EQ(Rows(), kRows);
}

TEST_F(VerifyReadOnlyTest, DescribeRunsOnlyInsideAReadOnlyTransaction) {
  const absl::StatusOr<VerifyQuery> outside =
      VerifyQuery::Describe(*old_conn_, Select(), "old");
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(outside.status().message().find("read-only transaction"),
            std::string::npos)
      << outside.status();

  Exec(*old_conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const absl::StatusOr<VerifyQuery> inside =
      VerifyQuery::Describe(*old_conn_, Select(), "old");
  Exec(*old_conn_, "ROLLBACK");
  ASSERT_TRUE(inside.ok()) << inside.status();
  ASSERT_EQ(inside->columns().size(), 2u);
  EXPECT_EQ(inside->columns()[0].type_sql, "integer");
  EXPECT_EQ(inside->columns()[1].type_sql, "text");
}

}  // namespace
}  // namespace cutover::pg
