#include "cutover/report.h"

namespace cutover::report {

LatencySummary LatencySummary::Of(const LatencyHistogram& histogram) {
  LatencySummary s;
  s.samples = histogram.total();
  s.p50_ns = histogram.PercentileNanos(0.5);
  s.p99_ns = histogram.PercentileNanos(0.99);
  return s;
}

double CounterTotals::mismatch_rate() const {
  const std::uint64_t compared = get(StatsCounter::kComparisons);
  if (compared == 0) return 0.0;
  return static_cast<double>(get(StatsCounter::kMismatches)) /
         static_cast<double>(compared);
}

CounterTotals CounterTotals::Of(const MinuteCounters& minute) {
  CounterTotals t;
  t.counters = minute.counters;
  return t;
}

ReadinessFacts MigrationReport::Facts() const {
  ReadinessFacts f;
  f.flag = flag;
  f.now_ms = now_ms;
  f.window = window;
  f.comparisons = totals.get(StatsCounter::kComparisons);
  f.mismatches = totals.get(StatsCounter::kMismatches);
  f.candidate_errors = totals.get(StatsCounter::kCandidateErrors);
  f.timeouts = totals.get(StatsCounter::kTimeouts);
  f.first_comparison_ms = first_comparison_ms;
  f.last_change_ms = changes.last_change_ms;
  f.mismatches_since_change = since_last_change.get(StatsCounter::kMismatches);
  f.last_stage_change_ms = changes.last_stage_change_ms;
  f.reconcile_backlog = reconcile.entries;
  f.reconcile_oldest_ms = reconcile.oldest_at_ms;
  f.verification = verification;
  return f;
}

}  // namespace cutover::report
