// The live client while Redis goes away and comes back (it stops and restarts
// the shared Redis, so this file runs alone).
#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "support/poll.h"
#include "support/test_env.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

class FaultClientRedisRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix("fault-client");
    auto store = RedisFlagStore::FromUrl(testing::RedisUrl(), prefix_);
    ASSERT_TRUE(store.ok());
    store_ = std::shared_ptr<RedisFlagStore>(*std::move(store));
    snapshot_path_ =
        ::testing::TempDir() + "/cutover-snapshot-" + std::to_string(getpid());
    std::remove(snapshot_path_.c_str());
  }
  void TearDown() override {
    // Whatever happened, leave Redis running for the next test.
    testing::RunCommand({ServicesScript(), "redis-start"});
    std::remove(snapshot_path_.c_str());
  }
  static std::string ServicesScript() { return testing::ServicesScript(); }
  ClientOptions Options() {
    ClientOptions o;
    o.prefix = prefix_;
    o.poll_interval = milliseconds(100);
    o.reconnect.initial_delay = milliseconds(20);
    o.reconnect.max_delay = milliseconds(200);
    o.redis.connect_timeout = milliseconds(200);
    o.redis.command_timeout = milliseconds(500);
    o.snapshot_path = snapshot_path_;
    o.logger = MakeNullLogger();
    return o;
  }
  void SetStage(Stage stage) {
    FlagAdmin admin(*store_);
    auto f = admin.Update("pm", "stage",
                          [stage](Flag& f) {
                            f.default_stage = stage;
                            return absl::OkStatus();
                          },
                          {"t", false});
    ASSERT_TRUE(f.ok()) << f.status();
  }
  void CreateFlag() {
    Flag f;
    f.name = "pm";
    f.default_stage = Stage::kDualWrite;
    FlagAdmin admin(*store_);
    ASSERT_TRUE(admin.Create(f, {"t", false}).ok());
  }

  std::string prefix_;
  std::string snapshot_path_;
  std::shared_ptr<RedisFlagStore> store_;
};

TEST_F(FaultClientRedisRestartTest,
       ServesTheSnapshotWhileRedisIsDownAndCatchesUpAfter) {
  CreateFlag();
  auto client = Client::Start(store_, Options());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->status().ready);

  ASSERT_EQ(testing::RunCommand({ServicesScript(), "redis-stop"}).exit_code, 0);
  // Evaluations keep answering from the last snapshot while the client notices
  // the outage.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
              Stage::kDualWrite);
  }
  ClientStatus status;
  EXPECT_TRUE(testing::PollUntil([&] {
    status = (*client)->status();
    return status.stale;
  })) << "the client never noticed that Redis is down";
  EXPECT_TRUE(status.ready);
  EXPECT_FALSE(status.last_error.empty());
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kDualWrite);

  ASSERT_EQ(testing::RunCommand({ServicesScript(), "redis-start"}).exit_code,
            0);
  SetStage(Stage::kShadow);  // a change made after Redis returns
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(10000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kShadow);
  EXPECT_FALSE((*client)->status().stale);
}

TEST_F(FaultClientRedisRestartTest,
       ClientStartedWhileRedisIsDownServesItsSnapshotFile) {
  CreateFlag();
  SetStage(Stage::kShadow);
  {
    auto writer = Client::Start(store_, Options());  // writes the snapshot file
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->status().ready);
  }
  ASSERT_EQ(testing::RunCommand({ServicesScript(), "redis-stop"}).exit_code, 0);
  auto client = Client::Start(store_, Options());
  ASSERT_TRUE(client.ok());
  const ClientStatus status = (*client)->status();
  EXPECT_TRUE(status.ready);
  EXPECT_TRUE(status.from_snapshot_file);
  EXPECT_TRUE(status.stale);
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kShadow);

  ASSERT_EQ(testing::RunCommand({ServicesScript(), "redis-start"}).exit_code,
            0);
  SetStage(Stage::kLive);
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(10000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kLive);
  EXPECT_FALSE((*client)->status().from_snapshot_file);
}

TEST_F(FaultClientRedisRestartTest, WithoutRedisOrSnapshotTheClientIsNotReady) {
  ASSERT_EQ(testing::RunCommand({ServicesScript(), "redis-stop"}).exit_code, 0);
  auto client = Client::Start(store_, Options());
  ASSERT_TRUE(client.ok());
  const Evaluation e =
      (*client)->Evaluate("pm", EvaluationContext("u"), Stage::kOff);
  EXPECT_EQ(e.reason, Reason::kNotReady);
  EXPECT_EQ(e.stage, Stage::kOff);
}

}  // namespace
}  // namespace cutover
