// Batch sizing for backfill: either fixed, or steered so that each batch's
// transaction takes about a target time.
//
// Why steer on time and not rows: a batch holds its row locks until it
// commits, so its duration is what an application write waits for in the
// worst case. Rows per second vary with row width, indexes, triggers and load;
// the controller measures them and follows.
//
// The controller keeps a smoothed rate (keys per millisecond) and proposes
// rate * target. Growth is capped at 2x per batch (one fast batch on a cold
// range must not produce a huge one); shrinking is immediate, since a batch
// that ran long is already hurting someone.
//
// Thread-safety: not thread-safe; one instance per backfill run.
#ifndef CUTOVER_ADAPTIVE_BATCH_H_
#define CUTOVER_ADAPTIVE_BATCH_H_

#include <chrono>
#include <cstdint>

namespace cutover::pg {

struct BatchSizing {
  std::int64_t initial = 1000;
  // Zero: fixed size, always `initial`.
  std::chrono::milliseconds target{0};
  std::int64_t min = 100;
  std::int64_t max = 1000000;
};

class AdaptiveBatchSizer {
 public:
  explicit AdaptiveBatchSizer(const BatchSizing& sizing);

  // The number of keys the next batch should cover.
  std::int64_t next() const { return next_; }
  // Records that a batch covering `keys` keys took `elapsed`. Ignored in fixed
  // mode and for empty batches.
  void Observe(std::int64_t keys, std::chrono::microseconds elapsed);
  bool adaptive() const { return sizing_.target.count() > 0; }

 private:
  BatchSizing sizing_;
  std::int64_t next_;
  double keys_per_us_ = 0;  // smoothed; 0 until the first observation
};

}  // namespace cutover::pg

#endif  // CUTOVER_ADAPTIVE_BATCH_H_
