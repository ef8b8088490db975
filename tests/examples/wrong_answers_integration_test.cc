// --bug-rate on the pair_membership example, on the real servers: every
// new-side read that runs the buggy query counts as a bug injected, but only
// the ones whose answer really differs from the correct one count as wrong
// answers. The buggy join returns no rows for a user without a pair, and
// neither does the correct one, so such a read is not a wrong answer.
#include <cstdlib>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <vector>

#include "common/example_cli.h"
#include "common/example_runtime.h"
#include "common/traffic.h"
#include "cutover/flag_admin.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "pair_membership/pair_membership_example.h"
#include "support/test_env.h"

namespace cutover::examples {
namespace {

class WrongAnswersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix("wrong-answers");
    schema_ = "wrong_answers_" + std::to_string(getpid());
    setenv("CUTOVER_EXAMPLE_SCHEMA", schema_.c_str(), 1);
    setenv("CUTOVER_PREFIX", prefix_.c_str(), 1);
    setenv("CUTOVER_REDIS_URL", testing::RedisUrl().c_str(), 1);
    setenv("DATABASE_URL", testing::DatabaseUrl().c_str(), 1);
    example_ = std::make_unique<PairMembershipExample>();  // reads the schema
    env_ = ExampleEnvironment::FromProcessEnvironment();
    auto store = RedisFlagStore::FromUrl(env_.redis_url, prefix_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);

    // Every user's reads compared: the new-side (buggy) read runs for all.
    ASSERT_EQ(Cli({"setup", "--users", std::to_string(kUsers)}), 0);
    ASSERT_EQ(Cli({"expand"}), 0);
    Flag flag;
    flag.name = example_->flag();
    flag.default_stage = Stage::kDualWrite;
    ASSERT_TRUE(FlagAdmin(*store_).Create(flag, {"test", false}).ok());
    ASSERT_EQ(Cli({"backfill", "--batch", "1000"}), 0);
    auto shadow = FlagAdmin(*store_).Update(flag.name, "stage",
                                            [](Flag& f) {
                                              f.default_stage = Stage::kShadow;
                                              f.sample_rate = 1.0;
                                              return absl::OkStatus();
                                            },
                                            {"test", false});
    ASSERT_TRUE(shadow.ok()) << shadow.status();
  }
  void TearDown() override {
    pqxx::connection conn(env_.database_url);
    pqxx::nontransaction tx(conn);
    tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(schema_) + " CASCADE");
  }

  int Cli(std::vector<std::string> args) {
    args.insert(args.begin(), "example");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return RunExampleCli(*example_, static_cast<int>(argv.size()), argv.data());
  }

  // The first user with (or without) a pair, by the old schema, which the
  // backfill copied.
  std::int64_t FirstUser(bool with_pair) {
    pqxx::connection conn(env_.database_url);
    pqxx::nontransaction tx(conn);
    return tx
        .exec1("SELECT min(id) FROM " + tx.quote_name(schema_) +
               ".users WHERE joined_pair_id IS " +
               (with_pair ? "NOT NULL" : "NULL"))[0]
        .as<std::int64_t>();
  }

  static constexpr std::int64_t kUsers = 500;
  std::string prefix_, schema_;
  std::unique_ptr<PairMembershipExample> example_;
  ExampleEnvironment env_;
  std::unique_ptr<RedisFlagStore> store_;
};

TEST_F(WrongAnswersTest, AReadForAUserWithoutAPairIsNotAWrongAnswer) {
  auto runtime = ExampleRuntime::Start(env_, 1);
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  FaultInjection faults;
  faults.bug_rate = 1.0;  // every new-side read runs the buggy query
  auto worker = example_->MakeWorker(**runtime, faults);
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::mt19937_64 rng(1);

  const RequestOutcome pairless = (*worker)->Read(FirstUser(false), rng);
  EXPECT_TRUE(pairless.ok);
  EXPECT_EQ(pairless.stage, Stage::kShadow);
  EXPECT_TRUE(pairless.bug_injected);
  EXPECT_FALSE(pairless.wrong_answer);

  const RequestOutcome paired = (*worker)->Read(FirstUser(true), rng);
  EXPECT_TRUE(paired.ok);
  EXPECT_TRUE(paired.bug_injected);
  EXPECT_TRUE(paired.wrong_answer);
}

TEST_F(WrongAnswersTest, TrafficCountsWrongAnswersAmongTheInjectedBugs) {
  TrafficOptions options;
  options.users = kUsers;
  options.requests = 1000;
  options.threads = 4;
  options.write_fraction = 0;
  options.faults.bug_rate = 1.0;
  auto stats = RunTraffic(*example_, env_, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->errors, 0);
  EXPECT_EQ(stats->bugs_injected, stats->reads);
  EXPECT_LE(stats->wrong_answers, stats->bugs_injected);
  // One user in 17 has no pair, so 1000 random reads include a pairless one
  // and a paired one with a probability indistinguishable from 1.
  EXPECT_LT(stats->wrong_answers, stats->bugs_injected);
  EXPECT_GT(stats->wrong_answers, 0);

  EXPECT_EQ(stats->ToJson()["wrong_answers"], stats->wrong_answers);
  const std::string text = stats->ToText();
  EXPECT_NE(text.find(std::to_string(stats->wrong_answers) + " wrong answers"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace cutover::examples
