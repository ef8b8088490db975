// Per-origin tracking published to Redis: a migration's reads and writes,
// counted by RedisOperationTracker, arrive in <prefix>ops:<flag>:<minute>
// with the documented field names, exactly once each.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/in_memory_flag_store.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/migration.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_operation_tracker.h"
#include "support/test_env.h"
#include "support/test_redis.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

class OperationTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::RedisUrl();
    ASSERT_FALSE(url_.empty());
    prefix_ = testing::UniquePrefix("ops");
    conn_ = testing::ConnectForTest(url_);
    ASSERT_NE(conn_, nullptr);
  }
  void TearDown() override {
    for (const std::string& key : Keys()) (void)conn_->Command({"DEL", key});
  }

  std::vector<std::string> Keys() {
    return testing::ScanKeys(*conn_, prefix_ + "ops:*");
  }

  // Every field summed over the flag's minutes (a run may cross a minute).
  std::map<std::string, long long> Fields() {
    std::map<std::string, long long> fields;
    for (const std::string& key : Keys()) {
      auto reply = conn_->Command({"HGETALL", key});
      EXPECT_TRUE(reply.ok());
      if (!reply.ok()) continue;
      for (size_t i = 0; i + 1 < ReplyElementCount(reply->get()); i += 2) {
        long long v = 0;
        EXPECT_TRUE(
            ParseInteger(ReplyString(ReplyElement(reply->get(), i + 1)), &v));
        fields[std::string(ReplyString(ReplyElement(reply->get(), i)))] += v;
      }
    }
    return fields;
  }

  std::string url_;
  std::string prefix_;
  std::unique_ptr<RedisConnection> conn_;
};

TEST_F(OperationTrackerTest, MigrationOperationsArriveInRedisOnce) {
  auto store = std::make_shared<InMemoryFlagStore>();
  Flag flag;
  flag.name = "users_v2";
  flag.default_stage = Stage::kShadow;
  ASSERT_TRUE(FlagAdmin(*store).Create(flag, {"test", false}).ok());
  ClientOptions client_options;
  client_options.logger = MakeNullLogger();
  auto client = *Client::Start(store, client_options);

  RedisOperationTracker::Options options;
  options.redis_url = url_;
  options.prefix = prefix_;
  options.flag = "users_v2";
  options.flush_interval = milliseconds(50);
  auto tracker = RedisOperationTracker::Create(options);
  ASSERT_TRUE(tracker.ok()) << tracker.status();

  Migration<int, int>::Config config;
  config.flag = "users_v2";
  config.tracker = *tracker;
  config.publisher = std::make_shared<InMemoryPublisher>();
  config.logger = MakeNullLogger();
  config.read_old = [](const int& i) { return i; };
  config.read_new = [](const int& i) { return i; };
  config.write_old = [](const int&) { return absl::OkStatus(); };
  config.write_new = [](const int& i) {
    return i % 2 == 0 ? absl::OkStatus() : absl::AbortedError("odd");
  };
  config.entity_key = [](const int& i) { return std::to_string(i); };
  auto migration = Migration<int, int>::Create(*client, config);
  ASSERT_TRUE(migration.ok()) << migration.status();

  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(migration->Read(EvaluationContext("u"), i).ok());
  }
  ASSERT_TRUE((*tracker)->Flush(milliseconds(5000)).ok());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(migration->Write(EvaluationContext("u"), i).ok());
  }
  ASSERT_TRUE((*tracker)->Flush(milliseconds(5000)).ok());
  // A flush with nothing new writes nothing more.
  ASSERT_TRUE((*tracker)->Flush(milliseconds(5000)).ok());

  std::map<std::string, long long> f = Fields();
  EXPECT_EQ(f["read_operations"], 10);
  EXPECT_EQ(f["read_stage_shadow"], 10);
  EXPECT_EQ(f["read_reason_default"], 10);
  EXPECT_EQ(f["read_sampled"], 10);
  EXPECT_EQ(f["read_compared"], 10);
  EXPECT_EQ(f["read_old_runs"], 10);
  EXPECT_EQ(f["read_new_runs"], 10);
  EXPECT_GT(f["read_old_latency_ns_sum"], 0);
  EXPECT_EQ(f["write_operations"], 4);
  EXPECT_EQ(f["write_old_runs"], 4);
  EXPECT_EQ(f["write_new_runs"], 4);
  EXPECT_EQ(f["write_new_errors"], 2);
  EXPECT_EQ(f["write_reconcile_recorded"], 2);
  EXPECT_EQ(f.count("write_caller_errors"), 0u);  // zeros are not written
  for (const std::string& key : Keys()) {
    auto ttl = conn_->Command({"TTL", key});
    ASSERT_TRUE(ttl.ok());
    EXPECT_GT(ReplyInteger(ttl->get()), 0) << key;
  }
}

TEST_F(OperationTrackerTest, InvalidOptionsAreRefused) {
  RedisOperationTracker::Options options;
  options.redis_url = url_;
  options.flag = "Not A Flag";
  auto created = RedisOperationTracker::Create(options);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("not a valid flag name"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace cutover
