// The embedded publisher: exact per-flag counters in process and the most
// recent results, readable by the application, its tests and benchmarks. The
// default for experiments that name no publisher, and the right choice for
// applications without Redis.
//
// Counting is lock-free (StatsAggregator); keeping a result copy takes a mutex
// and allocates, so by default only events (mismatches, errors, timeouts) are
// kept, and only the newest `keep_results` of them.
//
// Thread-safety: every method may be called from any thread.
#ifndef CUTOVER_IN_MEMORY_PUBLISHER_H_
#define CUTOVER_IN_MEMORY_PUBLISHER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "cutover/minute_counters.h"
#include "cutover/mutex.h"
#include "cutover/publisher.h"
#include "cutover/stats_aggregator.h"

namespace cutover {
inline namespace sdk {

class InMemoryPublisher : public Publisher {
 public:
  struct Options {
    // Newest results kept as ResultRecords (0 keeps none).
    std::size_t keep_results = 1000;
    // Also keep matches, ignored and dropped results, not only events. Tests
    // that inspect every published result turn this on.
    bool keep_all_results = false;
    // Minutes of per-minute counters kept per flag (older minutes still count
    // in Totals()).
    std::size_t keep_minutes = 60;
    std::size_t max_flags = StatsAggregator::kDefaultMaxFlags;
    // Bytes kept of each value, error message and diff.
    std::size_t max_text_bytes = 64 * 1024;
  };

  InMemoryPublisher() : InMemoryPublisher(Options{}) {}
  explicit InMemoryPublisher(const Options& options);

  void Publish(const ExperimentResult& result) override;

  // Every count for `flag` since creation (or Clear), exact; all zero for a
  // flag never seen.
  MinuteCounters Totals(std::string_view flag);
  // Per-minute counts of `flag` for the newest keep_minutes minutes, keyed by
  // Unix minute.
  std::map<std::int64_t, MinuteCounters> PerMinute(std::string_view flag);
  // Flags with at least one result, sorted.
  std::vector<std::string> Flags();
  // The kept results, oldest first.
  std::vector<ResultRecord> RecentResults();
  // The newest kept result, if any.
  std::optional<ResultRecord> LastResult();
  // Results published since creation (or Clear), all outcomes.
  std::uint64_t published();
  // Forgets every count and kept result.
  void Clear();

 private:
  struct FlagTotals {
    MinuteCounters all;
    std::map<std::int64_t, MinuteCounters> minutes;
  };

  // Moves the aggregator's counts into totals_.
  void Sync() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  StatsAggregator aggregator_;
  Mutex mu_;
  absl::flat_hash_map<std::string, FlagTotals> totals_ ABSL_GUARDED_BY(mu_);
  // A ring of the newest kept results: recent_[recent_next_] is the slot the
  // next one overwrites (reusing its buffers) once the ring is full.
  std::vector<ResultRecord> recent_ ABSL_GUARDED_BY(mu_);
  std::size_t recent_next_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_IN_MEMORY_PUBLISHER_H_
