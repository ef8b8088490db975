// RedisPublisher while the real Redis is stopped mid-run and started again
// (through scripts/services, so only this serial fault test touches it):
// callers are unaffected, memory stays bounded, and counting resumes exactly
// once Redis is back.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cutover/experiment.h"
#include "cutover/mutex.h"
#include "cutover/redis_publisher.h"
#include "sdk/publisher/redis_test_util.h"
#include "support/test_env.h"

namespace cutover {
namespace {

using testing::ConnectForTest;
using testing::ExpectSameCounters;
using testing::ReadFlagTotals;
using testing::StreamLength;
using testing::TestResult;

constexpr std::size_t kQueueCapacity = 1024;

class FaultRedisPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::RedisUrl();
    ASSERT_FALSE(url_.empty());
    script_ = testing::ServicesScript();
    ASSERT_FALSE(script_.empty());
    prefix_ = testing::UniquePrefix("fault_redis_publisher");
  }

  void TearDown() override {
    // Whatever happened, leave Redis running for everyone else.
    StartRedis();
    if (auto redis = ConnectForTest(url_)) testing::DeleteKeys(*redis, prefix_);
  }

  void StopRedis() {
    const auto result = testing::RunCommand({script_, "redis-stop"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  void StartRedis() {
    const auto result = testing::RunCommand({script_, "redis-start"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // Publishes `n` results from two threads; returns what they must add up to.
  MinuteCounters PublishMany(RedisPublisher& publisher, int n,
                             long long* events) {
    Mutex mu;
    MinuteCounters expected;
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(static_cast<unsigned>(n + t));
        MinuteCounters mine;
        long long my_events = 0;
        for (int i = 0; i < n / 2; ++i) {
          TestResult r;
          r.outcome = static_cast<Outcome>(rng() % kOutcomeCount);
          r.control_ns = 300 + static_cast<std::int64_t>(rng() % 1'000'000);
          r.candidate_ns = r.outcome == Outcome::kDropped
                               ? -1
                               : static_cast<std::int64_t>(rng() % 1'000'000);
          r.timestamp_ms = testing::NowMillis();
          publisher.Publish(r.View());
          r.AddTo(&mine);
          if (IsEvent(r.outcome)) ++my_events;
        }
        MutexLock lock(&mu);
        expected.Add(mine);
        *events += my_events;
      });
    }
    for (auto& t : threads) t.join();
    return expected;
  }

  std::string url_;
  std::string script_;
  std::string prefix_;
};

TEST_F(FaultRedisPublisherTest, RedisStoppedMidRunThenRestarted) {
  RedisPublisher::Options options;
  options.redis_url = url_;
  options.prefix = prefix_;
  options.queue_capacity = kQueueCapacity;
  options.stream_max_len = 1'000'000;
  options.flush_interval = std::chrono::milliseconds(20);
  options.reconnect.initial_delay = std::chrono::milliseconds(20);
  options.reconnect.max_delay = std::chrono::milliseconds(200);
  options.redis.connect_timeout = std::chrono::milliseconds(500);
  options.redis.command_timeout = std::chrono::milliseconds(500);
  options.logger = MakeNullLogger();
  auto publisher = RedisPublisher::Create(options).value();

  // Up: written normally.
  long long events_before = 0;
  const MinuteCounters before = PublishMany(*publisher, 2000, &events_before);
  ASSERT_TRUE(publisher->Flush(std::chrono::seconds(30)).ok());
  {
    auto redis = ConnectForTest(url_);
    ASSERT_NE(redis, nullptr);
    ExpectSameCounters(before, ReadFlagTotals(*redis, prefix_, "flag"),
                       "before the outage");
  }

  // Down: callers carry on; the experiment still returns control values.
  StopRedis();
  ExperimentConfig<int> config;
  config.name = "fault";
  config.mode = ExecutionMode::kSerial;
  config.publisher = publisher;
  auto ex = Experiment<int>::Create(config).value();
  RunContext run;
  run.flag = "flag_experiment";
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(ex.Run(
                  run, [i] { return i; }, [i] { return i + (i % 2); }),
              i);
  }
  long long events_during = 0;
  const MinuteCounters during = PublishMany(*publisher, 50'000, &events_during);
  // Flush cannot succeed, but makes the writer try, and fail, at least once.
  const absl::Status flushed = publisher->Flush(std::chrono::milliseconds(300));
  EXPECT_FALSE(flushed.ok());
  const auto stats = publisher->stats();
  EXPECT_FALSE(stats.connected);
  EXPECT_GT(stats.write_failures + stats.reconnects, 0u);
  // Memory stays bounded: one queue and one batch held by the writer,
  // everything else dropped and counted; counters are a few flag-minutes.
  EXPECT_LE(stats.queued_events, kQueueCapacity);
  EXPECT_LE(stats.pending_events, options.max_batch_events);
  EXPECT_LE(stats.pending_counter_blocks, 3u);
  EXPECT_GT(stats.events_dropped, 0u);

  // Back: everything kept in memory is written, and counting goes on.
  StartRedis();
  long long events_after = 0;
  const MinuteCounters after = PublishMany(*publisher, 2000, &events_after);
  ASSERT_TRUE(publisher->Flush(std::chrono::seconds(30)).ok())
      << "publishing did not resume";

  auto redis = ConnectForTest(url_);
  ASSERT_NE(redis, nullptr);
  // The private Redis keeps no data across a restart, so what it holds now
  // is exactly what was published during and after the outage: every counter
  // and every latency bucket must match. (If it did keep data, the earlier
  // counts are simply added in.)
  MinuteCounters expected = during;
  expected.Add(after);
  MinuteCounters actual = ReadFlagTotals(*redis, prefix_, "flag");
  if (actual.get(StatsCounter::kComparisons) >
      expected.get(StatsCounter::kComparisons)) {
    expected.Add(before);
    events_during += events_before;
  }
  ExpectSameCounters(expected, actual, "after the outage");
  // Every event is in the stream or counted as dropped.
  EXPECT_EQ(
      StreamLength(*redis, EventsKey(prefix_, "flag")) +
          static_cast<long long>(actual.get(StatsCounter::kEventsDropped)),
      events_during + events_after);
  EXPECT_TRUE(publisher->stats().connected);

  // The experiment that ran during the outage was counted too.
  const MinuteCounters exp = ReadFlagTotals(*redis, prefix_, "flag_experiment");
  EXPECT_EQ(exp.get(StatsCounter::kComparisons), 1000u);
  EXPECT_EQ(exp.get(StatsCounter::kMatches), 500u);
  EXPECT_EQ(exp.get(StatsCounter::kMismatches), 500u);
  EXPECT_EQ(exp.histogram(Side::kOld).total(), 1000u);
  EXPECT_EQ(exp.histogram(Side::kNew).total(), 1000u);
  EXPECT_EQ(StreamLength(*redis, EventsKey(prefix_, "flag_experiment")) +
                static_cast<long long>(exp.get(StatsCounter::kEventsDropped)),
            500);
}

}  // namespace
}  // namespace cutover
