// The caller's half of the Redis publisher: counts every result, queues only
// events, drops (and counts) events when full without touching the counters.
#include "cutover/result_pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "sdk/publisher/redis_test_util.h"
#include "support/notification.h"

namespace cutover {
namespace {

using testing::TestResult;

MinuteCounters Harvest(ResultPipeline& pipeline) {
  MinuteCounters all;
  pipeline.HarvestCounters([&all](std::string_view, std::int64_t,
                                  const MinuteCounters& c) { all.Add(c); });
  return all;
}

TEST(ResultPipelineTest, CountsEveryResultButQueuesOnlyEvents) {
  ResultPipeline pipeline(ResultPipeline::Options{});
  for (int i = 0; i < kOutcomeCount; ++i) {
    TestResult r;
    r.outcome = static_cast<Outcome>(i);
    pipeline.Publish(r.View());
  }
  EXPECT_EQ(pipeline.queued(), 4u);
  std::vector<ResultRecord> batch;
  ASSERT_EQ(pipeline.PopEvents(100, &batch), 4u);
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch[0].outcome, Outcome::kMismatch);
  EXPECT_EQ(batch[3].outcome, Outcome::kTimeout);
  const MinuteCounters counts = Harvest(pipeline);
  EXPECT_EQ(counts.get(StatsCounter::kComparisons), 5u);
  EXPECT_EQ(counts.get(StatsCounter::kDropped), 1u);
  EXPECT_EQ(counts.get(StatsCounter::kEventsDropped), 0u);
}

TEST(ResultPipelineTest, AFullQueueDropsEventsButCountersStayExact) {
  ResultPipeline::Options options;
  options.queue_capacity = 4;
  ResultPipeline pipeline(options);
  for (int i = 0; i < 10; ++i) {
    TestResult r;
    r.outcome = Outcome::kMismatch;
    pipeline.Publish(r.View());
  }
  EXPECT_EQ(pipeline.queued(), 4u);
  EXPECT_EQ(pipeline.events_dropped(), 6u);
  const MinuteCounters counts = Harvest(pipeline);
  EXPECT_EQ(counts.get(StatsCounter::kMismatches), 10u);
  EXPECT_EQ(counts.get(StatsCounter::kEventsDropped), 6u);
}

TEST(ResultPipelineTest, AsksForTheWriterWhenHalfFull) {
  ResultPipeline::Options options;
  options.queue_capacity = 8;
  ResultPipeline pipeline(options);
  std::vector<bool> wake;
  for (int i = 0; i < 6; ++i) {
    TestResult r;
    r.outcome = Outcome::kTimeout;
    wake.push_back(pipeline.Publish(r.View()));
  }
  EXPECT_EQ(wake, (std::vector<bool>{false, false, false, true, false, false}));
}

TEST(ResultPipelineTest, PopEventsTakesAtMostMaxAndRecyclesRecords) {
  ResultPipeline pipeline(ResultPipeline::Options{});
  for (int i = 0; i < 5; ++i) {
    TestResult r;
    r.outcome = Outcome::kCandidateError;
    r.flag = "flag_" + std::to_string(i);
    pipeline.Publish(r.View());
  }
  std::vector<ResultRecord> records;
  EXPECT_EQ(pipeline.PopEvents(3, &records), 3u);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].flag, "flag_2");
  // Appending after the first two keeps them; the vector grows by one.
  EXPECT_EQ(pipeline.PopEvents(3, &records, 2), 2u);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].flag, "flag_1");
  EXPECT_EQ(records[2].flag, "flag_3");
  EXPECT_EQ(records[3].flag, "flag_4");
  EXPECT_EQ(pipeline.PopEvents(3, &records), 0u);
  EXPECT_EQ(records.size(), 4u) << "never shrinks";

  // Cells now hold the records handed back; the next event overwrites one
  // of them completely.
  TestResult r;
  r.outcome = Outcome::kTimeout;
  r.flag = "flag_new";
  pipeline.Publish(r.View());
  EXPECT_EQ(pipeline.PopEvents(1, &records), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kTimeout);
  EXPECT_EQ(records[0].flag, "flag_new");
}

// A value whose rendering (done while its push holds a claimed queue cell)
// waits until the test lets it finish.
struct RenderGate {
  testing::Notification rendering;
  testing::Notification release;
};

std::string RenderWhenReleased(const void* renderer, const void*) {
  // The test owns the gate; ValueRef only carries it as const.
  auto* gate = static_cast<RenderGate*>(const_cast<void*>(renderer));
  gate->rendering.Notify();
  gate->release.WaitForNotificationWithTimeout(absl::Seconds(60));
  return "slow value";
}

TEST(ResultPipelineTest, WakesTheWriterWhenConcurrentPushesStepPastHalf) {
  ResultPipeline::Options options;
  options.queue_capacity = 8;  // half: 4
  ResultPipeline pipeline(options);
  TestResult r;
  r.outcome = Outcome::kMismatch;
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(pipeline.Publish(r.View()));

  // The 4th push claims its cell, then is held up copying its event; the 5th
  // completes meanwhile. The queue goes from 3 to 5 as both see it: neither
  // push ever observes exactly 4.
  RenderGate gate;
  bool slow_woke = false;
  std::thread slow([&] {
    ExperimentResult held = r.View();
    held.candidate.value = ValueRef(&gate, nullptr, &RenderWhenReleased);
    slow_woke = pipeline.Publish(held);
  });
  const bool rendering =
      gate.rendering.WaitForNotificationWithTimeout(absl::Seconds(60));
  const bool fast_woke = rendering && pipeline.Publish(r.View());
  gate.release.Notify();
  slow.join();
  ASSERT_TRUE(rendering) << "the 4th push never started copying its event";

  EXPECT_EQ(pipeline.queued(), 5u);
  EXPECT_FALSE(fast_woke) << "the 5th push did not cross half";
  EXPECT_TRUE(slow_woke)
      << "the 4th push took the queue from 3 to 5 and must wake the writer";
}

}  // namespace
}  // namespace cutover
