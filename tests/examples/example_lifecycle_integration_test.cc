// Both example migrations through their whole lifecycle on the real servers:
// expand, dual writes, backfill, shadow, live, rampdown, complete, contract,
// with traffic from 4 threads at every stage, injected new-side write failures
// reconciled, and SQL checks that old and new agree at every stage until
// complete.
#include <cstdlib>
#include <pqxx/pqxx>

#include "common/example_cli.h"
#include "common/traffic.h"
#include "cutover/flag_admin.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "name_split/name_rules.h"
#include "name_split/name_split_example.h"
#include "pair_membership/pair_membership_example.h"
#include "support/test_env.h"

namespace cutover::examples {
namespace {

enum class Which { kNameSplit, kPairMembership };

class ExampleLifecycleTest : public ::testing::TestWithParam<Which> {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix("lifecycle");
    schema_ = "lifecycle_" + std::to_string(getpid()) + "_" +
              (GetParam() == Which::kNameSplit ? "names" : "pairs");
    setenv("CUTOVER_EXAMPLE_SCHEMA", schema_.c_str(), 1);
    setenv("CUTOVER_PREFIX", prefix_.c_str(), 1);
    setenv("CUTOVER_REDIS_URL", testing::RedisUrl().c_str(), 1);
    setenv("DATABASE_URL", testing::DatabaseUrl().c_str(), 1);
    if (GetParam() == Which::kNameSplit) {
      example_ = std::make_unique<NameSplitExample>();
    } else {
      example_ = std::make_unique<PairMembershipExample>();
    }
    env_ = ExampleEnvironment::FromProcessEnvironment();
    store_ = *RedisFlagStore::FromUrl(env_.redis_url, prefix_);
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

  void SetStage(Stage stage) {
    FlagAdmin admin(*store_);
    auto f = admin.Update(example_->flag(), "stage",
                          [stage](Flag& f) {
                            f.default_stage = stage;
                            return absl::OkStatus();
                          },
                          {"test", false});
    ASSERT_TRUE(f.ok()) << f.status();
  }

  TrafficStats Traffic(double fail_new_writes) {
    TrafficOptions options;
    options.users = kUsers;
    options.requests = 1500;
    options.threads = 4;
    options.write_fraction = 0.3;
    options.faults.fail_new_writes = fail_new_writes;
    auto stats = RunTraffic(*example_, env_, options);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : TrafficStats{};
  }

  // Rows where the old and the new schema disagree, computed in SQL.
  std::int64_t Disagreements() {
    pqxx::connection conn(env_.database_url);
    pqxx::nontransaction tx(conn);
    const std::string s = tx.quote_name(schema_);
    if (GetParam() == Which::kNameSplit) {
      return tx
          .exec1("SELECT count(*) FROM " + s + ".users WHERE (" +
                 name_split::FirstNameOf("name") + ", " +
                 name_split::LastNameOf("name") +
                 ") IS DISTINCT FROM (first_name, last_name)")[0]
          .as<std::int64_t>();
    }
    return tx
        .exec1("SELECT count(*) FROM " + s + ".users u FULL JOIN " + s +
               ".user_pair up ON up.user_id = u.id WHERE u.joined_pair_id IS "
               "DISTINCT FROM "
               "up.pair_id")[0]
        .as<std::int64_t>();
  }

  static constexpr std::int64_t kUsers = 3000;
  std::string prefix_, schema_;
  std::unique_ptr<MigrationExample> example_;
  ExampleEnvironment env_;
  std::unique_ptr<RedisFlagStore> store_;
};

TEST_P(ExampleLifecycleTest,
       WholeRolloutUnderTrafficKeepsOldAndNewInAgreement) {
  ASSERT_EQ(Cli({"setup", "--users", std::to_string(kUsers)}), 0);
  ASSERT_EQ(Cli({"expand"}), 0);
  ASSERT_EQ(Cli({"expand"}), 0) << "expand must be idempotent";
  Flag flag;
  flag.name = example_->flag();
  flag.default_stage = Stage::kOff;
  ASSERT_TRUE(FlagAdmin(*store_).Create(flag, {"test", false}).ok());

  // off: the application works on the old schema alone.
  EXPECT_EQ(Traffic(0).errors, 0);

  // dualwrite + backfill, with 5% of new-side writes failing inside PostgreSQL.
  SetStage(Stage::kDualWrite);
  TrafficStats during = Traffic(0.05);
  EXPECT_EQ(during.errors, 0)
      << "a failed new-side write must not fail the request";
  EXPECT_GT(during.new_write_failures, 0);
  ASSERT_EQ(Cli({"backfill", "--batch", "500"}), 0);
  ASSERT_EQ(Cli({"reconcile"}), 0);
  EXPECT_EQ(Disagreements(), 0);
  EXPECT_EQ(Cli({"verify"}), 0);

  // shadow: compared reads; failures injected again and reconciled again.
  SetStage(Stage::kShadow);
  during = Traffic(0.05);
  EXPECT_EQ(during.errors, 0);
  ASSERT_EQ(Cli({"reconcile"}), 0);
  EXPECT_EQ(Disagreements(), 0);

  // live and rampdown: the new schema is authoritative.
  for (Stage stage : {Stage::kLive, Stage::kRampDown}) {
    SetStage(stage);
    EXPECT_EQ(Traffic(0).errors, 0) << StageName(stage);
    EXPECT_EQ(Disagreements(), 0) << StageName(stage);
  }
  EXPECT_EQ(Cli({"verify"}), 0);

  // Contract is refused until the flag is complete.
  EXPECT_EQ(Cli({"contract"}), 2);
  EXPECT_EQ(Disagreements(), 0) << "a refused contract must drop nothing";
  SetStage(Stage::kComplete);
  EXPECT_EQ(Traffic(0).errors, 0);
  ASSERT_EQ(Cli({"contract"}), 0);
  EXPECT_EQ(Traffic(0).errors, 0)
      << "the application keeps working after contract";
  EXPECT_EQ(Cli({"after-contract", "--user", "7"}), 0);
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleLifecycleTest,
                         ::testing::Values(Which::kNameSplit,
                                           Which::kPairMembership),
                         [](const auto& info) {
                           return info.param == Which::kNameSplit
                                      ? "NameSplit"
                                      : "PairMembership";
                         });

TEST(NameSplitSqlTest, SqlSplitMatchesTheCppRuleOnRealNames) {
  const std::string url = testing::DatabaseUrl();
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  for (const char* name :
       {"Ada Lovelace", "Cher", "José María García", "山田 太郎",
        "  Grace   Hopper ", "Alan\tTuring", "", "Zoë\u3000Ødegård"}) {
    const pqxx::row r =
        tx.exec_params1("SELECT " + name_split::FirstNameOf("$1::text") + ", " +
                            name_split::LastNameOf("$1::text"),
                        std::string(name));
    const SplitName split = Split(name);
    EXPECT_EQ(r[0].as<std::string>(), split.first_name) << name;
    EXPECT_EQ(r[1].as<std::string>(), split.last_name) << name;
  }
}

}  // namespace
}  // namespace cutover::examples
