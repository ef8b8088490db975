// The caller's half of a buffering publisher: every result is counted exactly
// in process (StatsAggregator), and results worth an event (mismatches,
// errors, timeouts) are copied into a bounded lock-free queue for a background
// writer. Publish never blocks and never allocates once the queue's records
// are warm; a full queue drops the event, counts the drop (events_dropped),
// and leaves the counters exact.
//
// RedisPublisher is this pipeline plus a thread that writes to Redis; the
// benchmarks drive it directly to measure the caller's cost.
//
// Thread-safety: Publish may be called from any number of threads; the
// consumer methods (PopEvents, HarvestCounters) are meant for one consumer
// thread but are safe from several.
#ifndef CUTOVER_RESULT_PIPELINE_H_
#define CUTOVER_RESULT_PIPELINE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "cutover/bounded_queue.h"
#include "cutover/experiment_result.h"
#include "cutover/minute_counters.h"
#include "cutover/stats_aggregator.h"

namespace cutover {
inline namespace sdk {

class ResultPipeline {
 public:
  struct Options {
    // Events waiting for the writer; rounded up to a power of two.
    std::size_t queue_capacity = 8192;
    // Bytes kept of each value, error message and diff in a queued event:
    // with the capacity, this bounds the queue's memory.
    std::size_t max_text_bytes = 16 * 1024;
    std::size_t max_flags = StatsAggregator::kDefaultMaxFlags;
  };

  explicit ResultPipeline(const Options& options);
  ResultPipeline(const ResultPipeline&) = delete;
  ResultPipeline& operator=(const ResultPipeline&) = delete;

  // Counts `result` and, if it is an event, queues a copy of it (or drops and
  // counts it when the queue is full). Returns true when the writer should be
  // woken early: this push carried the queue from below half its capacity to
  // half or more (BoundedQueue::PushSizes), however other pushes interleaved.
  bool Publish(const ExperimentResult& result) noexcept;

  // Moves up to `max` queued events into (*records)[at], (*records)[at + 1],
  // ... and returns how many. The vector grows as needed and never shrinks:
  // each record it already holds is swapped into the queue cell it replaces,
  // so buffers circulate between producers and the consumer instead of
  // being reallocated.
  std::size_t PopEvents(std::size_t max, std::vector<ResultRecord>* records,
                        std::size_t at = 0);

  // StatsAggregator::Harvest: moves every count out.
  void HarvestCounters(
      absl::FunctionRef<void(std::string_view flag, std::int64_t unix_minute,
                             const MinuteCounters&)>
          fn) {
    aggregator_.Harvest(fn);
  }

  std::size_t queued() const { return queue_.SizeApprox(); }
  std::size_t queue_capacity() const { return queue_.capacity(); }
  // Events dropped because the queue was full, since creation.
  std::uint64_t events_dropped() const {
    return events_dropped_.load(std::memory_order_relaxed);
  }
  // Results not counted because max_flags distinct flags were already seen.
  std::uint64_t untracked() const { return aggregator_.untracked(); }

 private:
  const Options options_;
  StatsAggregator aggregator_;
  BoundedQueue<ResultRecord> queue_;
  std::atomic<std::uint64_t> events_dropped_{0};
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_RESULT_PIPELINE_H_
