// PgDualWrite on real PostgreSQL with writes given as statements, which it
// sends in pipeline mode (BEGIN with the authoritative write, the tolerant
// SAVEPOINT with the other side's):
//  - tolerant: the other side fails on a constraint after one of its
//    statements succeeded -> the authoritative row is committed, nothing of
//    the other write remains, the failure is reported for reconcile, and the
//    connection serves the next dual write;
//  - strict: the same failure rolls back both;
//  - a failed authoritative write skips the other side on the server;
//  - an unknown prepared statement on the other side, a mixed callable /
//    statements write, prepared statements with NULL parameters;
//  - a connection lost before the pipeline is reported as Unavailable;
//  - the dual-write marker (kMarkDualWriteSql) is visible to triggers on both
//    sides, whether the writes are statements or callables, under both
//    policies, and is transaction-local; with a real column-to-column sync
//    the application's own write of the new column stands.
// Every test has its own schema and removes it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "cutover/pg_dual_write.h"
#include "cutover/pg_statement.h"
#include "cutover/sync_trigger.h"
#include "support/test_env.h"

namespace cutover::pg {
namespace {

constexpr std::int64_t kAbsent = -1;  // what Scalar returns for no row / NULL

class DualWriteStatementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = testing::DatabaseUrl();
    ASSERT_FALSE(url.empty());
    admin_ = std::make_unique<pqxx::connection>(url);
    conn_ = std::make_unique<pqxx::connection>(url);
    static std::atomic<int> counter{0};
    schema_ =
        "dw_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    // The old side has no constraint on the pair; the new side's CHECK and
    // primary key are what the other write trips over.
    Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    Exec("CREATE SCHEMA " + schema_);
    Exec("CREATE TABLE " + T("users") +
         " (id bigint PRIMARY KEY, pair bigint)");
    Exec("CREATE TABLE " + T("user_pair") +
         " (user_id bigint PRIMARY KEY, pair_id bigint NOT NULL"
         " CHECK (pair_id > 0))");
    Exec("CREATE TABLE " + T("audit") + " (user_id bigint NOT NULL)");
    Exec("INSERT INTO " + T("users") +
         " SELECT g, g FROM generate_series(1, 10) g");
    Exec("INSERT INTO " + T("user_pair") + " SELECT id, pair FROM " +
         T("users"));
  }

