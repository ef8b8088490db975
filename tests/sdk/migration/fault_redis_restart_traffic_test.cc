// Redis shut down and restarted while the application evaluates flags, runs
// compared reads and dual writes, and publishes results: no application call
// fails, the last known stages are served, the client reconnects promptly,
// changes made after Redis returns are applied, and the publisher's memory
// stays bounded. Stops the shared Redis, so this file runs alone.
#include <atomic>
#include <thread>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/migration.h"
#include "cutover/redis_flag_store.h"
#include "cutover/redis_publisher.h"
#include "gtest/gtest.h"
#include "support/poll.h"
#include "support/test_env.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class FaultRedisRestartTrafficTest : public ::testing::Test {
 protected:
  void TearDown() override {
    testing::RunCommand({testing::ServicesScript(), "redis-start"});
  }
};

TEST_F(FaultRedisRestartTrafficTest,
       ApplicationCallsNeverFailAndEverythingResumes) {
  const std::string prefix = testing::UniquePrefix("restart-traffic");
  RedisOptions fast{milliseconds(200), milliseconds(300)};
  std::shared_ptr<RedisFlagStore> store(
      *RedisFlagStore::FromUrl(testing::RedisUrl(), prefix, fast));
  Flag flag;
  flag.name = "pm";
  flag.default_stage = Stage::kShadow;
  ASSERT_TRUE(FlagAdmin(*store).Create(flag, {"t", false}).ok());

  ClientOptions client_options;
  client_options.prefix = prefix;
  client_options.redis = fast;
  client_options.poll_interval = milliseconds(100);
  client_options.reconnect.initial_delay = milliseconds(20);
  client_options.reconnect.max_delay = milliseconds(250);
  client_options.logger = MakeNullLogger();
  auto client = Client::Start(store, client_options);
  ASSERT_TRUE(client.ok());

  RedisPublisher::Options publisher_options;
  publisher_options.redis_url = testing::RedisUrl();
  publisher_options.prefix = prefix;
  publisher_options.queue_capacity = 1024;
  publisher_options.redis = fast;
  publisher_options.reconnect.initial_delay = milliseconds(20);
  publisher_options.reconnect.max_delay = milliseconds(250);
  publisher_options.logger = MakeNullLogger();
  auto publisher = RedisPublisher::Create(publisher_options);
  ASSERT_TRUE(publisher.ok()) << publisher.status();

  Migration<int, int>::Config config;
  config.flag = "pm";
  config.publisher = *publisher;
  config.logger = MakeNullLogger();
  config.read_old = [](const int& x) -> absl::StatusOr<int> { return x; };
  config.read_new = [](const int& x) -> absl::StatusOr<int> { return x; };
  config.write_old = [](const int&) { return absl::OkStatus(); };
  config.write_new = [](const int&) { return absl::OkStatus(); };
  config.entity_key = [](const int& x) { return std::to_string(x); };
  auto migration = Migration<int, int>::Create(**client, config);
  ASSERT_TRUE(migration.ok()) << migration.status();

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> calls{0}, failures{0}, wrong_stage{0};
  std::atomic<std::size_t> peak_queued{0};
  std::atomic<Stage> expected_stage{Stage::kShadow};
  std::vector<std::thread> app;
  for (int t = 0; t < 4; ++t) {
    app.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string user = std::to_string(t * 1000000 + i % 5000);
        const EvaluationContext context(user);
        const Stage expected = expected_stage.load();
        const Stage got = (*client)->Evaluate("pm", context).stage;
        // After the change below, either stage is legitimate until the client
        // applies it.
        if (got != expected && got != Stage::kShadow) ++wrong_stage;
        failures += !migration->Read(context, i).ok();
        failures += !migration->Write(context, i).ok();
        calls += 2;
        const auto s = (*publisher)->stats();
        const std::size_t queued = s.queued_events + s.pending_events;
        std::size_t peak = peak_queued.load();
        while (queued > peak &&
               !peak_queued.compare_exchange_weak(peak, queued)) {
        }
      }
    });
  }

  // Progress, not time, decides when each phase has run long enough: a
  // phase ends once the application has made `n` more calls.
  auto run_a_phase = [&](std::int64_t n) {
    const std::int64_t from = calls.load();
    return testing::PollUntil([&] { return calls.load() >= from + n; });
  };
  EXPECT_TRUE(run_a_phase(2000)) << "no traffic before the outage";
  ASSERT_EQ(
      testing::RunCommand({testing::ServicesScript(), "redis-stop"}).exit_code,
      0);
  EXPECT_TRUE(testing::PollUntil([&] { return (*client)->status().stale; }))
      << "the client never noticed that Redis is down";
  // Long enough for the compared reads' results (one per two calls) to
  // overflow the publisher's queue several times: the bound checked below.
  const std::int64_t outage_calls =
      8 * static_cast<std::int64_t>(publisher_options.queue_capacity +
                                    publisher_options.max_batch_events);
  EXPECT_TRUE(run_a_phase(outage_calls)) << "the application stopped serving";
  ASSERT_EQ(
      testing::RunCommand({testing::ServicesScript(), "redis-start"}).exit_code,
      0);
  const Clock::time_point back = Clock::now();
  while ((*client)->status().stale &&
         Clock::now() - back < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  const double reconnect_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - back).count();
  EXPECT_FALSE((*client)->status().stale);
  std::printf("client reconnected %.0f ms after Redis returned\n",
              reconnect_ms);

  // A change made after Redis returns reaches the running application.
  expected_stage = Stage::kLive;
  ASSERT_TRUE(FlagAdmin(*store)
                  .Update("pm", "stage",
                          [](Flag& f) {
                            f.default_stage = Stage::kLive;
                            return absl::OkStatus();
                          },
                          {"t", false})
                  .ok());
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store->Version(), milliseconds(10000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kLive);
  EXPECT_TRUE(run_a_phase(2000)) << "no traffic after the change";
  stop = true;
  for (auto& t : app) t.join();

  EXPECT_GT(calls.load(), 1000);
  EXPECT_EQ(failures.load(), 0)
      << "application calls failed while Redis was down";
  EXPECT_EQ(wrong_stage.load(), 0)
      << "a stage other than the last known one was served";
  // Bounded: the event queue never holds more than its capacity plus one batch
  // in flight.
  EXPECT_LE(peak_queued.load(), publisher_options.queue_capacity +
                                    publisher_options.max_batch_events);
  // Publishing resumed: counters written after the restart are in Redis.
  EXPECT_TRUE((*publisher)->Flush(milliseconds(5000)).ok());
  EXPECT_TRUE((*publisher)->stats().connected);
}

}  // namespace
}  // namespace cutover
