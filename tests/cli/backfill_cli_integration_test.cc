// `cutover backfill` as operators and scripts call it: exit codes, the --json
// object, messages for bad input, --db from $DATABASE_URL, and passwords that
// never reach the output.
#include <cstdlib>
#include <memory>
#include <ostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "cutover/redis_connection.h"
#include "cutover/redis_url.h"
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

class BackfillCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    t_ = ScratchName("cli");
    guard_ = std::make_unique<ScratchTable>(*conn_, t_);
    Exec(*conn_,
         "CREATE TABLE " + t_ + " (id int PRIMARY KEY, a text, b text)");
    Exec(*conn_, "INSERT INTO " + t_ +
                     " SELECT g, 'v' || g FROM generate_series(1, 2500) g");
    prefix_ = testing::UniquePrefix("backfill_cli");
  }
  void TearDown() override {
    absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(testing::RedisUrl());
    if (!endpoint.ok()) return;
    auto redis = RedisConnection::Connect(*endpoint);
    if (redis.ok()) (void)(*redis)->Command({"DEL", prefix_ + "backfill:cli"});
  }

  std::string Sql() const {
    return "UPDATE " + t_ +
           " SET b = a WHERE id > $1 AND id <= $2 AND b IS NULL";
  }
  std::vector<std::string> Args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"--prefix", prefix_, "--json", "backfill",
                                     "--table",  t_,      "--key",  "id",
                                     "--sql",    Sql()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::string t_;
  std::unique_ptr<ScratchTable> guard_;
  std::string prefix_;
};

TEST_F(BackfillCliTest, CompletesAndPrintsOneJsonObject) {
  const CommandResult r =
      RunCutover(Args({"--batch", "1000", "--checkpoint", "cli"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json =
      nlohmann::json::parse(r.out);  // exactly one object
  EXPECT_EQ(json["rows_updated"], 2500);
  EXPECT_EQ(json["batches"], 3);
  EXPECT_EQ(json["retries"], 0);
  EXPECT_TRUE(json["resumed_from"].is_null());
  EXPECT_TRUE(json["seconds"].is_number());
  EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + t_ + " WHERE b IS NULL"),
            0);

  // The same command again: the checkpoint is complete, nothing runs.
  const CommandResult again = RunCutover(Args({"--checkpoint", "cli"}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(nlohmann::json::parse(again.out)["already_complete"].get<bool>());
  EXPECT_EQ(nlohmann::json::parse(again.out)["resumed_from"], "2500");

  // In text mode it says so in words.
  std::vector<std::string> text_args = Args({"--checkpoint", "cli"});
  text_args.erase(text_args.begin() + 2);  // --json
  const CommandResult text = RunCutover(text_args);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("already complete"), std::string::npos) << text.out;
}

TEST_F(BackfillCliTest, AChangedCommandUnderTheSameCheckpointIsRefused) {
  ASSERT_EQ(RunCutover(Args({"--checkpoint", "cli"})).exit_code, 0);
  std::vector<std::string> args = Args({"--checkpoint", "cli"});
  args[9] = "UPDATE " + t_ + " SET b = upper(a) WHERE id > $1 AND id <= $2";
  const CommandResult r = RunCutover(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--sql statement changed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--reset-checkpoint"), std::string::npos) << r.err;
}

struct BadInputCase {
  const char* name;
  std::vector<std::string> args;  // replaces/extends the good command
  int exit_code;
  const char* message_part;
};

void PrintTo(const BadInputCase& c, std::ostream* os) { *os << c.name; }

class BackfillCliBadInput : public BackfillCliTest,
                            public ::testing::WithParamInterface<BadInputCase> {
};

TEST_P(BackfillCliBadInput, ExitsWithACodeAndAMessageNamingTheProblem) {
  std::vector<std::string> args;
  for (const std::string& a : GetParam().args) {
    if (a == "TABLE") {
      args.push_back(t_);
    } else if (a == "SQL") {
      args.push_back(Sql());
    } else {
      args.push_back(a);
    }
  }
  const CommandResult r = RunCutover(args);
  EXPECT_EQ(r.exit_code, GetParam().exit_code) << r.err;
  EXPECT_NE(r.err.find(GetParam().message_part), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    All, BackfillCliBadInput,
    ::testing::Values(
        BadInputCase{"MissingTable",
                     {"backfill", "--key", "id", "--sql", "SQL"},
                     2,
                     "--table"},
        BadInputCase{"SqlWithoutUpperBound",
                     {"backfill", "--table", "TABLE", "--key", "id", "--sql",
                      "UPDATE x SET b = a WHERE id > $1"},
                     2,
                     "$2"},
        BadInputCase{"UnknownTable",
                     {"backfill", "--table", "no_such_table_xyz", "--key", "id",
                      "--sql", "SQL"},
                     2,
                     "does not exist"},
        BadInputCase{"UnknownColumnInStatement",
                     {"backfill", "--table", "TABLE", "--key", "id", "--sql",
                      "UPDATE x SET nope = 1 WHERE id > $1 AND id <= $2"},
                     2,
                     "--sql statement is not valid"},
        BadInputCase{"NotANumber",
                     {"backfill", "--table", "TABLE", "--key", "id", "--sql",
                      "SQL", "--batch", "many"},
                     2,
                     "--batch"},
        BadInputCase{"ZeroBatch",
                     {"backfill", "--table", "TABLE", "--key", "id", "--sql",
                      "SQL", "--batch", "0"},
                     2,
                     "--batch must be at least 1"},
        BadInputCase{"BadCheckpointName",
                     {"backfill", "--table", "TABLE", "--key", "id", "--sql",
                      "SQL", "--checkpoint", "no spaces"},
                     2,
                     "checkpoint name"},
        BadInputCase{
            "PostgresUnreachable",
            {"backfill", "--db", "postgresql://app:s3cret@127.0.0.1:1/db",
             "--table", "TABLE", "--key", "id", "--sql", "SQL"},
            1,
            "user=app password=*** dbname=db host=127.0.0.1 port=1"},
        BadInputCase{
            "RedisUnreachable",
            {"--redis", "redis://:s3cret@127.0.0.1:1", "backfill", "--table",
             "TABLE", "--key", "id", "--sql", "SQL", "--checkpoint", "cli"},
            1,
            "redis://:***@127.0.0.1:1"}),
    [](const ::testing::TestParamInfo<BadInputCase>& info) {
      return std::string(info.param.name);
    });

TEST(BackfillCliNoDatabase, SaysHowToPointAtOne) {
  // Without --db and without DATABASE_URL there is nothing to connect to.
  const std::string saved = testing::DatabaseUrl();
  unsetenv("DATABASE_URL");
  const CommandResult r =
      RunCutover({"backfill", "--table", "t", "--key", "id", "--sql",
                  "UPDATE t SET b = a WHERE id > $1 AND id <= $2"});
  setenv("DATABASE_URL", saved.c_str(), 1);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("DATABASE_URL"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cutover
