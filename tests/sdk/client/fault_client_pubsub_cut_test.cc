// The live client when Redis cuts its subscription (CLIENT KILL TYPE pubsub):
// a change made while it is cut still reaches the client. The kill cuts every
// subscriber on the shared Redis, those of the tests running beside it too, so
// this file is a fault test and runs alone.
#include "cutover/client.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "support/test_env.h"
#include "support/test_redis.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

class FaultClientPubSubCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix("client-pubsub-cut");
    auto store = RedisFlagStore::FromUrl(testing::RedisUrl(), prefix_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    redis_ = testing::ConnectForTest();
    ASSERT_NE(redis_, nullptr);
  }
  void TearDown() override {
    if (redis_ != nullptr) testing::DeleteKeysUnder(*redis_, prefix_);
  }

  std::string prefix_;
  std::unique_ptr<RedisFlagStore> store_;
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(FaultClientPubSubCutTest, ChangeWhileTheSubscriptionIsCutIsCaughtUp) {
  ClientOptions options;
  options.prefix = prefix_;
  options.poll_interval = milliseconds(100);
  options.logger = MakeNullLogger();
  auto client = Client::StartRedis(testing::RedisUrl(), options);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(redis_->Command({"CLIENT", "KILL", "TYPE", "pubsub"}).ok());
  const auto create =
      testing::RunCutover({"--redis", testing::RedisUrl(), "--prefix", prefix_,
                           "flag", "create", "pm", "--stage", "dualwrite"});
  ASSERT_EQ(create.exit_code, 0) << create.out << create.err;
  auto version = store_->Version();
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_TRUE((*client)->WaitForVersion(*version, milliseconds(10000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kDualWrite);
}

}  // namespace
}  // namespace cutover
