// `cutover verify` as operators and scripts call it: exit 0 when equal, 5
// when divergent, 1 when a server is unreachable, 2 for bad input; the --json
// object; normalizer options; --flag leaving the verdict in a Redis stream.
#include <hiredis/hiredis.h>

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

class VerifyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    old_ = ScratchName("cli_old");
    new_ = ScratchName("cli_new");
    old_guard_ = std::make_unique<ScratchTable>(*conn_, old_);
    new_guard_ = std::make_unique<ScratchTable>(*conn_, new_);
    for (const std::string& t : {old_, new_}) {
      Exec(*conn_, "CREATE TABLE " + t + " (id int PRIMARY KEY, email text)");
      Exec(*conn_,
           "INSERT INTO " + t +
               " SELECT g, 'u' || g || '@x' FROM generate_series(1, 5000) g");
    }
    prefix_ = testing::UniquePrefix("verify_cli");
  }
  void TearDown() override {
    if (auto redis = Redis(); redis != nullptr) {
      (void)redis->Command({"DEL", prefix_ + "verify:name_split"});
    }
  }
  static std::unique_ptr<RedisConnection> Redis() {
    absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(testing::RedisUrl());
    if (!endpoint.ok()) return nullptr;
    auto redis = RedisConnection::Connect(*endpoint);
    return redis.ok() ? *std::move(redis) : nullptr;
  }

  std::vector<std::string> Args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"--prefix",
                                     prefix_,
                                     "--json",
                                     "verify",
                                     "--old",
                                     "SELECT id, email FROM " + old_,
                                     "--new",
                                     "SELECT id, email FROM " + new_ + ";",
                                     "--recheck-delay-ms",
                                     "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::string old_;
  std::string new_;
  std::unique_ptr<ScratchTable> old_guard_;
  std::unique_ptr<ScratchTable> new_guard_;
  std::string prefix_;
};

