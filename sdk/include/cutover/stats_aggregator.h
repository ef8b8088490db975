// Exact per-flag, per-minute experiment counters kept in process, cheap enough
// to update on every result from any thread.
//
// Why a separate aggregator: counters must stay exact even when events are
// dropped (a full publisher queue) or Redis is down, so they never travel
// through the event queue. Each result is a few relaxed atomic increments on
// the flag's slot for its minute; a flush harvests the slots into plain
// MinuteCounters.
//
// Layout: flags live in a fixed open-addressing table read without locks
// (a flag is added under a mutex the first time it is seen). Each flag has a
// ring of four minute slots of atomics. A result whose minute is its slot's
// current minute is counted lock-free: the writer announces itself on the
// slot, checks the minute and increments. The first result of a new minute
// takes the flag's mutex once, closes the slot, waits for announced writers,
// and moves the old minute's counts aside; a late result for an older minute
// is added aside under that mutex too. Harvest exchanges every counter with
// zero under the same mutex, so each increment lands in exactly one harvest
// and under exactly its own minute.
//
// Thread-safety: every method may be called from any thread.
#ifndef CUTOVER_STATS_AGGREGATOR_H_
#define CUTOVER_STATS_AGGREGATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "cutover/experiment_result.h"
#include "cutover/minute_counters.h"
#include "cutover/mutex.h"

namespace cutover {
inline namespace sdk {

class StatsAggregator {
 public:
  // Distinct flags tracked; results for further flags are not counted (see
  // untracked()) and one warning is logged by the publisher.
  static constexpr std::size_t kDefaultMaxFlags = 4096;

  explicit StatsAggregator(std::size_t max_flags = kDefaultMaxFlags);
  ~StatsAggregator();
  StatsAggregator(const StatsAggregator&) = delete;
  StatsAggregator& operator=(const StatsAggregator&) = delete;

  // Counts `result` under its flag and the minute of its timestamp: the
  // outcome's counter and, for each side that ran to completion, its latency
  // bucket. Returns true when this result opened a new minute for its flag
  // (a hint that older minutes are ready to harvest). Never blocks for long,
  // never allocates except the first time a flag is seen.
  bool Record(const ExperimentResult& result) noexcept;

  // Counts one event the publisher could not queue (events_dropped).
  void RecordEventDropped(std::string_view flag,
                          std::int64_t unix_minute) noexcept;

  // Moves every count recorded so far out of the aggregator and calls
  // `fn(flag, minute, counters)` once per (flag, minute) with a non-zero
  // count, `comparisons` filled in. Calls happen after all locks are
  // released. Counts recorded concurrently land in this harvest or the next,
  // never in both and never nowhere.
  void Harvest(
      absl::FunctionRef<void(std::string_view flag, std::int64_t unix_minute,
                             const MinuteCounters& counters)>
          fn);

  // Results not counted because max_flags distinct flags were already seen.
  std::uint64_t untracked() const {
    return untracked_.load(std::memory_order_relaxed);
  }

  struct FlagStats;

 private:
  FlagStats* Find(std::string_view flag) noexcept;
  FlagStats* Insert(std::string_view flag, std::size_t hash) noexcept;

  const std::size_t max_flags_;
  const std::size_t mask_;
  const std::unique_ptr<std::atomic<FlagStats*>[]> table_;
  std::atomic<std::uint64_t> untracked_{0};

  Mutex insert_mu_;
  std::vector<std::unique_ptr<FlagStats>> flags_ ABSL_GUARDED_BY(insert_mu_);
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_STATS_AGGREGATOR_H_
