// `cutover sync` as operators and scripts call it: exit codes 0/1/2/3, one
// JSON object with --json, --dry-run printing SQL and creating nothing, and
// uninstall leaving nothing behind.
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/pg_scratch.h"
#include "support/test_env.h"

namespace cutover {
namespace {

using testing::CommandResult;
using testing::ConnectScratch;
using testing::Exec;
using testing::QueryInt;
using testing::RunCutover;
using testing::ScratchName;
using testing::ScratchTable;

class SyncCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    table_ = ScratchName("sync_cli");
    name_ = ScratchName("cli");
    guard_ = std::make_unique<ScratchTable>(*conn_, table_);
    Exec(*conn_, "CREATE TABLE " + table_ +
                     " (id bigint PRIMARY KEY, name text NOT NULL, "
                     "first_name text, last_name text)");
    Exec(*conn_, "INSERT INTO " + table_ + " (id, name) VALUES (1, 'Ann Lee')");
  }
  void TearDown() override {
    if (conn_ != nullptr) RunCutover({"sync", "uninstall", name_});
  }

  std::vector<std::string> Install(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {
        "--json",   "--actor",
        "cli-test", "sync",
        "install",  name_,
        "--table",  table_,
        "--key",    "id",
        "--set",    "first_name = split_part(name, ' ', 1)",
        "--set",    "last_name = split_part(name, ' ', 2)"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::int64_t Objects() const {
    return QueryInt(*conn_,
                    "SELECT (SELECT count(*) FROM pg_proc WHERE proname = "
                    "'cutover_sync_" +
                        name_ +
                        "_fwd') + (SELECT count(*) FROM pg_trigger WHERE "
                        "tgname = 'cutover_sync_" +
                        name_ + "_fwd')");
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::string table_;
  std::string name_;
  std::unique_ptr<ScratchTable> guard_;
};

TEST_F(SyncCliTest, InstallStatusUninstall) {
  CommandResult r = RunCutover(Install());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json json = nlohmann::json::parse(r.out);  // exactly one object
  EXPECT_EQ(json["action"], "created");
  EXPECT_EQ(json["kind"], "columns");
  EXPECT_EQ(json["objects"].size(), 2u);
  EXPECT_EQ(Objects(), 2);

  r = RunCutover(Install());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["action"], "unchanged");

  Exec(*conn_, "UPDATE " + table_ + " SET name = 'Bo Di' WHERE id = 1");
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + table_ +
                                 " WHERE first_name = 'Bo' AND last_name = "
                                 "'Di'"),
            1);

  r = RunCutover({"--json", "sync", "status", name_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json["syncs"].size(), 1u);
  EXPECT_EQ(json["syncs"][0]["installed_by"], "cli-test");
  EXPECT_EQ(json["syncs"][0]["healthy"], true);
  EXPECT_EQ(json["syncs"][0]["definition"]["set"].size(), 2u);

  r = RunCutover({"--json", "sync", "uninstall", name_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["removed"].size(), 2u);
  EXPECT_EQ(Objects(), 0);

  r = RunCutover({"--json", "sync", "uninstall", name_});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["exit_code"], 3);
  EXPECT_EQ(RunCutover({"sync", "status", name_}).exit_code, 3);
}

TEST_F(SyncCliTest, RedefinitionIsRefusedUnlessReplace) {
  ASSERT_EQ(RunCutover(Install()).exit_code, 0);
  std::vector<std::string> other = {
      "--json", "sync",  "install", name_,   "--table",
      table_,   "--key", "id",      "--set", "first_name = upper(name)"};
  CommandResult r = RunCutover(other);
  EXPECT_EQ(r.exit_code, 2);
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_NE(json["error"].get<std::string>().find("--replace"),
            std::string::npos)
      << r.out;
  other.push_back("--replace");
  r = RunCutover(other);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["action"], "replaced");
}

TEST_F(SyncCliTest, DryRunPrintsSqlAndCreatesNothing) {
  std::vector<std::string> args = Install({"--dry-run"});
  args.erase(args.begin());  // text output: the SQL itself
  CommandResult r = RunCutover(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CREATE OR REPLACE FUNCTION"), std::string::npos);
  EXPECT_NE(r.out.find("CREATE TRIGGER"), std::string::npos) << r.out;
  r = RunCutover(Install({"--dry-run"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["action"], "dry_run");
  EXPECT_NE(json["sql"].get<std::string>().find("CREATE TRIGGER"),
            std::string::npos);
  EXPECT_EQ(Objects(), 0);
  EXPECT_EQ(RunCutover({"sync", "status", name_}).exit_code, 3);
}

TEST_F(SyncCliTest, BadInputExitsTwoAndStoresNothing) {
  const std::vector<std::vector<std::string>> bad = {
      // no '=' in --set
      {"sync", "install", name_, "--table", table_, "--key", "id", "--set",
       "first_name"},
      // both kinds
      {"sync", "install", name_, "--table", table_, "--key", "id", "--set",
       "first_name = name", "--into", table_, "--columns", "id", "--from",
       "SELECT 1"},
      // unknown column and table
      {"sync", "install", name_, "--table", table_, "--key", "nope", "--set",
       "first_name = name"},
      {"sync", "install", name_, "--table", "no_such_table", "--key", "id",
       "--set", "first_name = name"},
      // an expression PostgreSQL rejects
      {"sync", "install", name_, "--table", table_, "--key", "id", "--set",
       "first_name = name +"},
      // missing --key
      {"sync", "install", name_, "--table", table_, "--set",
       "first_name = name"},
  };
  for (const std::vector<std::string>& args : bad) {
    const CommandResult r = RunCutover(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find("cutover: "), std::string::npos) << r.err;
  }
  EXPECT_EQ(Objects(), 0);
}

TEST_F(SyncCliTest, UnreachableDatabaseExitsOne) {
  const CommandResult r =
      RunCutover({"sync", "status", "--db",
                  "postgresql://nobody:secret@127.0.0.1:1/none"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cutover