  void TearDown() override {
    conn_.reset();
    if (admin_ != nullptr)
      Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  std::string T(const std::string& table) const {
    return schema_ + "." + table;
  }

  void Exec(const std::string& sql) {
    pqxx::nontransaction tx(*admin_);
    tx.exec(sql);
  }

  // Read on the admin connection: only what was committed.
  std::int64_t Scalar(const std::string& sql) {
    pqxx::nontransaction tx(*admin_);
    pqxx::result r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return kAbsent;
    return r[0][0].as<std::int64_t>();
  }
  std::int64_t OldPair(std::int64_t user) {
    return Scalar("SELECT pair FROM " + T("users") +
                  " WHERE id = " + std::to_string(user));
  }
  std::int64_t NewPair(std::int64_t user) {
    return Scalar("SELECT pair_id FROM " + T("user_pair") +
                  " WHERE user_id = " + std::to_string(user));
  }
  std::int64_t AuditRows() {
    return Scalar("SELECT count(*) FROM " + T("audit"));
  }

  PgStatement SetOld(std::int64_t user, std::int64_t pair) const {
    return PgStatement::Sql(
        "UPDATE " + T("users") + " SET pair = $2 WHERE id = $1", user, pair);
  }
  PgStatement SetNew(std::int64_t user, std::int64_t pair) const {
    return PgStatement::Sql(
        "UPDATE " + T("user_pair") + " SET pair_id = $2 WHERE user_id = $1",
        user, pair);
  }
  // Violates user_pair's CHECK (pair_id > 0).
  PgStatement InsertBadNew(std::int64_t user) const {
    return PgStatement::Sql(
        "INSERT INTO " + T("user_pair") + " (user_id, pair_id) VALUES ($1, -1)",
        user);
  }

  std::unique_ptr<pqxx::connection> admin_;
  std::unique_ptr<pqxx::connection> conn_;
  std::string schema_;
};

TEST_F(DualWriteStatementsTest,
       TolerantOtherFailureCommitsAuthoritativeAndUndoesAllOfTheOther) {
  // The other write's first statement succeeds, its second fails: the
  // savepoint, sent in the same round trip, must undo the first too.
  const std::vector<PgStatement> old_side = {SetOld(3, 42)};
  const std::vector<PgStatement> new_side = {SetNew(3, 42), InsertBadNew(99)};
  DualWriteOutcome out =
      RunDualWrite(*conn_, DualWritePolicy::kTolerant, old_side, new_side);

  EXPECT_TRUE(out.authoritative.ok()) << out.authoritative;
  EXPECT_TRUE(out.other_ran);
  EXPECT_EQ(out.other.code(), absl::StatusCode::kFailedPrecondition)
      << out.other;
  EXPECT_NE(out.other.message().find("check constraint"),
            absl::string_view::npos)
      << out.other;
  EXPECT_TRUE(out.committed) << out.commit;
  EXPECT_TRUE(out.status().ok()) << out.status();
  EXPECT_TRUE(out.needs_reconcile());

  EXPECT_EQ(OldPair(3), 42);
  EXPECT_EQ(NewPair(3), 3);  // the first other-side statement was undone
  EXPECT_EQ(NewPair(99), kAbsent);

  // The connection left pipeline mode and the transaction: the next dual
  // write on it works.
  const std::vector<PgStatement> old_next = {SetOld(4, 7)};
  const std::vector<PgStatement> new_next = {SetNew(4, 7)};
  DualWriteOutcome next =
      RunDualWrite(*conn_, DualWritePolicy::kTolerant, old_next, new_next);
  EXPECT_TRUE(next.status().ok()) << next.status();
  EXPECT_TRUE(next.other.ok()) << next.other;
  EXPECT_FALSE(next.needs_reconcile());
  EXPECT_EQ(OldPair(4), 7);
  EXPECT_EQ(NewPair(4), 7);
}

TEST_F(DualWriteStatementsTest, StrictOtherFailureRollsBackBoth) {
  const std::vector<PgStatement> old_side = {SetOld(3, 42)};
  const std::vector<PgStatement> new_side = {SetNew(3, 42), InsertBadNew(99)};
  DualWriteOutcome out =
      RunDualWrite(*conn_, DualWritePolicy::kStrict, old_side, new_side);

  EXPECT_TRUE(out.authoritative.ok()) << out.authoritative;
  EXPECT_EQ(out.other.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(out.committed);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kAborted) << out.status();
  EXPECT_FALSE(out.needs_reconcile());
  EXPECT_EQ(OldPair(3), 3);
  EXPECT_EQ(NewPair(3), 3);
  EXPECT_EQ(NewPair(99), kAbsent);
}

TEST_F(DualWriteStatementsTest, AuthoritativeFailureNeverRunsTheOtherSide) {
  for (DualWritePolicy policy :
       {DualWritePolicy::kTolerant, DualWritePolicy::kStrict}) {
    SCOPED_TRACE(DualWritePolicyName(policy));
    // A write that succeeds, then one that fails: nothing of it remains.
    const std::vector<PgStatement> old_side = {
        SetOld(5, 50),
        PgStatement::Sql("INSERT INTO " + T("users") + " (id) VALUES ($1)", 1)};
    const std::vector<PgStatement> new_side = {PgStatement::Sql(
        "INSERT INTO " + T("audit") + " (user_id) VALUES ($1)", 5)};
    DualWriteOutcome out = RunDualWrite(*conn_, policy, old_side, new_side);
    EXPECT_EQ(out.authoritative.code(), absl::StatusCode::kFailedPrecondition)
        << out.authoritative;
    EXPECT_FALSE(out.other_ran);
    EXPECT_FALSE(out.committed);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(OldPair(5), 5);
    EXPECT_EQ(AuditRows(), 0);
  }
}

TEST_F(DualWriteStatementsTest,
       TolerantUnknownPreparedStatementIsReportedAndAuthoritativeCommits) {
  const std::vector<PgStatement> old_side = {SetOld(6, 60)};
  const std::vector<PgStatement> new_side = {
      PgStatement::Prepared("never_prepared", 6, 60)};
  DualWriteOutcome out =
      RunDualWrite(*conn_, DualWritePolicy::kTolerant, old_side, new_side);
  EXPECT_EQ(out.other.code(), absl::StatusCode::kInvalidArgument) << out.other;
  EXPECT_NE(out.other.message().find("never_prepared"), absl::string_view::npos)
      << out.other;
  EXPECT_TRUE(out.committed) << out.commit;
  EXPECT_TRUE(out.needs_reconcile());
  EXPECT_EQ(OldPair(6), 60);
  EXPECT_EQ(NewPair(6), 6);
}

TEST_F(DualWriteStatementsTest, CallableAuthoritativeWithStatementsOther) {
  // BEGIN was sent for the callable; the SAVEPOINT still travels with the
  // other side's statements.
  PgDualWrite dual(*conn_, DualWritePolicy::kTolerant);
  EXPECT_TRUE(dual.Authoritative([&](pqxx::transaction_base& tx) {
                    tx.exec_params(
                        "UPDATE " + T("users") + " SET pair = $2 WHERE id = $1",
                        7, 70);
                    return absl::OkStatus();
                  })
                  .ok());
  const std::vector<PgStatement> new_side = {SetNew(7, 70), InsertBadNew(7)};
  absl::Status other = dual.Other(new_side);
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition) << other;
  EXPECT_TRUE(dual.Finish().ok());
  EXPECT_EQ(OldPair(7), 70);
  EXPECT_EQ(NewPair(7), 7);
}

