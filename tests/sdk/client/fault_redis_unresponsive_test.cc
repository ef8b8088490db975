// Redis that is up but does not answer (DEBUG SLEEP, CLIENT PAUSE): every Redis
// call times out instead of hanging, and evaluation is never affected. Blocks
// the shared Redis, so this file runs alone.
#include <thread>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "support/poll.h"
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
  std::thread blocker([args = GetParam()] {
    auto conn = RedisConnection::Connect(
        *ParseRedisUrl(testing::RedisUrl()),
        RedisOptions{milliseconds(1000), milliseconds(5000)});
    ASSERT_TRUE(conn.ok());
    std::vector<std::string_view> argv(args.begin(), args.end());
    EXPECT_TRUE((*conn)->Command(argv).ok());
  });
  // A store call gives up after its timeout instead of waiting the server
  // out; the first one that does so shows that the block has started.
  absl::Status version;
  EXPECT_TRUE(testing::PollUntil([&] {
    version = store_->Version().status();
    return !version.ok();
  })) << "the server was never blocked";
  EXPECT_TRUE(absl::IsDeadlineExceeded(version) || absl::IsUnavailable(version))
      << version;
  // The application's evaluations never wait on Redis at all. (Counted, not
  // asserted in the loop: the blocker thread must be joined.)
  int wrong_stage = 0;
  for (int i = 0; i < 100000; ++i) {
    wrong_stage += (*client)->Evaluate("pm", EvaluationContext("u")).stage !=
                   Stage::kShadow;
  }
  EXPECT_EQ(wrong_stage, 0);
  // The CLI says it timed out and exits 1.
  const auto cli =
      testing::RunCutover({"--redis", testing::RedisUrl(), "--prefix", prefix_,
                           "flag", "show", "pm"});
  blocker.join();
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  // Once Redis answers again (CLIENT PAUSE returns at once, so wait the pause
  // out), so does the store.
  EXPECT_TRUE(testing::PollUntil([&] { return store_->Version().ok(); }));
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
