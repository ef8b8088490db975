// Helpers shared by the Redis publisher's integration and fault tests: reading
// back what the publisher wrote, building results, and computing what the
// counters must say.
#ifndef CUTOVER_TESTS_SDK_PUBLISHER_REDIS_TEST_UTIL_H_
#define CUTOVER_TESTS_SDK_PUBLISHER_REDIS_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cutover/experiment_result.h"
#include "cutover/minute_counters.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_url.h"
#include "cutover/stats_schema.h"
#include "support/test_redis.h"

namespace cutover::testing {

// The sum of every minute's counters of `flag` under `prefix`.
inline MinuteCounters ReadFlagTotals(RedisConnection& redis,
                                     const std::string& prefix,
                                     const std::string& flag) {
  MinuteCounters totals;
  for (const std::string& key :
       ScanKeys(redis, StatsKeyPattern(prefix, flag))) {
    auto reply = redis.Command({"HGETALL", key});
    if (!reply.ok()) {
      ADD_FAILURE() << reply.status();
      continue;
    }
    const redisReply* r = reply->get();
    for (size_t i = 0; i + 1 < ReplyElementCount(r); i += 2) {
      const auto status = totals.AddField(ReplyString(ReplyElement(r, i)),
                                          ReplyString(ReplyElement(r, i + 1)));
      EXPECT_TRUE(status.ok()) << status;
    }
  }
  return totals;
}

inline long long StreamLength(RedisConnection& redis, const std::string& key) {
  auto reply = redis.Command({"XLEN", key});
  if (!reply.ok()) {
    ADD_FAILURE() << reply.status();
    return -1;
  }
  return ReplyInteger(reply->get());
}

inline void DeleteKeys(RedisConnection& redis, const std::string& prefix) {
  for (const std::string& key : ScanKeys(redis, prefix + "*")) {
    redis.Command({"DEL", key}).IgnoreError();
  }
}

// A result of `outcome` with given latencies (-1: that side did not run).
struct TestResult {
  std::string flag = "flag";
  Outcome outcome = Outcome::kMatch;
  Side control_side = Side::kOld;
  std::int64_t control_ns = 1000;
  std::int64_t candidate_ns = 1000;
  std::int64_t timestamp_ms = 0;
  std::string diff_json;

  ExperimentResult View() const {
    ExperimentResult r;
    r.experiment = "experiment";
    r.flag = flag;
    r.stage = Stage::kShadow;
    r.user_id = "user-1";
    r.outcome = outcome;
    r.control_side = control_side;
    r.control.name = "control";
    r.control.side = control_side;
    r.control.ran = control_ns >= 0;
    r.control.wall_ns = control_ns;
    r.candidate.name = "candidate";
    r.candidate.side = Other(control_side);
    r.candidate.ran = candidate_ns >= 0;
    r.candidate.wall_ns = candidate_ns;
    r.diff_json = diff_json;
    r.timestamp_ms = timestamp_ms;
    return r;
  }

  // What publishing this result must add to its flag's counters.
  void AddTo(MinuteCounters* expected) const {
    switch (outcome) {
      case Outcome::kMatch:
        expected->at(StatsCounter::kMatches) += 1;
        break;
      case Outcome::kMismatch:
        expected->at(StatsCounter::kMismatches) += 1;
        break;
      case Outcome::kIgnored:
        expected->at(StatsCounter::kIgnored) += 1;
        break;
      case Outcome::kCandidateError:
        expected->at(StatsCounter::kCandidateErrors) += 1;
        break;
      case Outcome::kControlError:
        expected->at(StatsCounter::kControlErrors) += 1;
        break;
      case Outcome::kTimeout:
        expected->at(StatsCounter::kTimeouts) += 1;
        break;
      case Outcome::kDropped:
        expected->at(StatsCounter::kDropped) += 1;
        break;
    }
    if (IsCompared(outcome)) expected->at(StatsCounter::kComparisons) += 1;
    if (control_ns >= 0) expected->histogram(control_side).Add(control_ns);
    if (candidate_ns >= 0) {
      expected->histogram(Other(control_side)).Add(candidate_ns);
    }
  }
};

inline std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Compares every field except events_dropped (which depends on timing and is
// checked against the publisher's own count).
inline void ExpectSameCounters(const MinuteCounters& expected,
                               const MinuteCounters& actual,
                               const std::string& what) {
  for (int i = 0; i < kStatsCounterCount; ++i) {
    const auto c = static_cast<StatsCounter>(i);
    if (c == StatsCounter::kEventsDropped) continue;
    EXPECT_EQ(actual.get(c), expected.get(c))
        << what << ": field " << StatsCounterField(c);
  }
  for (Side side : {Side::kOld, Side::kNew}) {
    for (int b = 0; b < LatencyHistogram::kBucketCount; ++b) {
      EXPECT_EQ(actual.histogram(side).count(b),
                expected.histogram(side).count(b))
          << what << ": field " << LatencyField(side, b);
    }
  }
}

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SDK_PUBLISHER_REDIS_TEST_UTIL_H_