TEST_F(DualWriteStatementsTest, PreparedStatementsWithNullParameters) {
  conn_->prepare("dw_set_old",
                 "UPDATE " + T("users") + " SET pair = $2 WHERE id = $1");
  conn_->prepare("dw_upsert_new",
                 "INSERT INTO " + T("user_pair") +
                     " (user_id, pair_id) VALUES ($1, COALESCE($2, 1))"
                     " ON CONFLICT (user_id) DO UPDATE SET pair_id ="
                     " EXCLUDED.pair_id");
  const std::optional<std::int64_t> no_pair;
  for (int round = 0; round < 2; ++round) {  // registers, then reuses
    SCOPED_TRACE(round);
    const std::vector<PgStatement> old_side = {
        PgStatement::Prepared("dw_set_old", 8, nullptr)};
    const std::vector<PgStatement> new_side = {
        PgStatement::Prepared("dw_upsert_new", 8, no_pair)};
    DualWriteOutcome out =
        RunDualWrite(*conn_, DualWritePolicy::kTolerant, old_side, new_side);
    EXPECT_TRUE(out.status().ok()) << out.status();
    EXPECT_TRUE(out.other.ok()) << out.other;
    EXPECT_EQ(OldPair(8), kAbsent);  // NULL
    EXPECT_EQ(NewPair(8), 1);
  }
}