TEST_F(VerifyCliTest, EqualExitsZeroWithTheDocumentedJson) {
  const CommandResult r = RunCutover(Args({"--chunk", "1000"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["equal"], true);
  EXPECT_EQ(json["rows_old"], 5000);
  EXPECT_EQ(json["rows_new"], 5000);
  EXPECT_EQ(json["chunks"], 6);
  EXPECT_EQ(json["differences"], nlohmann::json::array());
  EXPECT_EQ(json["difference_count"], 0);
}

TEST_F(VerifyCliTest, DivergentExitsFiveListingCappedDifferences) {
  Exec(*conn_, "UPDATE " + new_ + " SET email = 'changed' WHERE id <= 30");
  Exec(*conn_, "DELETE FROM " + new_ + " WHERE id = 4000");
  const CommandResult r = RunCutover(Args({"--max-diffs", "5"}));
  ASSERT_EQ(r.exit_code, 5) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["equal"], false);
  EXPECT_EQ(json["difference_count"], 31);
  ASSERT_EQ(json["differences"].size(), 5u);
  EXPECT_EQ(json["differences"][0]["key"], 1);
  EXPECT_EQ(json["differences"][0]["kind"], "changed");
  EXPECT_EQ(json["differences"][0]["columns"][0],
            (nlohmann::json{
                {"column", "email"}, {"old", "u1@x"}, {"new", "changed"}}));

  std::vector<std::string> text_args = Args({"--max-diffs", "50"});
  text_args.erase(text_args.begin() + 2);  // --json
  const CommandResult text = RunCutover(text_args);
  EXPECT_EQ(text.exit_code, 5);
  EXPECT_NE(text.out.find("DIFFERENT: 31 difference(s)"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("missing_in_new 4000"), std::string::npos)
      << text.out;
}

TEST_F(VerifyCliTest, NormalizerOptionsSilenceTheNoiseTheyName) {
  Exec(*conn_, "UPDATE " + new_ + " SET email = '' WHERE id = 7");
  Exec(*conn_, "UPDATE " + old_ + " SET email = NULL WHERE id = 7");
  Exec(*conn_,
       "UPDATE " + new_ + " SET email = upper(email) || '  ' WHERE id = 8");
  EXPECT_EQ(RunCutover(Args()).exit_code, 5);
  EXPECT_EQ(RunCutover(Args({"--null-equals-empty"})).exit_code, 5);
  const CommandResult both =
      RunCutover(Args({"--normalize", "null-equals-empty", "--trim",
                       "--normalize", "case-fold@email"}));
  EXPECT_EQ(both.exit_code, 0) << both.out << both.err;
  const CommandResult bad = RunCutover(Args({"--normalize", "lowercase"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("normalizer 'lowercase' is unknown"),
            std::string::npos)
      << bad.err;
  const CommandResult unknown_column =
      RunCutover(Args({"--normalize", "trim@emial"}));
  EXPECT_EQ(unknown_column.exit_code, 2);
  EXPECT_NE(unknown_column.err.find("emial"), std::string::npos);
}

TEST_F(VerifyCliTest, FlagStoresTheVerdictInARedisStream) {
  Exec(*conn_, "UPDATE " + new_ + " SET email = 'x' WHERE id = 3");
  const CommandResult r =
      RunCutover(Args({"--flag", "name_split", "--chunk", "1000"}));
  ASSERT_EQ(r.exit_code, 5) << r.err;
  std::unique_ptr<RedisConnection> redis = Redis();
  ASSERT_NE(redis, nullptr);
  absl::StatusOr<RedisReplyPtr> reply = redis->Command(
      {"XREVRANGE", prefix_ + "verify:name_split", "+", "-", "COUNT", "1"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_EQ(ReplyElementCount(reply->get()), 1u);
  const redisReply* fields = ReplyElement(ReplyElement(reply->get(), 0), 1);
  nlohmann::json entry;
  for (size_t i = 0; i + 1 < ReplyElementCount(fields); i += 2) {
    entry[std::string(ReplyString(ReplyElement(fields, i)))] =
        std::string(ReplyString(ReplyElement(fields, i + 1)));
  }
  EXPECT_EQ(entry["equal"], "0");
  EXPECT_EQ(entry["rows_old"], "5000");
  EXPECT_EQ(entry["rows_new"], "5000");
  EXPECT_EQ(entry["difference_count"], "1");
  EXPECT_EQ(entry["chunks"], "6");
  EXPECT_TRUE(entry.contains("at"));

  // The fix lands; the newest entry says equal.
  Exec(*conn_, "UPDATE " + new_ + " SET email = 'u3@x' WHERE id = 3");
  ASSERT_EQ(RunCutover(Args({"--flag", "name_split"})).exit_code, 0);
  reply = redis->Command(
      {"XREVRANGE", prefix_ + "verify:name_split", "+", "-", "COUNT", "1"});
  ASSERT_TRUE(reply.ok());
  const redisReply* newest = ReplyElement(ReplyElement(reply->get(), 0), 1);
  EXPECT_EQ(ReplyString(ReplyElement(newest, 2)), "equal");
  EXPECT_EQ(ReplyString(ReplyElement(newest, 3)), "1");
}

// Verify only reads: a second statement is refused before it runs (exit 2),
// also one smuggled past the subquery verify wraps --old in, and a
// data-modifying WITH deletes nothing.
TEST_F(VerifyCliTest, RefusesWhatWouldWriteAndLeavesTheRowsAlone) {
  const std::string select = "SELECT id, email FROM " + old_;
  const struct {
    std::string old_query;
    const char* message_part;
  } cases[] = {
      {select + "; DELETE FROM " + old_,
       "--old holds more than one SQL statement"},
      {select + ") AS x; COMMIT; DELETE FROM " + old_ + "; SELECT * FROM (" +
           select,
       "--old query"},
      {"WITH d AS (DELETE FROM " + old_ +
           " RETURNING id, email) SELECT id, email FROM d",
       "--old query"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.old_query);
    const CommandResult r =
        RunCutover({"--prefix", prefix_, "verify", "--old", c.old_query,
                    "--new", "SELECT id, email FROM " + new_});
    EXPECT_EQ(r.exit_code, 2) << r.err << r.out;
    EXPECT_NE(r.err.find(c.message_part), std::string::npos) << r.err;
    EXPECT_EQ(QueryInt(*conn_, "SELECT count(*) FROM " + old_), 5000);
  }
}

struct VerifyBadInputCase {
  const char* name;
  std::vector<std::string> args;
  int exit_code;
  const char* message_part;
};

void PrintTo(const VerifyBadInputCase& c, std::ostream* os) { *os << c.name; }

class VerifyCliBadInput
    : public VerifyCliTest,
      public ::testing::WithParamInterface<VerifyBadInputCase> {};

TEST_P(VerifyCliBadInput, ExitsWithACodeAndAMessageNamingTheProblem) {
  std::vector<std::string> args;
  for (const std::string& a : GetParam().args) {
    if (a == "OLD") {
      args.push_back("SELECT id, email FROM " + old_);
    } else if (a == "NEW") {
      args.push_back("SELECT id, email FROM " + new_);
    } else {
      args.push_back(a);
    }
  }
  const CommandResult r = RunCutover(args);
  EXPECT_EQ(r.exit_code, GetParam().exit_code) << r.err << r.out;
  EXPECT_NE(r.err.find(GetParam().message_part), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    All, VerifyCliBadInput,
    ::testing::Values(
        VerifyBadInputCase{
            "MissingNew", {"verify", "--old", "OLD"}, 2, "--new"},
        VerifyBadInputCase{"ColumnCountsDiffer",
                           {"verify", "--old", "OLD", "--new", "SELECT 1"},
                           2,
                           "compared by position"},
        VerifyBadInputCase{
            "TooManyKeyColumns",
            {"verify", "--old", "OLD", "--new", "NEW", "--key-columns", "3"},
            2,
            "--key-columns"},
        VerifyBadInputCase{
            "BrokenQuery",
            {"verify", "--old", "SELEC id FROM nowhere", "--new", "NEW"},
            2,
            "--old query"},
        VerifyBadInputCase{
            "NullKey",
            {"verify", "--old", "SELECT NULL::int AS id, 'a' AS email", "--new",
             "NEW"},
            2,
            "NULL"},
        VerifyBadInputCase{
            "ZeroChunk",
            {"verify", "--old", "OLD", "--new", "NEW", "--chunk", "0"},
            2,
            "--chunk"},
        VerifyBadInputCase{
            "BadFlagName",
            {"verify", "--old", "OLD", "--new", "NEW", "--flag", "Name Split"},
            2,
            "--flag"},
        VerifyBadInputCase{
            "PostgresUnreachable",
            {"verify", "--db", "postgresql://app:s3cret@127.0.0.1:1/db",
             "--old", "OLD", "--new", "NEW"},
            1,
            "user=app password=*** dbname=db host=127.0.0.1 port=1"},
        VerifyBadInputCase{"RedisUnreachable",
                           {"--redis", "redis://:s3cret@127.0.0.1:1", "verify",
                            "--old", "OLD", "--new", "NEW", "--flag", "x"},
                           1,
                           "redis://:***@127.0.0.1:1"}),
    [](const ::testing::TestParamInfo<VerifyBadInputCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace cutover
