// Installing, replacing and removing syncs on a real PostgreSQL: idempotent
// install, refused redefinition, complete uninstall (checked in pg_proc and
// pg_trigger), dry runs, hostile names, lock timeouts, and what a writer sees
// when a sync's expression fails on its row.
#include <atomic>
#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "cutover/pg_connection.h"
#include "cutover/sql_identifier.h"
#include "cutover/sync_trigger.h"
#include "gtest/gtest.h"
#include "support/pg_scratch.h"
#include "support/poll.h"

namespace cutover::pg {
namespace {

using testing::ConnectScratch;
using testing::Exec;
using testing::QueryInt;
using testing::ScratchName;

std::string Quoted(const std::string& name) {
  return QuoteIdentifier(name).value();
}

// Functions and triggers whose name starts with cutover_sync_<name>.
std::int64_t CatalogObjects(pqxx::connection& conn, const std::string& name) {
  pqxx::nontransaction tx(conn);
  const std::string pattern = "cutover_sync_" + name + "%";
  return tx
      .exec_params1(
          "SELECT (SELECT count(*) FROM pg_proc WHERE starts_with(proname, "
          "$1)) + (SELECT count(*) FROM pg_trigger WHERE starts_with(tgname, "
          "$1))",
          "cutover_sync_" + name)[0]
      .as<std::int64_t>();
}

std::int64_t Records(pqxx::connection& conn, const std::string& name) {
  pqxx::nontransaction tx(conn);
  if (!tx.exec1("SELECT to_regclass('public.cutover_sync') IS NOT NULL")[0]
           .as<bool>()) {
    return 0;
  }
  return tx
      .exec_params1(
          "SELECT count(*) FROM public.cutover_sync WHERE "
          "name = $1",
          name)[0]
      .as<std::int64_t>();
}

class SyncInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    table_ = ScratchName("sync_users");
    name_ = ScratchName("s");
    Exec(*conn_, "CREATE TABLE " + table_ +
                     " (id bigint PRIMARY KEY, name text NOT NULL, "
                     "first_name text, last_name text)");
    Exec(*conn_, "INSERT INTO " + table_ +
                     " (id, name) VALUES (1, 'Ann Lee'), (2, 'Bob Ray')");
    options_.actor = "tester";
  }
  void TearDown() override {
    if (conn_ == nullptr) return;
    (void)UninstallSync(*conn_, name_, options_);
    Exec(*conn_, "DROP TABLE IF EXISTS " + table_);
  }

  SyncDefinition NameSplit() const {
    SyncDefinition d;
    d.name = name_;
    d.table = table_;
    d.key = {"id"};
    d.set = {{"first_name", "split_part(name, ' ', 1)"},
             {"last_name", "split_part(name, ' ', 2)"}};
    return d;
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::string table_;
  std::string name_;
  SyncOptions options_;
};

TEST_F(SyncInstallTest, InstallIsIdempotentAndSyncsLegacyWrites) {
  absl::StatusOr<SyncInstallResult> first =
      InstallSync(*conn_, NameSplit(), options_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->action, "created");
  EXPECT_EQ(first->kind, "columns");
  absl::StatusOr<SyncInstallResult> again =
      InstallSync(*conn_, NameSplit(), options_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->action, "unchanged");
  EXPECT_EQ(CatalogObjects(*conn_, name_), 2);  // one function, one trigger

  Exec(*conn_, "UPDATE " + table_ + " SET name = 'Cy Young' WHERE id = 1");
  Exec(*conn_, "INSERT INTO " + table_ + " (id, name) VALUES (3, 'Di Ho')");
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_ +
                                 " WHERE first_name = split_part(name, ' ', "
                                 "1) AND last_name = split_part(name, ' ', "
                                 "2)"),
            2);  // id 2 awaits the backfill
  absl::StatusOr<std::vector<SyncRecord>> records = ListSyncs(*conn_, name_);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].installed_by, "tester");
  EXPECT_TRUE((*records)[0].healthy());
  EXPECT_NE((*records)[0].definition.find("split_part"), std::string::npos);
}