TEST_F(DualWriteStatementsTest, LostConnectionIsUnavailable) {
  std::int64_t pid = 0;
  {
    pqxx::nontransaction tx(*conn_);
    pid = tx.exec("SELECT pg_backend_pid()")[0][0].as<std::int64_t>();
  }
  // Waits (up to 10 s) until the server process is gone.
  ASSERT_EQ(Scalar("SELECT pg_terminate_backend(" + std::to_string(pid) +
                   ", 10000)::int"),
            1);
  const std::vector<PgStatement> old_side = {SetOld(9, 90)};
  const std::vector<PgStatement> new_side = {SetNew(9, 90)};
  DualWriteOutcome out =
      RunDualWrite(*conn_, DualWritePolicy::kTolerant, old_side, new_side);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnavailable)
      << out.status();
  EXPECT_FALSE(out.committed);
  EXPECT_EQ(OldPair(9), 9);
  EXPECT_EQ(NewPair(9), 9);
}

// ---- The dual-write marker. ----

// Records, for every row either side's write touches, the table and the
// marker as a trigger sees it ('-' when the setting is unset or empty).
class DualWriteMarkerTest : public DualWriteStatementsTest {
 protected:
  void SetUp() override {
    DualWriteStatementsTest::SetUp();
    if (HasFatalFailure()) return;
    Exec("CREATE TABLE " + T("seen") +
         " (id bigserial PRIMARY KEY, tbl text, marker text)");
    Exec("CREATE FUNCTION " + T("record_marker") +
         "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO " +
         T("seen") +
         " (tbl, marker) VALUES (TG_TABLE_NAME, coalesce(nullif("
         "current_setting('cutover.dual_write', true), ''), '-')); "
         "RETURN NEW; END $$");
    for (const char* table : {"users", "user_pair"}) {
      Exec("CREATE TRIGGER record_marker BEFORE UPDATE ON " + T(table) +
           " FOR EACH ROW EXECUTE FUNCTION " + T("record_marker") + "()");
    }
  }

  // "users=on,user_pair=on": what the triggers saw since the last call.
  std::string Seen() {
    pqxx::nontransaction tx(*admin_);
    pqxx::result r = tx.exec(
        "SELECT coalesce(string_agg(tbl || '=' || marker,"
        " ',' ORDER BY id), '') FROM " +
        T("seen"));
    tx.exec("DELETE FROM " + T("seen"));
    return r[0][0].as<std::string>();
  }

  absl::Status RunCallable(pqxx::transaction_base& tx, const PgStatement& s) {
    tx.exec_params(s.sql, *s.params[0], *s.params[1]);
    return absl::OkStatus();
  }
};

TEST_F(DualWriteMarkerTest, StatementsCarryTheMarkerUnderBothPolicies) {
  for (DualWritePolicy policy :
       {DualWritePolicy::kStrict, DualWritePolicy::kTolerant}) {
    SCOPED_TRACE(DualWritePolicyName(policy));
    const std::vector<PgStatement> old_side = {SetOld(1, 11)};
    const std::vector<PgStatement> new_side = {SetNew(1, 11)};
    DualWriteOutcome out = RunDualWrite(*conn_, policy, old_side, new_side);
    EXPECT_TRUE(out.status().ok()) << out.status();
    EXPECT_TRUE(out.other.ok()) << out.other;
    EXPECT_EQ(Seen(), "users=on,user_pair=on");
  }
}

TEST_F(DualWriteMarkerTest, CallablesCarryTheMarkerUnderBothPolicies) {
  for (DualWritePolicy policy :
       {DualWritePolicy::kStrict, DualWritePolicy::kTolerant}) {
    SCOPED_TRACE(DualWritePolicyName(policy));
    const PgStatement old_write = SetOld(2, 22);
    const PgStatement new_write = SetNew(2, 22);
    DualWriteOutcome out = RunDualWrite(
        *conn_, policy,
        [&](pqxx::transaction_base& tx) { return RunCallable(tx, old_write); },
        [&](pqxx::transaction_base& tx) { return RunCallable(tx, new_write); });
    EXPECT_TRUE(out.status().ok()) << out.status();
    EXPECT_TRUE(out.other.ok()) << out.other;
    EXPECT_EQ(Seen(), "users=on,user_pair=on");
  }
}

