// The live client against the real Redis: pub/sub propagation, the polling
// safety net and corrupt documents written behind the CLI's back. A cut
// subscription is fault_client_pubsub_cut_test.cc: cutting it disturbs every
// test beside it.
#include <hiredis/hiredis.h>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

class ClientIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix("client");
    auto store = RedisFlagStore::FromUrl(testing::RedisUrl(), prefix_);
    ASSERT_TRUE(store.ok());
    store_ = *std::move(store);
    auto conn = RedisConnection::Connect(*ParseRedisUrl(testing::RedisUrl()));
    ASSERT_TRUE(conn.ok());
    redis_ = *std::move(conn);
  }
  ClientOptions Options(milliseconds poll = milliseconds(200)) {
    ClientOptions o;
    o.prefix = prefix_;
    o.poll_interval = poll;
    o.logger = MakeNullLogger();
    return o;
  }
  testing::CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> full = {"--redis", testing::RedisUrl(), "--prefix",
                                     prefix_};
    full.insert(full.end(), args.begin(), args.end());
    return testing::RunCutover(full);
  }
  std::string prefix_;
  std::unique_ptr<RedisFlagStore> store_;
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(ClientIntegrationTest, CliChangeReachesARunningClientThroughPubSub) {
  // A poll interval far longer than the wait proves the change came through
  // pub/sub.
  auto client =
      Client::StartRedis(testing::RedisUrl(), Options(milliseconds(60000)));
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->status().ready);
  ASSERT_EQ(Cli({"flag", "create", "pm", "--stage", "dualwrite"}).exit_code, 0);
  ASSERT_EQ(Cli({"flag", "target", "pm", "--group", "staff", "--stage", "live"})
                .exit_code,
            0);
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(10000)));
  std::string_view staff[] = {"staff"};
  const Evaluation e =
      (*client)->Evaluate("pm", EvaluationContext("u1", staff));
  EXPECT_EQ(e.stage, Stage::kLive);
  EXPECT_EQ(e.reason, Reason::kGroup);
}

TEST_F(ClientIntegrationTest, ChangeWithALostAnnouncementIsPickedUpByThePoll) {
  auto client =
      Client::StartRedis(testing::RedisUrl(), Options(milliseconds(100)));
  ASSERT_TRUE(client.ok());
  // Written as a hand-made change would be: no PUBLISH at all, as if the
  // message was lost while the subscription was cut.
  const std::string doc =
      R"({"name":"pm","default_stage":"shadow","version":1})";
  ASSERT_TRUE(redis_->Command({"HSET", prefix_ + "flags", "pm", doc}).ok());
  ASSERT_TRUE(redis_->Command({"INCR", prefix_ + "version"}).ok());
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(10000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kShadow);
}

TEST_F(ClientIntegrationTest, CorruptDocumentIsReportedAndSparesOtherFlags) {
  ASSERT_EQ(Cli({"flag", "create", "pm", "--stage", "dualwrite"}).exit_code, 0);
  ASSERT_EQ(Cli({"flag", "create", "other", "--stage", "shadow"}).exit_code, 0);
  auto client = Client::StartRedis(testing::RedisUrl(), Options());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(redis_
                  ->Command({"HSET", prefix_ + "flags", "pm",
                             "{\"name\": \"pm\", oops"})
                  .ok());
  ASSERT_TRUE(redis_->Command({"INCR", prefix_ + "version"}).ok());
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(10000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kDualWrite);
  EXPECT_EQ((*client)->Evaluate("other", EvaluationContext("u")).stage,
            Stage::kShadow);
  EXPECT_EQ((*client)->status().corrupt_flags, std::vector<std::string>{"pm"});
  // The operator sees it too.
  const auto show = Cli({"flag", "show", "pm"});
  EXPECT_NE(show.exit_code, 0);
  EXPECT_NE(show.err.find("corrupt"), std::string::npos) << show.err;
  EXPECT_NE(show.err.find("not valid JSON"), std::string::npos) << show.err;
}

}  // namespace
}  // namespace cutover
