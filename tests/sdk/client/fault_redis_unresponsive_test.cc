// Redis that is up but does not answer (DEBUG SLEEP, CLIENT PAUSE): every Redis
// call times out instead of hanging, and evaluation is never affected. Blocks
// the shared Redis, so this file runs alone.
#include <thread>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

class FaultRedisUnresponsiveTest
    : public ::testing::TestWithParam<std::vector<std::string>> {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix("unresponsive");
    RedisOptions fast;
    fast.command_timeout = milliseconds(300);
    auto store = RedisFlagStore::FromUrl(testing::RedisUrl(), prefix_, fast);
    ASSERT_TRUE(store.ok());
    store_ = std::shared_ptr<RedisFlagStore>(*std::move(store));
    Flag f;
    f.name = "pm";
    f.default_stage = Stage::kShadow;
    FlagAdmin admin(*store_);
    ASSERT_TRUE(admin.Create(f, {"t", false}).ok());
  }
  std::string prefix_;
  std::shared_ptr<RedisFlagStore> store_;
};

TEST_P(FaultRedisUnresponsiveTest, CallsTimeOutAndEvaluationCarriesOn) {
  ClientOptions options;
  options.prefix = prefix_;
  options.poll_interval = milliseconds(100);
  options.redis.command_timeout = milliseconds(300);
  options.logger = MakeNullLogger();
  auto client = Client::Start(store_, options);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->status().ready);

  // Block the server from another connection for 2 s.
  const auto blocked_until =
      std::chrono::steady_clock::now() + milliseconds(2000);
  std::thread blocker([args = GetParam()] {
    auto conn = RedisConnection::Connect(
        *ParseRedisUrl(testing::RedisUrl()),
        RedisOptions{milliseconds(1000), milliseconds(5000)});
    ASSERT_TRUE(conn.ok());
    std::vector<std::string_view> argv(args.begin(), args.end());
    EXPECT_TRUE((*conn)->Command(argv).ok());
  });
  std::this_thread::sleep_for(
      milliseconds(100));  // let the blocking command start

  // A store call gives up after its timeout instead of waiting the server out.
  auto version = store_->Version();
  EXPECT_FALSE(version.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(version.status()) ||
              absl::IsUnavailable(version.status()))
      << version.status();
  // The application's evaluations never wait on Redis at all.
  for (int i = 0; i < 100000; ++i) {
    ASSERT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
              Stage::kShadow);
  }
  // The CLI says it timed out and exits 1.
  const auto cli =
      testing::RunCutover({"--redis", testing::RedisUrl(), "--prefix", prefix_,
                           "flag", "show", "pm"});
  blocker.join();
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  // Once Redis answers again (CLIENT PAUSE returns at once, so wait the pause
  // out), so does the store.
  std::this_thread::sleep_until(blocked_until + milliseconds(200));
  EXPECT_TRUE(store_->Version().ok());
}

INSTANTIATE_TEST_SUITE_P(
    Blockers, FaultRedisUnresponsiveTest,
    ::testing::Values(std::vector<std::string>{"DEBUG", "SLEEP", "2"},
                      std::vector<std::string>{"CLIENT", "PAUSE", "2000",
                                               "ALL"}),
    [](const auto& info) {
      return info.param[0] == "DEBUG" ? "DebugSleep" : "ClientPause";
    });

}  // namespace
}  // namespace cutover
