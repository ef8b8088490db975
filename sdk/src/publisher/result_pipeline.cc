#include "cutover/result_pipeline.h"

#include <utility>

#include "cutover/stats_schema.h"

namespace cutover {
inline namespace sdk {

ResultPipeline::ResultPipeline(const Options& options)
    : options_(options),
      aggregator_(options.max_flags),
      queue_(options.queue_capacity) {}

bool ResultPipeline::Publish(const ExperimentResult& result) noexcept {
  aggregator_.Record(result);
  if (!IsEvent(result.outcome)) return false;
  bool copied = true;
  BoundedQueue<ResultRecord>::PushSizes sizes;
  const bool queued = queue_.TryPushWith(
      [&](ResultRecord& cell) {
        try {
          cell.Assign(result, options_.max_text_bytes);
        } catch (...) {
          // Out of memory rendering a value: queue what fitted rather than
          // nothing; the counters above are exact either way.
          copied = false;
        }
      },
      &sizes);
  if (!queued || !copied) {
    if (!queued) {
      events_dropped_.fetch_add(1, std::memory_order_relaxed);
      aggregator_.RecordEventDropped(result.flag,
                                     UnixMinuteOfMillis(result.timestamp_ms));
    }
    return false;
  }
  // Crossing, not equality: concurrent pushes step past the exact value, and
  // the writer would then sleep until its next tick while the queue fills.
  const std::size_t half = queue_.capacity() / 2;
  return sizes.before < half && half <= sizes.after;
}

std::size_t ResultPipeline::PopEvents(std::size_t max,
                                      std::vector<ResultRecord>* records,
                                      std::size_t at) {
  std::size_t n = 0;
  while (n < max &&
         queue_.TryPopWith([records, i = at + n](ResultRecord& cell) {
           // Grown only for an event actually taken.
           if (i == records->size()) records->emplace_back();
           using std::swap;
           swap((*records)[i], cell);
         })) {
    ++n;
  }
  return n;
}

}  // namespace sdk
}  // namespace cutover
