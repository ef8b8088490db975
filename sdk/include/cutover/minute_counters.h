// One flag's experiment counters for one minute, as plain numbers: what the
// publishers add up in memory, what one HINCRBY batch sends, and what a report
// reads back from a `<prefix>stats:<flag>:<minute>` hash (stats_schema.h).
//
// Thread-safety: a value type.
#ifndef CUTOVER_MINUTE_COUNTERS_H_
#define CUTOVER_MINUTE_COUNTERS_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "cutover/latency_histogram.h"
#include "cutover/stage.h"
#include "cutover/stats_schema.h"

namespace cutover {
inline namespace sdk {

struct MinuteCounters {
  std::array<std::uint64_t, kStatsCounterCount> counters{};
  // Indexed by Side: [0] old, [1] new.
  std::array<LatencyHistogram, 2> latency;

  std::uint64_t get(StatsCounter c) const {
    return counters[static_cast<int>(c)];
  }
  std::uint64_t& at(StatsCounter c) { return counters[static_cast<int>(c)]; }
  const LatencyHistogram& histogram(Side side) const {
    return latency[static_cast<int>(side)];
  }
  LatencyHistogram& histogram(Side side) {
    return latency[static_cast<int>(side)];
  }

  void Add(const MinuteCounters& other);
  bool empty() const;

  // Calls `fn(field, value)` for every non-zero field, counters first in
  // kStatsCounterFields order, then the old side's buckets, then the new
  // side's. `field` is only valid during the call.
  void ForEachField(
      absl::FunctionRef<void(std::string_view field, std::uint64_t value)> fn)
      const;

  // Adds one field as read back from Redis (HGETALL). Unknown field names are
  // skipped (returns OK) so that a newer writer's extra fields do not break an
  // older reader; a known field whose value is not a non-negative integer is
  // InvalidArgument naming the field.
  absl::Status AddField(std::string_view field, std::string_view value);
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_MINUTE_COUNTERS_H_