TEST_F(DualWriteMarkerTest, TransactionBeforeStatementsCarriesTheMarker) {
  // BEGIN sent alone (for a lock first), then statements in the open
  // transaction: the marker came with that BEGIN.
  PgDualWrite dual(*conn_, DualWritePolicy::kTolerant);
  pqxx::transaction_base* tx = dual.transaction();
  ASSERT_NE(tx, nullptr);
  tx->exec("SELECT 1 FROM " + T("users") + " WHERE id = 3 FOR UPDATE");
  const std::vector<PgStatement> old_side = {SetOld(3, 33)};
  const std::vector<PgStatement> new_side = {SetNew(3, 33)};
  EXPECT_TRUE(dual.Authoritative(old_side).ok());
  EXPECT_TRUE(dual.Other(new_side).ok());
  EXPECT_TRUE(dual.Finish().ok());
  EXPECT_EQ(Seen(), "users=on,user_pair=on");
}

TEST_F(DualWriteMarkerTest, MarkerIsLocalToTheTransactionAndCanBeOmitted) {
  const std::vector<PgStatement> old_side = {SetOld(4, 44)};
  const std::vector<PgStatement> new_side = {SetNew(4, 44)};
  ASSERT_TRUE(
      RunDualWrite(*conn_, DualWritePolicy::kTolerant, old_side, new_side)
          .status()
          .ok());
  EXPECT_EQ(Seen(), "users=on,user_pair=on");
  // The same session afterwards, outside the dual write: not marked.
  {
    pqxx::work tx(*conn_);
    tx.exec("UPDATE " + T("users") + " SET pair = 45 WHERE id = 4");
    tx.commit();
  }
  EXPECT_EQ(Seen(), "users=-");
  // A one-side write through PgDualWrite without the marker, both forms.
  {
    PgDualWrite alone(*conn_, DualWritePolicy::kStrict,
                      DualWriteMarker::kNoMark);
    EXPECT_TRUE(alone.Authoritative(old_side).ok());
    EXPECT_TRUE(alone.Finish().ok());
  }
  {
    PgDualWrite alone(*conn_, DualWritePolicy::kStrict,
                      DualWriteMarker::kNoMark);
    const PgStatement write = SetNew(4, 46);
    EXPECT_TRUE(alone
                    .Authoritative([&](pqxx::transaction_base& tx) {
                      return RunCallable(tx, write);
                    })
                    .ok());
    EXPECT_TRUE(alone.Finish().ok());
  }
  EXPECT_EQ(Seen(), "users=-,user_pair=-");
  EXPECT_EQ(NewPair(4), 46);
}

// A real column-to-column sync (sync_trigger.h) on a table whose old column
// `name` is split into `first_name`. With the new side authoritative (stage
// `live`: new, then old), the old write would fire the trigger, which would
// recompute first_name from name and overwrite the application's own
// first_name; the marker keeps the application's value.
class DualWriteSyncTest : public DualWriteStatementsTest {
 protected:
  void SetUp() override {
    DualWriteStatementsTest::SetUp();
    if (HasFatalFailure()) return;
    Exec("CREATE TABLE " + T("people") +
         " (id bigint PRIMARY KEY, name text NOT NULL, first_name text)");
    Exec("INSERT INTO " + T("people") +
         " VALUES (1, 'Ann Lee', 'Ann'), (2, 'Bob Ray', 'Bob')");
    SyncDefinition sync;
    sync.name = "dw_name_split";
    sync.table = T("people");
    sync.key = {"id"};
    sync.set = {{"first_name", "split_part(name, ' ', 1)"}};
    options_.actor = "test";
    options_.record_schema = schema_;
    absl::StatusOr<SyncInstallResult> installed =
        InstallSync(*admin_, sync, options_);
    ASSERT_TRUE(installed.ok()) << installed.status();
  }
  void TearDown() override {
    if (admin_ != nullptr) {
      (void)UninstallSync(*admin_, "dw_name_split", options_);
    }
    DualWriteStatementsTest::TearDown();
  }

