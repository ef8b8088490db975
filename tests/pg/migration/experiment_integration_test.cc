// End to end: an experiment reads the old and the new table from PostgreSQL,
// compares the two results with the row-set comparator, and the mismatch
// event it publishes to Redis (<prefix>events:<flag>) carries the JSON diff.
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "cutover/experiment.h"
#include "cutover/experiment_compare.h"
#include "cutover/internal/strings.h"
#include "cutover/pqxx_adapter.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_publisher.h"
#include "cutover/redis_url.h"
#include "cutover/row_set.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/test_env.h"
#include "support/test_redis.h"

namespace cutover::comparator {
namespace {

using Json = nlohmann::json;

class ComparatorExperimentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string db_url = cutover::testing::DatabaseUrl();
    const std::string redis_url = cutover::testing::RedisUrl();
    if (db_url.empty() || redis_url.empty()) GTEST_SKIP();
    redis_url_ = redis_url;
    prefix_ = cutover::testing::UniquePrefix("comparator_experiment");
    suffix_ = StrCat(getpid());
    db_ = std::make_unique<pqxx::connection>(db_url);
    auto endpoint = ParseRedisUrl(redis_url);
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    auto redis = RedisConnection::Connect(*endpoint);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);

    // The old shape splits the name and pads the last name (char(12)); the
    // new one joins them. User 2's name was changed in the new table only.
    pqxx::work tx(*db_);
    tx.exec("CREATE TABLE " + OldTable() +
            " (id int PRIMARY KEY, first_name text, last_name char(12), "
            "email text)");
    tx.exec("CREATE TABLE " + NewTable() +
            " (id int PRIMARY KEY, name text, email_address text)");
    tx.exec("INSERT INTO " + OldTable() +
            " VALUES (1, 'Ada', 'Lovelace', 'ada@x.io'),"
            " (2, 'Alan', 'Turing', 'alan@x.io'),"
            " (3, 'Grace', 'Hopper', 'grace@x.io')");
    tx.exec("INSERT INTO " + NewTable() +
            " VALUES (3, 'Grace Hopper', 'grace@x.io'),"
            " (1, 'Ada Lovelace', 'ada@x.io'),"
            " (2, 'Alan M. Turing', 'alan@x.io')");
    tx.commit();
  }

  void TearDown() override {
    if (db_ != nullptr) {
      pqxx::work tx(*db_);
      tx.exec("DROP TABLE IF EXISTS " + OldTable() + ", " + NewTable());
      tx.commit();
    }
    if (redis_ != nullptr) cutover::testing::DeleteKeysUnder(*redis_, prefix_);
  }

  std::string OldTable() const { return "cmp_users_old_" + suffix_; }
  std::string NewTable() const { return "cmp_users_new_" + suffix_; }

  RowSet Read(const std::string& sql) {
    pqxx::work tx(*db_);
    absl::StatusOr<RowSet> rows = pg::RowSetFromResult(tx.exec(sql));
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *std::move(rows) : RowSet();
  }
  RowSet ReadOld() {
    return Read("SELECT id, first_name, last_name, email FROM " + OldTable());
  }
  RowSet ReadNew() {
    return Read("SELECT id, name, email_address FROM " + NewTable());
  }

  // The stream entries' "result" documents, oldest first.
  std::vector<Json> Events(const std::string& flag) {
    std::vector<Json> out;
    auto entries =
        redis_->Command({"XRANGE", prefix_ + "events:" + flag, "-", "+"});
    EXPECT_TRUE(entries.ok()) << entries.status();
    if (!entries.ok()) return out;
    for (std::size_t i = 0; i < ReplyElementCount(entries->get()); ++i) {
      const redisReply* fields =
          ReplyElement(ReplyElement(entries->get(), i), 1);
      for (std::size_t f = 0; f + 1 < ReplyElementCount(fields); f += 2) {
        if (ReplyString(ReplyElement(fields, f)) == "result") {
          out.push_back(Json::parse(ReplyString(ReplyElement(fields, f + 1))));
        }
      }
    }
    return out;
  }

  std::string redis_url_;
  std::string prefix_;
  std::string suffix_;
  std::unique_ptr<pqxx::connection> db_;
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(ComparatorExperimentTest, MismatchEventInRedisCarriesTheJsonDiff) {
  RedisPublisher::Options publisher_options;
  publisher_options.redis_url = redis_url_;
  publisher_options.prefix = prefix_;
  auto publisher = RedisPublisher::Create(publisher_options);
  ASSERT_TRUE(publisher.ok()) << publisher.status();

  CompareOptions options;
  options.mode = CompareMode::kByKey;
  options.key_columns = {"id"};
  options.mapping.Derive("name", {"first_name", "last_name"}, ConcatText(" "))
      .Rename("email", "email_address");
  options.normalizers.ForAll(Normalizer::Trim());
  absl::StatusOr<RowSetExperimentCompare> compare =
      RowSetExperimentCompare::Create(options);
  ASSERT_TRUE(compare.ok()) << compare.status();

  ExperimentConfig<RowSet> config;
  config.name = "users.list";
  config.mode = ExecutionMode::kSerial;
  config.publisher = *publisher;
  config.compare_detailed = *compare;
  config.clean_control = RowSetSummary;
  auto experiment = Experiment<RowSet>::Create(std::move(config));
  ASSERT_TRUE(experiment.ok()) << experiment.status();

  const std::string flag = "users_v2";
  RunContext shadow;
  shadow.flag = flag;
  shadow.user_id = "u-1";
  shadow.stage = Stage::kShadow;
  shadow.control_side = Side::kOld;
  const RowSet returned = experiment->Run(
      shadow, [&] { return ReadOld(); }, [&] { return ReadNew(); });
  EXPECT_EQ(returned.columns().size(), 4u);  // the control's (old) result

  // In `live` the control reads the new table; the shapes tell the compare.
  RunContext live = shadow;
  live.user_id = "u-2";
  live.stage = Stage::kLive;
  live.control_side = Side::kNew;
  experiment->Run(
      live, [&] { return ReadNew(); }, [&] { return ReadOld(); });

  // An equal pair of results publishes no event.
  experiment->Run(
      shadow,
      [&] {
        return Read("SELECT id, first_name, last_name, email FROM " +
                    OldTable() + " WHERE id <> 2");
      },
      [&] {
        return Read("SELECT id, name, email_address FROM " + NewTable() +
                    " WHERE id <> 2");
      });

  ASSERT_TRUE((*publisher)->Flush(std::chrono::seconds(10)).ok());
  const std::vector<Json> events = Events(flag);
  ASSERT_EQ(events.size(), 2u);
  for (const Json& event : events) {
    SCOPED_TRACE(event.dump());
    EXPECT_EQ(event["outcome"], "mismatch");
    EXPECT_EQ(event["experiment"], "users.list");
    ASSERT_TRUE(event.contains("diff"));
    const Json& diff = event["diff"];
    EXPECT_EQ(diff["mode"], "by_key");
    EXPECT_EQ(diff["equal"], false);
    EXPECT_EQ(diff["columns"], Json({"id", "name", "email_address"}));
    EXPECT_EQ(diff["rows"], Json({{"old", 3}, {"new", 3}}));
    EXPECT_EQ(diff["counts"]["changed_rows"], 1);
    EXPECT_EQ(diff["counts"]["missing_rows"], 0);
    EXPECT_EQ(diff["counts"]["extra_rows"], 0);
    ASSERT_EQ(diff["changed"].size(), 1u);
    EXPECT_EQ(diff["changed"][0]["key"]["id"], 2);
    const Json& cell = diff["changed"][0]["cells"][0];
    EXPECT_EQ(cell["column"], "name");
    // Raw values: the derived old name still has char(12)'s padding (the
    // trim normalizer only hid it from the decision).
    EXPECT_EQ(cell["old"], "Alan Turing      ");
    EXPECT_EQ(cell["new"], "Alan M. Turing");
  }
  EXPECT_EQ(events[0]["stage"], "shadow");
  EXPECT_EQ(events[0]["control_side"], "old");
  EXPECT_EQ(events[0]["diff"]["old_side"], "control");
  EXPECT_EQ(events[0]["control"]["value"],
            "3 rows: id, first_name, last_name, email");
  EXPECT_EQ(events[1]["stage"], "live");
  EXPECT_EQ(events[1]["control_side"], "new");
  EXPECT_EQ(events[1]["diff"]["old_side"], "candidate");
}

}  // namespace
}  // namespace cutover::comparator