TEST_F(SyncInstallTest, AnotherDefinitionIsRefusedUnlessReplaced) {
  ASSERT_TRUE(InstallSync(*conn_, NameSplit(), options_).ok());
  SyncDefinition other = NameSplit();
  other.set.pop_back();
  absl::StatusOr<SyncInstallResult> refused =
      InstallSync(*conn_, other, options_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--replace"),
            absl::string_view::npos)
      << refused.status();
  SyncOptions replace = options_;
  replace.replace = true;
  absl::StatusOr<SyncInstallResult> replaced =
      InstallSync(*conn_, other, replace);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->action, "replaced");
  Exec(*conn_, "UPDATE " + table_ + " SET name = 'Eve Ng' WHERE id = 2");
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_ +
                                 " WHERE id = 2 AND first_name = 'Eve' AND "
                                 "last_name IS NULL"),
            1);
}

TEST_F(SyncInstallTest, UninstallLeavesNothingBehind) {
  SyncDefinition d = NameSplit();
  d.reverse = {{"name", "first_name || ' ' || last_name"}};
  ASSERT_TRUE(InstallSync(*conn_, d, options_).ok());
  ASSERT_GT(CatalogObjects(*conn_, name_), 0);
  absl::StatusOr<SyncUninstallResult> removed =
      UninstallSync(*conn_, name_, options_);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->removed.size(), 2u);
  EXPECT_EQ(CatalogObjects(*conn_, name_), 0);
  EXPECT_EQ(Records(*conn_, name_), 0);
  EXPECT_EQ(UninstallSync(*conn_, name_, options_).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ListSyncs(*conn_, name_).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SyncInstallTest, DryRunReturnsTheSqlAndCreatesNothing) {
  SyncOptions dry = options_;
  dry.dry_run = true;
  absl::StatusOr<SyncInstallResult> r = InstallSync(*conn_, NameSplit(), dry);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->action, "dry_run");
  EXPECT_NE(r->sql.find("CREATE TRIGGER"), std::string::npos);
  EXPECT_EQ(CatalogObjects(*conn_, name_), 0);
  EXPECT_EQ(Records(*conn_, name_), 0);
}

TEST_F(SyncInstallTest, BadInputChangesNothing) {
  SyncDefinition d = NameSplit();
  d.set[0].expression = "no_such_function(name)";
  absl::StatusOr<SyncInstallResult> r = InstallSync(*conn_, d, options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--set 'first_name = ...'"),
            absl::string_view::npos)
      << r.status();
  d = NameSplit();
  d.set[0].expression = "1); DELETE FROM " + table_ + "; SELECT (1";
  EXPECT_EQ(InstallSync(*conn_, d, options_).status().code(),
            absl::StatusCode::kInvalidArgument);
  d = NameSplit();
  d.key = {"no_such_column"};
  EXPECT_EQ(InstallSync(*conn_, d, options_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_), 2);
  EXPECT_EQ(CatalogObjects(*conn_, name_), 0);
  EXPECT_EQ(Records(*conn_, name_), 0);
}

TEST_F(SyncInstallTest, AnUnrecordedObjectOfTheSameNameIsNotOverwritten) {
  Exec(*conn_, "CREATE FUNCTION " + Quoted("cutover_sync_" + name_ + "_fwd") +
                   "() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RETURN NEW; END $$");
  absl::StatusOr<SyncInstallResult> r =
      InstallSync(*conn_, NameSplit(), options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition)
      << r.status();
  Exec(*conn_,
       "DROP FUNCTION " + Quoted("cutover_sync_" + name_ + "_fwd") + "()");
}

