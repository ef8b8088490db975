// RedisPublisher against a real Redis (scripts/services start && source
// .run/env): exact counters, capped streams, event documents.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cutover/experiment.h"
#include "cutover/mutex.h"
#include "cutover/redis_publisher.h"
#include "nlohmann/json.hpp"
#include "sdk/publisher/redis_test_util.h"
#include "support/test_env.h"

namespace cutover {
namespace {

using testing::ConnectForTest;
using testing::ExpectSameCounters;
using testing::ReadFlagTotals;
using testing::StreamLength;
using testing::TestResult;

class RedisPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::RedisUrl();
    ASSERT_FALSE(url_.empty());
    prefix_ = testing::UniquePrefix("redis_publisher");
    redis_ = ConnectForTest(url_);
    ASSERT_NE(redis_, nullptr);
  }
  void TearDown() override {
    if (redis_ != nullptr) testing::DeleteKeys(*redis_, prefix_);
  }

  RedisPublisher::Options Options() {
    RedisPublisher::Options options;
    options.redis_url = url_;
    options.prefix = prefix_;
    options.flush_interval = std::chrono::milliseconds(50);
    options.logger = MakeNullLogger();
    return options;
  }

  std::shared_ptr<RedisPublisher> Make(RedisPublisher::Options options) {
    auto created = RedisPublisher::Create(std::move(options));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : nullptr;
  }

  std::string url_;
  std::string prefix_;
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(RedisPublisherTest, HundredThousandResultsGiveExactCounters) {
  auto options = Options();
  // Never trimmed here, so every queued event can be counted in the stream.
  options.stream_max_len = 1'000'000;
  options.queue_capacity = 1 << 14;
  auto publisher = Make(options);
  ASSERT_NE(publisher, nullptr);

  const std::vector<std::string> flags = {"flag_a", "flag_b", "flag_c"};
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25'000;
  Mutex mu;
  std::map<std::string, MinuteCounters> expected;
  std::map<std::string, long long> expected_events;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1234 + t);
      std::map<std::string, MinuteCounters> mine;
      std::map<std::string, long long> my_events;
      for (int i = 0; i < kPerThread; ++i) {
        TestResult r;
        r.flag = flags[rng() % flags.size()];
        r.outcome = static_cast<Outcome>(rng() % kOutcomeCount);
        r.control_side = (rng() & 1) ? Side::kOld : Side::kNew;
        // Log-uniform latencies from 10 ns to about 17 s.
        r.control_ns = static_cast<std::int64_t>(10) << (rng() % 31);
        r.candidate_ns = r.outcome == Outcome::kDropped
                             ? -1
                             : static_cast<std::int64_t>(rng() % (1 << 20)) *
                                   ((rng() % 1000) + 1);
        r.timestamp_ms = testing::NowMillis();
        publisher->Publish(r.View());
        r.AddTo(&mine[r.flag]);
        if (IsEvent(r.outcome)) ++my_events[r.flag];
      }
      MutexLock lock(&mu);
      for (auto& [flag, counts] : mine) expected[flag].Add(counts);
      for (auto& [flag, n] : my_events) expected_events[flag] += n;
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(publisher->Flush(std::chrono::seconds(60)).ok());

  std::uint64_t total = 0;
  std::uint64_t events_dropped = 0;
  for (const std::string& flag : flags) {
    const MinuteCounters actual = ReadFlagTotals(*redis_, prefix_, flag);
    ExpectSameCounters(expected[flag], actual, flag);
    for (int i = 0; i < kOutcomeCount; ++i) {
      total += expected[flag].get(static_cast<StatsCounter>(i + 1));
    }
    // Every event is either in the stream or counted as dropped.
    const long long in_stream = StreamLength(*redis_, EventsKey(prefix_, flag));
    const auto dropped = actual.get(StatsCounter::kEventsDropped);
    EXPECT_EQ(in_stream + static_cast<long long>(dropped),
              expected_events[flag])
        << flag;
    events_dropped += dropped;
  }
  EXPECT_EQ(total, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(events_dropped, publisher->stats().events_dropped);
  EXPECT_EQ(publisher->stats().counter_blocks_lost, 0u);
}

TEST_F(RedisPublisherTest, StatsKeysExpireAfterTheTtl) {
  auto options = Options();
  options.stats_ttl = std::chrono::hours(24 * 30);
  auto publisher = Make(options);
  ASSERT_NE(publisher, nullptr);
  TestResult r;
  r.timestamp_ms = testing::NowMillis();
  publisher->Publish(r.View());
  ASSERT_TRUE(publisher->Flush(std::chrono::seconds(10)).ok());
  const auto keys =
      testing::ScanKeys(*redis_, StatsKeyPattern(prefix_, "flag"));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0],
            StatsKey(prefix_, "flag", UnixMinuteOfMillis(r.timestamp_ms)));
  auto ttl = redis_->Command({"TTL", keys[0]});
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_GT(ReplyInteger(ttl->get()), 29 * 24 * 3600);
  EXPECT_LE(ReplyInteger(ttl->get()), 30 * 24 * 3600);
}

