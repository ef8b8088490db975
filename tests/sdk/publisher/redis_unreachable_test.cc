// RedisPublisher without a Redis to talk to (a port nothing listens on):
// options are validated, the caller is never held up, memory stays bounded,
// Flush reports what is pending, and passwords never reach the log. The
// behaviour against a real server that stops and returns is in
// fault_redis_publisher_test.cc.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cutover/mutex.h"
#include "cutover/redis_publisher.h"
#include "sdk/publisher/redis_test_util.h"

namespace cutover {
namespace {

using testing::TestResult;

constexpr const char* kNowhere = "redis://reader:s3cret@127.0.0.1:1";

class CapturingLogger : public Logger {
 public:
  void Log(LogLevel, std::string_view message) override {
    MutexLock lock(&mu_);
    text_ += std::string(message) + "\n";
  }
  std::string text() {
    MutexLock lock(&mu_);
    return text_;
  }

 private:
  Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
};

RedisPublisher::Options Unreachable(std::shared_ptr<Logger> logger) {
  RedisPublisher::Options options;
  options.redis_url = kNowhere;
  options.queue_capacity = 64;
  options.max_batch_events = 64;
  options.flush_interval = std::chrono::milliseconds(10);
  options.reconnect.initial_delay = std::chrono::milliseconds(10);
  options.reconnect.max_delay = std::chrono::milliseconds(50);
  options.shutdown_timeout = std::chrono::milliseconds(200);
  options.logger = std::move(logger);
  return options;
}

TEST(RedisPublisherUnreachableTest, CallersAreNeverHeldUpAndMemoryIsBounded) {
  auto logger = std::make_shared<CapturingLogger>();
  auto publisher = RedisPublisher::Create(Unreachable(logger)).value();
  constexpr int kResults = 20'000;
  for (int i = 0; i < kResults; ++i) {
    TestResult r;
    r.outcome = i % 2 == 0 ? Outcome::kMismatch : Outcome::kMatch;
    r.timestamp_ms = testing::NowMillis();
    publisher->Publish(r.View());
  }
  const auto stats = publisher->stats();
  EXPECT_FALSE(stats.connected);
  EXPECT_EQ(stats.events_written, 0u);
  // Events beyond the queue plus the writer's one batch are dropped
  // and counted; nothing else grows.
  EXPECT_GE(stats.events_dropped,
            static_cast<std::uint64_t>(kResults / 2 - 128));
  EXPECT_LE(stats.queued_events, 64u);
  EXPECT_LE(stats.pending_events, 64u);
  EXPECT_LE(stats.pending_counter_blocks, 2u);

  const absl::Status flushed = publisher->Flush(std::chrono::milliseconds(200));
  EXPECT_TRUE(absl::IsUnavailable(flushed)) << flushed;
  EXPECT_NE(std::string(flushed.message()).find("not yet written"),
            std::string::npos)
      << flushed;
  publisher.reset();  // bounded by shutdown_timeout, then gives up

  const std::string log = logger->text();
  EXPECT_NE(log.find("127.0.0.1:1"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret"), std::string::npos) << log;
}

TEST(RedisPublisherUnreachableTest, OldestCounterMinutesGoFirstPastTheLimit) {
  auto options = Unreachable(MakeNullLogger());
  options.max_pending_counter_blocks = 3;
  auto publisher = RedisPublisher::Create(options).value();
  for (int m = 0; m < 5; ++m) {
    TestResult r;
    r.timestamp_ms = (1000 + m) * 60'000;
    publisher->Publish(r.View());
  }
  // Flush makes the writer take the counters (and fail to write them).
  EXPECT_FALSE(publisher->Flush(std::chrono::milliseconds(100)).ok());
  const auto stats = publisher->stats();
  EXPECT_EQ(stats.pending_counter_blocks, 3u);
  EXPECT_EQ(stats.counter_blocks_lost, 2u);
}

struct BadOptionsCase {
  const char* name;
  std::function<void(RedisPublisher::Options*)> change;
  const char* mentions;
};

class RedisPublisherOptionsTest
    : public ::testing::TestWithParam<BadOptionsCase> {};

TEST_P(RedisPublisherOptionsTest, CreateRefusesAndNamesTheOption) {
  RedisPublisher::Options options;
  GetParam().change(&options);
  auto created = RedisPublisher::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(created.status()));
  EXPECT_NE(std::string(created.status().message()).find(GetParam().mentions),
            std::string::npos)
      << created.status();
}

INSTANTIATE_TEST_SUITE_P(
    BadOptions, RedisPublisherOptionsTest,
    ::testing::Values(
        BadOptionsCase{"bad_url",
                       [](auto* o) { o->redis_url = "http://localhost"; },
                       "redis://"},
        BadOptionsCase{"no_queue", [](auto* o) { o->queue_capacity = 0; },
                       "queue_capacity"},
        BadOptionsCase{
            "no_interval",
            [](auto* o) { o->flush_interval = std::chrono::milliseconds(0); },
            "flush_interval"},
        BadOptionsCase{"no_ttl",
                       [](auto* o) { o->stats_ttl = std::chrono::seconds(0); },
                       "stats_ttl"},
        BadOptionsCase{"no_maxlen", [](auto* o) { o->stream_max_len = 0; },
                       "stream_max_len"},
        BadOptionsCase{"no_batch", [](auto* o) { o->max_batch_events = 0; },
                       "max_batch_events"},
        BadOptionsCase{"no_pending_blocks",
                       [](auto* o) { o->max_pending_counter_blocks = 0; },
                       "max_pending_counter_blocks"},
        BadOptionsCase{"reconnect_upside_down",
                       [](auto* o) {
                         o->reconnect.initial_delay = std::chrono::seconds(10);
                         o->reconnect.max_delay = std::chrono::seconds(1);
                       },
                       "reconnect: max_delay"},
        BadOptionsCase{"tiny_text", [](auto* o) { o->max_text_bytes = 10; },
                       "max_text_bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace cutover
