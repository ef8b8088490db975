// The embedded publisher: exact totals, per-minute counts, kept results.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cutover/in_memory_publisher.h"
#include "sdk/publisher/redis_test_util.h"

namespace cutover {
namespace {

using testing::TestResult;

TEST(InMemoryPublisherTest, TotalsAreExactAcrossThreads) {
  InMemoryPublisher publisher;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&publisher] {
      for (int i = 0; i < 25'000; ++i) {
        TestResult r;
        r.outcome = i % 10 == 0 ? Outcome::kMismatch : Outcome::kMatch;
        publisher.Publish(r.View());
      }
    });
  }
  for (auto& t : threads) t.join();
  const MinuteCounters totals = publisher.Totals("flag");
  EXPECT_EQ(totals.get(StatsCounter::kComparisons), 100'000u);
  EXPECT_EQ(totals.get(StatsCounter::kMismatches), 10'000u);
  EXPECT_EQ(totals.get(StatsCounter::kMatches), 90'000u);
  EXPECT_EQ(totals.histogram(Side::kOld).total(), 100'000u);
  EXPECT_EQ(publisher.published(), 100'000u);
}

TEST(InMemoryPublisherTest, KeepsOnlyEventsByDefault) {
  InMemoryPublisher publisher;
  for (Outcome o : {Outcome::kMatch, Outcome::kMismatch, Outcome::kIgnored,
                    Outcome::kTimeout, Outcome::kDropped}) {
    TestResult r;
    r.outcome = o;
    publisher.Publish(r.View());
  }
  const auto kept = publisher.RecentResults();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].outcome, Outcome::kMismatch);
  EXPECT_EQ(kept[1].outcome, Outcome::kTimeout);
  EXPECT_EQ(publisher.LastResult()->outcome, Outcome::kTimeout);
}

TEST(InMemoryPublisherTest, KeepsTheNewestResultsUpToItsLimit) {
  InMemoryPublisher::Options options;
  options.keep_results = 3;
  options.keep_all_results = true;
  InMemoryPublisher publisher(options);
  for (int i = 0; i < 10; ++i) {
    TestResult r;
    r.flag = "flag_" + std::to_string(i);
    publisher.Publish(r.View());
  }
  const auto kept = publisher.RecentResults();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].flag, "flag_7");
  EXPECT_EQ(kept[2].flag, "flag_9");
  EXPECT_EQ(publisher.Flags().size(), 10u);
}

TEST(InMemoryPublisherTest, PerMinuteCountsKeepTheNewestMinutes) {
  InMemoryPublisher::Options options;
  options.keep_minutes = 3;
  InMemoryPublisher publisher(options);
  for (int m = 0; m < 6; ++m) {
    TestResult r;
    r.timestamp_ms = (500 + m) * 60'000;
    for (int i = 0; i <= m; ++i) publisher.Publish(r.View());
  }
  const auto minutes = publisher.PerMinute("flag");
  ASSERT_EQ(minutes.size(), 3u);
  EXPECT_EQ(minutes.begin()->first, 503);
  EXPECT_EQ(minutes.at(505).get(StatsCounter::kMatches), 6u);
  EXPECT_EQ(publisher.Totals("flag").get(StatsCounter::kMatches), 21u)
      << "totals keep every minute";
}

TEST(InMemoryPublisherTest, UnknownFlagHasZeroTotals) {
  InMemoryPublisher publisher;
  EXPECT_TRUE(publisher.Totals("nothing").empty());
  EXPECT_TRUE(publisher.PerMinute("nothing").empty());
  EXPECT_FALSE(publisher.LastResult().has_value());
}

TEST(InMemoryPublisherTest, ClearForgetsEverything) {
  InMemoryPublisher publisher;
  TestResult r;
  r.outcome = Outcome::kMismatch;
  publisher.Publish(r.View());
  publisher.Clear();
  EXPECT_TRUE(publisher.Totals("flag").empty());
  EXPECT_TRUE(publisher.RecentResults().empty());
  EXPECT_EQ(publisher.published(), 0u);
}

TEST(InMemoryPublisherTest, FlushIsANoOp) {
  InMemoryPublisher publisher;
  EXPECT_TRUE(publisher.Flush(std::chrono::milliseconds(0)).ok());
}

TEST(DefaultPublisherTest, IsAnInMemoryPublisherUntilReplaced) {
  auto built_in = DefaultPublisher();
  ASSERT_NE(built_in, nullptr);
  EXPECT_NE(dynamic_cast<InMemoryPublisher*>(built_in.get()), nullptr);
  auto mine = std::make_shared<InMemoryPublisher>();
  SetDefaultPublisher(mine);
  EXPECT_EQ(DefaultPublisher(), mine);
  SetDefaultPublisher(nullptr);
  EXPECT_EQ(DefaultPublisher(), built_in);
}

}  // namespace
}  // namespace cutover