TEST_F(RedisPublisherTest, EventStreamsAreCapped) {
  auto options = Options();
  options.stream_max_len = 100;
  options.queue_capacity = 1 << 14;
  auto publisher = Make(options);
  ASSERT_NE(publisher, nullptr);
  constexpr int kEvents = 5000;
  for (int i = 0; i < kEvents; ++i) {
    TestResult r;
    r.outcome = Outcome::kMismatch;
    r.timestamp_ms = testing::NowMillis();
    publisher->Publish(r.View());
  }
  ASSERT_TRUE(publisher->Flush(std::chrono::seconds(30)).ok());
  EXPECT_EQ(
      publisher->stats().events_written + publisher->stats().events_dropped,
      static_cast<std::uint64_t>(kEvents));
  const long long length = StreamLength(*redis_, EventsKey(prefix_, "flag"));
  // MAXLEN ~ trims whole stream nodes (100 entries each by default), so the
  // length lands between the cap and the cap plus about a node.
  EXPECT_GE(length, 100);
  EXPECT_LE(length, 300);
  // The counters are exact regardless of trimming.
  EXPECT_EQ(
      ReadFlagTotals(*redis_, prefix_, "flag").get(StatsCounter::kMismatches),
      static_cast<std::uint64_t>(kEvents));
}

TEST_F(RedisPublisherTest, OnlyMismatchesErrorsAndTimeoutsBecomeEvents) {
  auto publisher = Make(Options());
  ASSERT_NE(publisher, nullptr);
  for (int i = 0; i < kOutcomeCount; ++i) {
    TestResult r;
    r.outcome = static_cast<Outcome>(i);
    r.timestamp_ms = testing::NowMillis();
    publisher->Publish(r.View());
  }
  ASSERT_TRUE(publisher->Flush(std::chrono::seconds(10)).ok());
  auto entries =
      redis_->Command({"XRANGE", EventsKey(prefix_, "flag"), "-", "+"});
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::vector<std::string> outcomes;
  for (size_t i = 0; i < ReplyElementCount(entries->get()); ++i) {
    const redisReply* fields = ReplyElement(ReplyElement(entries->get(), i), 1);
    ASSERT_GE(ReplyElementCount(fields), 2u);
    EXPECT_EQ(ReplyString(ReplyElement(fields, 0)), kEventFieldOutcome);
    outcomes.emplace_back(ReplyString(ReplyElement(fields, 1)));
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"mismatch", "candidate_error",
                                                "control_error", "timeout"}));
}

// End to end: an experiment whose detailed compare explains a mismatch; the
// diff is in the stream entry's JSON.
TEST_F(RedisPublisherTest, ExperimentMismatchLandsInTheStreamWithItsDiff) {
  auto publisher = Make(Options());
  ASSERT_NE(publisher, nullptr);
  ExperimentConfig<std::string> config;
  config.name = "users.email";
  config.mode = ExecutionMode::kSerial;
  config.publisher = publisher;
  config.compare_detailed = [](const std::string& a, const std::string& b) {
    Comparison c;
    c.equal = a == b;
    if (!c.equal) {
      c.diff_json = nlohmann::json{{"email", {{"old", a}, {"new", b}}}}.dump();
    }
    return c;
  };
  auto ex = Experiment<std::string>::Create(std::move(config)).value();
  RunContext run;
  run.flag = "users_v2";
  run.user_id = "u-42";
  run.stage = Stage::kShadow;
  const ContextEntry context[] = {{"table", "users"}};
  run.context = context;
  EXPECT_EQ(ex.Run(
                run, [] { return std::string("a@example.com"); },
                [] { return std::string("A@example.com"); }),
            "a@example.com");
  ASSERT_TRUE(publisher->Flush(std::chrono::seconds(10)).ok());

  auto entries =
      redis_->Command({"XRANGE", EventsKey(prefix_, "users_v2"), "-", "+"});
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(ReplyElementCount(entries->get()), 1u);
  const redisReply* fields = ReplyElement(ReplyElement(entries->get(), 0), 1);
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < ReplyElementCount(fields); i += 2) {
    f[std::string(ReplyString(ReplyElement(fields, i)))] =
        std::string(ReplyString(ReplyElement(fields, i + 1)));
  }
  EXPECT_EQ(f.size(), 2u) << "fields: outcome and result";
  EXPECT_EQ(f["outcome"], "mismatch");
  const auto doc = nlohmann::json::parse(f["result"]);
  EXPECT_EQ(doc["stage"], "shadow");
  EXPECT_EQ(doc["user"], "u-42");
  EXPECT_GT(doc["at_ms"].get<long long>(), 0);
  EXPECT_EQ(doc["experiment"], "users.email");
  EXPECT_EQ(doc["flag"], "users_v2");
  EXPECT_EQ(doc["diff"]["email"]["new"], "A@example.com");
  EXPECT_EQ(doc["control"]["value"], "a@example.com");
  EXPECT_EQ(doc["control"]["side"], "old");
  EXPECT_EQ(doc["candidate"]["side"], "new");
  EXPECT_EQ(doc["context"]["table"], "users");
  EXPECT_EQ(ReadFlagTotals(*redis_, prefix_, "users_v2")
                .get(StatsCounter::kMismatches),
            1u);
}

}  // namespace
}  // namespace cutover