  std::string FirstName(std::int64_t id) {
    pqxx::nontransaction tx(*admin_);
    return tx
        .exec_params1(
            "SELECT first_name FROM " + T("people") + " WHERE id = $1", id)[0]
        .as<std::string>();
  }
  PgStatement SetName(std::int64_t id, const std::string& name) const {
    return PgStatement::Sql(
        "UPDATE " + T("people") + " SET name = $2 WHERE id = $1", id, name);
  }
  PgStatement SetFirstName(std::int64_t id, const std::string& first) const {
    return PgStatement::Sql(
        "UPDATE " + T("people") + " SET first_name = $2 WHERE id = $1", id,
        first);
  }
  absl::Status RunCallable(pqxx::transaction_base& tx, const PgStatement& s) {
    tx.exec_params(s.sql, *s.params[0], *s.params[1]);
    return absl::OkStatus();
  }

  SyncOptions options_;
};

TEST_F(DualWriteSyncTest, ApplicationWriteOfTheNewColumnStandsOnBothPaths) {
  // The trigger is live: a legacy write of name recomputes first_name.
  Exec("UPDATE " + T("people") + " SET name = 'Mary Ann Smith' WHERE id = 1");
  ASSERT_EQ(FirstName(1), "Mary");

  for (DualWritePolicy policy :
       {DualWritePolicy::kStrict, DualWritePolicy::kTolerant}) {
    SCOPED_TRACE(DualWritePolicyName(policy));
    Exec("UPDATE " + T("people") +
         " SET name = 'Ann Lee', first_name = 'Ann' WHERE id = 1");
    const std::vector<PgStatement> new_side = {SetFirstName(1, "Mary Ann")};
    const std::vector<PgStatement> old_side = {SetName(1, "Mary Ann Smith")};
    DualWriteOutcome out = RunDualWrite(*conn_, policy, new_side, old_side);
    ASSERT_TRUE(out.status().ok()) << out.status();
    ASSERT_TRUE(out.other.ok()) << out.other;
    EXPECT_EQ(FirstName(1), "Mary Ann") << "statements";

    Exec("UPDATE " + T("people") +
         " SET name = 'Bob Ray', first_name = 'Bob' WHERE id = 2");
    const PgStatement new_write = SetFirstName(2, "Bob Jr");
    const PgStatement old_write = SetName(2, "Bob Jr Ray");
    out = RunDualWrite(
        *conn_, policy,
        [&](pqxx::transaction_base& tx) { return RunCallable(tx, new_write); },
        [&](pqxx::transaction_base& tx) { return RunCallable(tx, old_write); });
    ASSERT_TRUE(out.status().ok()) << out.status();
    ASSERT_TRUE(out.other.ok()) << out.other;
    EXPECT_EQ(FirstName(2), "Bob Jr") << "callables";
  }

  // Control: the same dual write unmarked is overwritten by the trigger.
  Exec("UPDATE " + T("people") +
       " SET name = 'Ann Lee', first_name = 'Ann' WHERE id = 1");
  PgDualWrite unmarked(*conn_, DualWritePolicy::kStrict,
                       DualWriteMarker::kNoMark);
  const std::vector<PgStatement> new_side = {SetFirstName(1, "Mary Ann")};
  const std::vector<PgStatement> old_side = {SetName(1, "Mary Ann Smith")};
  ASSERT_TRUE(unmarked.Authoritative(new_side).ok());
  ASSERT_TRUE(unmarked.Other(old_side).ok());
  ASSERT_TRUE(unmarked.Finish().ok());
  EXPECT_EQ(FirstName(1), "Mary");
}

}  // namespace
}  // namespace cutover::pg
