#include "cutover/minute_counters.h"

#include <charconv>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

void MinuteCounters::Add(const MinuteCounters& other) {
  for (int i = 0; i < kStatsCounterCount; ++i) counters[i] += other.counters[i];
  latency[0].Merge(other.latency[0]);
  latency[1].Merge(other.latency[1]);
}

bool MinuteCounters::empty() const {
  for (std::uint64_t c : counters) {
    if (c != 0) return false;
  }
  return latency[0].empty() && latency[1].empty();
}

void MinuteCounters::ForEachField(
    absl::FunctionRef<void(std::string_view, std::uint64_t)> fn) const {
  for (int i = 0; i < kStatsCounterCount; ++i) {
    if (counters[i] != 0) fn(kStatsCounterFields[i], counters[i]);
  }
  // Built in a stack buffer: this runs for every bucket of every flush.
  char field[32];
  for (Side side : {Side::kOld, Side::kNew}) {
    const std::string_view prefix = LatencyFieldPrefix(side);
    prefix.copy(field, prefix.size());
    const LatencyHistogram& h = histogram(side);
    for (int b = 0; b < LatencyHistogram::kBucketCount; ++b) {
      if (h.count(b) == 0) continue;
      char* end =
          std::to_chars(field + prefix.size(), field + sizeof field, b).ptr;
      fn(std::string_view(field, static_cast<size_t>(end - field)), h.count(b));
    }
  }
}

absl::Status MinuteCounters::AddField(std::string_view field,
                                      std::string_view value) {
  std::uint64_t n = 0;
  const bool numeric = ParseInteger(value, &n);
  Side side;
  int bucket = 0;
  if (ParseLatencyField(field, &side, &bucket)) {
    if (!numeric) {
      return absl::InvalidArgumentError(
          StrCat("stats field '", field, "' holds '", value,
                 "', not a non-negative integer"));
    }
    histogram(side).AddToBucket(bucket, n);
    return absl::OkStatus();
  }
  for (int i = 0; i < kStatsCounterCount; ++i) {
    if (kStatsCounterFields[i] != field) continue;
    if (!numeric) {
      return absl::InvalidArgumentError(
          StrCat("stats field '", field, "' holds '", value,
                 "', not a non-negative integer"));
    }
    counters[i] += n;
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace sdk
}  // namespace cutover
