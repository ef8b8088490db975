// The Redis names the report and dashboards depend on, and the round trip of
// one minute's counters through hash fields.
#include "cutover/stats_schema.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cutover/minute_counters.h"

namespace cutover {
namespace {

TEST(StatsSchemaTest, KeyNames) {
  EXPECT_EQ(kDefaultPrefix, "cutover:");
  EXPECT_EQ(StatsKey("cutover:", "users_v2", 28333333),
            "cutover:stats:users_v2:28333333");
  EXPECT_EQ(StatsKeyPattern("p:", "f"), "p:stats:f:*");
  EXPECT_EQ(EventsKey("cutover:", "users_v2"), "cutover:events:users_v2");
  EXPECT_EQ(kDefaultStatsTtl, std::chrono::hours(24 * 30));
  EXPECT_EQ(kDefaultEventStreamMaxLen, 10000u);
}

TEST(StatsSchemaTest, CounterFieldsAreExactlyTheDocumentedOnes) {
  const std::vector<std::string_view> fields(kStatsCounterFields.begin(),
                                             kStatsCounterFields.end());
  EXPECT_EQ(fields, (std::vector<std::string_view>{
                        "comparisons", "matches", "mismatches", "ignored",
                        "candidate_errors", "control_errors", "timeouts",
                        "dropped", "events_dropped"}));
  EXPECT_EQ(StatsCounterField(StatsCounter::kTimeouts), "timeouts");
}

TEST(StatsSchemaTest, LatencyFieldsRoundTrip) {
  EXPECT_EQ(LatencyField(Side::kOld, 0), "latency_old_0");
  EXPECT_EQ(LatencyField(Side::kNew, 117), "latency_new_117");
  Side side;
  int bucket = -1;
  ASSERT_TRUE(ParseLatencyField("latency_new_42", &side, &bucket));
  EXPECT_EQ(side, Side::kNew);
  EXPECT_EQ(bucket, 42);
  EXPECT_FALSE(ParseLatencyField("latency_new_118", &side, &bucket));
  EXPECT_FALSE(ParseLatencyField("latency_new_", &side, &bucket));
  EXPECT_FALSE(ParseLatencyField("latency_mid_1", &side, &bucket));
  EXPECT_FALSE(ParseLatencyField("matches", &side, &bucket));
}

TEST(StatsSchemaTest, UnixMinutes) {
  EXPECT_EQ(UnixMinuteOfMillis(0), 0);
  EXPECT_EQ(UnixMinuteOfMillis(59'999), 0);
  EXPECT_EQ(UnixMinuteOfMillis(60'000), 1);
  EXPECT_EQ(UnixMinuteOfMillis(1'700'000'000'000), 28'333'333);
  EXPECT_EQ(UnixMinuteOfMillis(-1), -1);
}

TEST(MinuteCountersTest, FieldsRoundTripThroughAHash) {
  MinuteCounters counts;
  counts.at(StatsCounter::kComparisons) = 5;
  counts.at(StatsCounter::kMatches) = 4;
  counts.at(StatsCounter::kMismatches) = 1;
  counts.at(StatsCounter::kDropped) = 2;
  counts.histogram(Side::kOld).Add(1000, 5);
  counts.histogram(Side::kNew).Add(5'000'000, 3);

  std::map<std::string, std::string> hash;
  counts.ForEachField([&hash](std::string_view field, std::uint64_t value) {
    hash[std::string(field)] = std::to_string(value);
  });
  EXPECT_EQ(hash,
            (std::map<std::string, std::string>{{"comparisons", "5"},
                                                {"matches", "4"},
                                                {"mismatches", "1"},
                                                {"dropped", "2"},
                                                {"latency_old_8", "5"},
                                                {"latency_new_57", "3"}}));

  MinuteCounters back;
  for (const auto& [field, value] : hash) {
    ASSERT_TRUE(back.AddField(field, value).ok());
  }
  ASSERT_TRUE(back.AddField("some_future_field", "9").ok())
      << "unknown fields are skipped";
  EXPECT_EQ(back.counters, counts.counters);
  EXPECT_EQ(back.histogram(Side::kOld).total(), 5u);
  EXPECT_EQ(back.histogram(Side::kNew).count(57), 3u);
}

TEST(MinuteCountersTest, AMalformedKnownFieldIsAnError) {
  MinuteCounters counts;
  const auto status = counts.AddField("matches", "lots");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_NE(std::string(status.message()).find("'matches'"), std::string::npos);
  EXPECT_FALSE(counts.AddField("latency_old_3", "-1").ok());
}

TEST(MinuteCountersTest, AddAndEmpty) {
  MinuteCounters a;
  EXPECT_TRUE(a.empty());
  MinuteCounters b;
  b.at(StatsCounter::kTimeouts) = 2;
  b.histogram(Side::kNew).Add(300);
  a.Add(b);
  a.Add(b);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a.get(StatsCounter::kTimeouts), 4u);
  EXPECT_EQ(a.histogram(Side::kNew).total(), 2u);
}

}  // namespace
}  // namespace cutover