TEST_F(SyncInstallTest, FailingExpressionRollsBackOnlyThatStatement) {
  SyncDefinition d = NameSplit();
  // Fails on names starting with "bad": not an integer.
  d.set[1].expression =
      "CASE WHEN name LIKE 'bad%' THEN (split_part(name, ' ', 2)::int)::text "
      "ELSE split_part(name, ' ', 2) END";
  ASSERT_TRUE(InstallSync(*conn_, d, options_).ok());
  pqxx::work tx(*conn_);
  tx.exec("UPDATE " + table_ + " SET name = 'Good Row' WHERE id = 1");
  std::string message;
  std::string sqlstate;
  absl::Status as_status;
  try {
    // A savepoint, as an application that carries on after a failed
    // statement uses.
    pqxx::subtransaction statement(tx, "bad_write");
    statement.exec("UPDATE " + table_ + " SET name = 'bad row' WHERE id = 2");
    statement.commit();
  } catch (const pqxx::sql_error& e) {
    message = e.what();
    sqlstate = e.sqlstate();
    as_status = StatusFromException(e, "write");
  }
  tx.commit();
  EXPECT_EQ(sqlstate, "22P02");  // the cast's own SQLSTATE
  EXPECT_NE(message.find("cutover sync '" + name_ + "'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("for key (id)=(2)"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid input syntax for type integer"),
            std::string::npos)
      << message;
  // Seen like any bad-data or constraint error.
  EXPECT_EQ(as_status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_ +
                                 " WHERE id = 1 AND first_name = 'Good'"),
            1);
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_ +
                                 " WHERE id = 2 AND name = 'Bob Ray'"),
            1);
}

TEST_F(SyncInstallTest, LockTimeoutIsRetriedThenReported) {
  auto holder = ConnectScratch();
  ASSERT_NE(holder, nullptr);
  SyncOptions quick = options_;
  quick.lock_timeout = std::chrono::milliseconds(20);
  quick.retry.initial_delay = std::chrono::milliseconds(1);
  quick.retry.max_delay = std::chrono::milliseconds(5);
  quick.retry.max_retries = 2;
  {
    pqxx::work lock(*holder);
    lock.exec("LOCK TABLE " + table_ + " IN ACCESS SHARE MODE");
    lock.exec("LOCK TABLE " + table_ + " IN ROW EXCLUSIVE MODE");
    // ROW EXCLUSIVE (any writer) conflicts with CREATE TRIGGER's SHARE ROW
    // EXCLUSIVE: the install must give up rather than queue behind it.
    absl::StatusOr<SyncInstallResult> r =
        InstallSync(*conn_, NameSplit(), quick);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded)
        << r.status();
    EXPECT_NE(r.status().message().find("after 2 retries"),
              absl::string_view::npos)
        << r.status();
    EXPECT_EQ(CatalogObjects(*conn_, name_), 0);
    lock.abort();
  }
  // Released while the install is retrying: it succeeds.
  auto lock = std::make_unique<pqxx::work>(*holder);
  lock->exec("LOCK TABLE " + table_ + " IN ROW EXCLUSIVE MODE");
  quick.retry.max_retries = 1000;
  std::atomic<bool> done{false};
  absl::Status installed;
  std::thread installer([&] {
    auto conn = ConnectScratch();
    installed = conn == nullptr
                    ? absl::UnknownError("no connection")
                    : InstallSync(*conn, NameSplit(), quick).status();
    done = true;
  });
  // The installer has met the lock at least once.
  EXPECT_TRUE(testing::PollUntil([&] {
    return QueryInt(*conn_,
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND "
                    "relation = '" +
                        table_ + "'::regclass") > 0 ||
           done;
  }));
  lock->abort();
  installer.join();
  EXPECT_TRUE(installed.ok()) << installed;
  EXPECT_EQ(CatalogObjects(*conn_, name_), 2);
}

