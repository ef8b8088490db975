// The Redis layout of experiment results (docs/design.md, Redis layout; Results
// pipeline): key names, the per-minute counter hash's field names and the event
// stream's field names. The publisher writes them, `cutover report` reads them,
// dashboards and runbooks query them: every name here is part of the product
// and stays stable; new names may be added.
//
// Keys (prefix configurable, default "cutover:"):
//   <prefix>stats:<flag>:<minute>   hash, TTL (default 30 days)
//       <minute> is the Unix time in whole minutes (unix seconds / 60) of the
//       run's start. Fields, all integers, only non-zero ones are written:
//         comparisons       results that were compared: the sum of the five
//                           below (matches ... control_errors)
//         matches           control and candidate agreed (or raised
//                           equivalent errors)
//         mismatches        they disagreed and no ignore predicate excused it
//         ignored           they disagreed but an ignore predicate matched
//         candidate_errors  the candidate raised, the control did not
//         control_errors    the control raised, the candidate did not
//         timeouts          the candidate missed its deadline (not compared)
//         dropped           the candidate never ran: the executor's queue was
//                           full or it shut down (not compared)
//         events_dropped    results whose event could not be queued for the
//                           stream (publisher queue full); their counters
//                           above are still exact
//         latency_old_<b>   observations of the old side's read whose wall
//         latency_new_<b>   time fell in LatencyHistogram bucket <b> (0..117);
//                           one per side per result whose side ran to
//                           completion, whichever side was the control
//   <prefix>events:<flag>           stream, capped at about N entries
//       (default N = 10,000): XADD ... MAXLEN ~ N trims it once per written
//       batch, so it may exceed N by one batch (publisher max_batch_events)
//       in between. One entry per mismatch, candidate error, control error
//       and timeout, with two fields:
//         outcome   "mismatch" | "candidate_error" | "control_error" |
//                   "timeout"
//         result    the whole result as one JSON object
//                   (ResultRecord::ToJson: experiment, flag, stage, user,
//                   at_ms, both observations, diff, context)
//
// Thread-safety: constants and pure functions.
#ifndef CUTOVER_STATS_SCHEMA_H_
#define CUTOVER_STATS_SCHEMA_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cutover/internal/strings.h"
#include "cutover/latency_histogram.h"
#include "cutover/redis_keys.h"
#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

inline constexpr std::chrono::seconds kDefaultStatsTtl{30 * 24 * 60 * 60};
inline constexpr std::size_t kDefaultEventStreamMaxLen = 10000;

// The per-minute counters, in the order of kStatsCounterFields.
enum class StatsCounter : std::uint8_t {
  kComparisons = 0,
  kMatches,
  kMismatches,
  kIgnored,
  kCandidateErrors,
  kControlErrors,
  kTimeouts,
  kDropped,
  kEventsDropped,
};
inline constexpr int kStatsCounterCount = 9;

inline constexpr std::array<std::string_view, kStatsCounterCount>
    kStatsCounterFields = {
        "comparisons", "matches",          "mismatches",
        "ignored",     "candidate_errors", "control_errors",
        "timeouts",    "dropped",          "events_dropped",
};

constexpr std::string_view StatsCounterField(StatsCounter counter) {
  return kStatsCounterFields[static_cast<int>(counter)];
}

inline constexpr std::string_view kLatencyFieldPrefixOld = "latency_old_";
inline constexpr std::string_view kLatencyFieldPrefixNew = "latency_new_";

constexpr std::string_view LatencyFieldPrefix(Side side) {
  return side == Side::kOld ? kLatencyFieldPrefixOld : kLatencyFieldPrefixNew;
}

// "latency_old_<bucket>" / "latency_new_<bucket>".
inline std::string LatencyField(Side side, int bucket) {
  return StrCat(LatencyFieldPrefix(side), bucket);
}

// Parses a latency field name. False for any other field, or for a bucket
// outside 0..LatencyHistogram::kBucketCount-1.
inline bool ParseLatencyField(std::string_view field, Side* side, int* bucket) {
  Side s;
  if (ConsumePrefix(&field, kLatencyFieldPrefixOld)) {
    s = Side::kOld;
  } else if (ConsumePrefix(&field, kLatencyFieldPrefixNew)) {
    s = Side::kNew;
  } else {
    return false;
  }
  int b = 0;
  if (!ParseInteger(field, &b) || b < 0 ||
      b >= LatencyHistogram::kBucketCount) {
    return false;
  }
  *side = s;
  *bucket = b;
  return true;
}

// Event stream entry fields.
inline constexpr std::string_view kEventFieldOutcome = "outcome";
inline constexpr std::string_view kEventFieldResult = "result";

constexpr std::int64_t UnixMinuteOfMillis(std::int64_t unix_ms) {
  // Floor division, so that times before 1970 still map to one minute each.
  return unix_ms >= 0 ? unix_ms / 60000 : -((-unix_ms + 59999) / 60000);
}

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_STATS_SCHEMA_H_
