// The in-process counters behind both publishers: exact under concurrency,
// across minute boundaries, for late results, and while being harvested.
#include "cutover/stats_aggregator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cutover/mutex.h"
#include "sdk/publisher/redis_test_util.h"

namespace cutover {
namespace {

using testing::ExpectSameCounters;
using testing::TestResult;

using Harvested =
    std::map<std::pair<std::string, std::int64_t>, MinuteCounters>;

void HarvestInto(StatsAggregator& aggregator, Harvested* out) {
  aggregator.Harvest([out](std::string_view flag, std::int64_t minute,
                           const MinuteCounters& counts) {
    (*out)[{std::string(flag), minute}].Add(counts);
  });
}

TEST(StatsAggregatorTest, CountsOutcomesAndLatenciesPerSide) {
  StatsAggregator aggregator;
  TestResult r;
  r.outcome = Outcome::kMismatch;
  r.control_side = Side::kNew;
  r.control_ns = 1000;
  r.candidate_ns = 5'000'000;
  r.timestamp_ms = 60'000 * 10;
  aggregator.Record(r.View());
  Harvested got;
  HarvestInto(aggregator, &got);
  ASSERT_EQ(got.size(), 1u);
  const MinuteCounters& c = got[{"flag", 10}];
  EXPECT_EQ(c.get(StatsCounter::kMismatches), 1u);
  EXPECT_EQ(c.get(StatsCounter::kComparisons), 1u);
  EXPECT_EQ(c.histogram(Side::kNew).count(LatencyHistogram::BucketFor(1000)),
            1u)
      << "the control was the new side";
  EXPECT_EQ(
      c.histogram(Side::kOld).count(LatencyHistogram::BucketFor(5'000'000)),
      1u);
}

TEST(StatsAggregatorTest, ADroppedCandidateHasNoLatency) {
  StatsAggregator aggregator;
  TestResult r;
  r.outcome = Outcome::kDropped;
  r.candidate_ns = -1;
  aggregator.Record(r.View());
  Harvested got;
  HarvestInto(aggregator, &got);
  const MinuteCounters& c = got.begin()->second;
  EXPECT_EQ(c.get(StatsCounter::kDropped), 1u);
  EXPECT_EQ(c.get(StatsCounter::kComparisons), 0u);
  EXPECT_EQ(c.histogram(Side::kOld).total(), 1u);
  EXPECT_EQ(c.histogram(Side::kNew).total(), 0u);
}

TEST(StatsAggregatorTest, HarvestMovesCountsOut) {
  StatsAggregator aggregator;
  TestResult r;
  aggregator.Record(r.View());
  Harvested first;
  HarvestInto(aggregator, &first);
  EXPECT_EQ(first.size(), 1u);
  Harvested second;
  HarvestInto(aggregator, &second);
  EXPECT_TRUE(second.empty());
}

TEST(StatsAggregatorTest, ExactAcrossMinutesIncludingLateResults) {
  StatsAggregator aggregator;
  std::map<std::int64_t, MinuteCounters> expected;
  // Minutes 100..109 in order, then late results for minutes the ring of
  // slots has long moved past, then current ones again.
  std::vector<std::int64_t> minutes;
  for (int m = 100; m < 110; ++m) minutes.push_back(m);
  for (int m : {101, 100, 109, 103, 108, 95}) minutes.push_back(m);
  std::mt19937 rng(3);
  for (std::int64_t m : minutes) {
    for (int i = 0; i < 50; ++i) {
      TestResult r;
      r.outcome = static_cast<Outcome>(rng() % kOutcomeCount);
      r.control_ns = 300 + static_cast<std::int64_t>(rng() % 100000);
      r.candidate_ns = static_cast<std::int64_t>(rng() % 100000);
      r.timestamp_ms = m * 60'000 + static_cast<std::int64_t>(rng() % 60'000);
      aggregator.Record(r.View());
      r.AddTo(&expected[m]);
    }
  }
  Harvested got;
  HarvestInto(aggregator, &got);
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [m, counts] : expected) {
    ExpectSameCounters(counts, got[{"flag", m}], "minute " + std::to_string(m));
  }
}

TEST(StatsAggregatorTest, ExactUnderConcurrentRecordingAndHarvesting) {
  StatsAggregator aggregator;
  constexpr int kThreads = 6;
  constexpr int kPerThread = 50'000;
  Mutex mu;
  std::map<std::pair<std::string, std::int64_t>, MinuteCounters> expected;
  std::atomic<bool> stop{false};
  Harvested got;
  // Harvests continuously while results arrive: nothing may be lost or
  // counted twice.
  std::thread harvester([&] {
    while (!stop.load()) HarvestInto(aggregator, &got);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::map<std::pair<std::string, std::int64_t>, MinuteCounters> mine;
      for (int i = 0; i < kPerThread; ++i) {
        TestResult r;
        r.flag = "flag_" + std::to_string(rng() % 3);
        r.outcome = static_cast<Outcome>(rng() % kOutcomeCount);
        r.control_side = (rng() & 1) ? Side::kOld : Side::kNew;
        r.control_ns = static_cast<std::int64_t>(rng() % 10'000'000);
        r.candidate_ns = static_cast<std::int64_t>(rng() % 10'000'000);
        // Minutes move forward with i, as the clock would.
        r.timestamp_ms = (1000 + i / 5000) * 60'000;
        aggregator.Record(r.View());
        r.AddTo(&mine[{r.flag, 1000 + i / 5000}]);
      }
      MutexLock lock(&mu);
      for (auto& [k, v] : mine) expected[k].Add(v);
    });
  }
  for (auto& t : threads) t.join();
  stop.store(true);
  harvester.join();
  HarvestInto(aggregator, &got);
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [key, counts] : expected) {
    ExpectSameCounters(counts, got[key],
                       key.first + "@" + std::to_string(key.second));
  }
}

TEST(StatsAggregatorTest, FlagsBeyondTheLimitAreUntracked) {
  StatsAggregator aggregator(/*max_flags=*/2);
  for (const char* flag : {"a", "b", "c", "a", "d"}) {
    TestResult r;
    r.flag = flag;
    aggregator.Record(r.View());
  }
  EXPECT_EQ(aggregator.untracked(), 2u);
  Harvested got;
  HarvestInto(aggregator, &got);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(got[std::make_pair(std::string("a"), std::int64_t{0})].get(
                StatsCounter::kMatches),
            2u);
}

TEST(StatsAggregatorTest, CountsDroppedEvents) {
  StatsAggregator aggregator;
  aggregator.RecordEventDropped("flag", 7);
  aggregator.RecordEventDropped("flag", 7);
  aggregator.RecordEventDropped("flag", 3);  // an older minute, late
  Harvested got;
  HarvestInto(aggregator, &got);
  EXPECT_EQ(got[std::make_pair(std::string("flag"), std::int64_t{7})].get(
                StatsCounter::kEventsDropped),
            2u);
  EXPECT_EQ(got[std::make_pair(std::string("flag"), std::int64_t{3})].get(
                StatsCounter::kEventsDropped),
            1u);
}

TEST(StatsAggregatorTest, RecordTellsWhenAFlagOpensANewMinute) {
  StatsAggregator aggregator;
  TestResult r;
  r.timestamp_ms = 60'000 * 5;
  EXPECT_TRUE(aggregator.Record(r.View()));
  EXPECT_FALSE(aggregator.Record(r.View()));
  r.timestamp_ms = 60'000 * 6;
  EXPECT_TRUE(aggregator.Record(r.View()));
}

}  // namespace
}  // namespace cutover