// Names with quotes, spaces and semicolons everywhere: schema, tables,
// columns and the sync itself.
TEST(SyncHostileNames, WorkEndToEnd) {
  auto conn = ConnectScratch();
  ASSERT_NE(conn, nullptr);
  const std::string schema = "s\"; DROP SCHEMA public; -- " + ScratchName("h");
  const std::string users = "us\"ers; x";
  const std::string pairs = "pa irs\"";
  const std::string name_col = "na me\"";
  const std::string first_col = "first; \"name\"";
  const std::string pair_col = "pair \"id\"";
  const std::string sync_name = "h\"; '" + std::to_string(getpid()) + "'";
  const std::string s = Quoted(schema);
  Exec(*conn, "CREATE SCHEMA " + s);
  Exec(*conn, "CREATE TABLE " + s + "." + Quoted(users) +
                  " (\"i d\" bigint PRIMARY KEY, " + Quoted(name_col) +
                  " text, " + Quoted(first_col) + " text, " + Quoted(pair_col) +
                  " bigint)");
  Exec(*conn, "CREATE TABLE " + s + "." + Quoted(pairs) +
                  " (\"u id\" bigint, \"p id\" bigint, PRIMARY KEY (\"u id\", "
                  "\"p id\"))");
  SyncOptions options;
  options.actor = "o'brien";
  SyncDefinition d;
  d.name = sync_name;
  d.table = s + "." + Quoted(users);
  d.key = {"i d"};
  d.set = {{first_col, "split_part(" + Quoted(name_col) + ", ' ', 1)"}};
  absl::StatusOr<SyncInstallResult> columns = InstallSync(*conn, d, options);
  ASSERT_TRUE(columns.ok()) << columns.status();
  SyncDefinition t;
  t.name = sync_name + " t";
  t.table = d.table;
  t.key = {"i d"};
  t.into = s + "." + Quoted(pairs);
  t.columns = {"u id", "p id"};
  t.from = "SELECT \"i d\", " + Quoted(pair_col) + " FROM " + d.table +
           " WHERE " + Quoted(pair_col) + " IS NOT NULL";
  t.reverse = {{pair_col, "(SELECT min(\"p id\") FROM " + t.into +
                              " p WHERE p.\"u id\" = " + Quoted(users) +
                              ".\"i d\")"}};
  absl::StatusOr<SyncInstallResult> table = InstallSync(*conn, t, options);
  ASSERT_TRUE(table.ok()) << table.status();

  Exec(*conn, "INSERT INTO " + d.table + " VALUES (1, 'Ann Lee', NULL, 7)");
  Exec(*conn, "INSERT INTO " + t.into + " VALUES (2, 9)");
  EXPECT_EQ(QueryInt(*conn, "SELECT count(*) FROM " + d.table + " WHERE " +
                                Quoted(first_col) + " = 'Ann'"),
            1);
  EXPECT_EQ(QueryInt(*conn, "SELECT count(*) FROM " + t.into +
                                " WHERE \"u id\" = 1 AND \"p id\" = 7"),
            1);
  ASSERT_TRUE(ListSyncs(*conn, sync_name).ok());

  ASSERT_TRUE(UninstallSync(*conn, sync_name, options).ok());
  ASSERT_TRUE(UninstallSync(*conn, t.name, options).ok());
  pqxx::nontransaction tx(*conn);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM pg_proc p JOIN pg_namespace "
                            "n ON n.oid = p.pronamespace WHERE n.nspname = $1",
                            schema)[0]
                .as<int>(),
            0);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM pg_trigger t JOIN pg_class "
                            "c ON c.oid = t.tgrelid JOIN pg_namespace n ON "
                            "n.oid = c.relnamespace WHERE n.nspname = $1 AND "
                            "NOT t.tgisinternal",
                            schema)[0]
                .as<int>(),
            0);
  tx.exec("DROP SCHEMA " + s + " CASCADE");
}

}  // namespace
}  // namespace cutover::pg
