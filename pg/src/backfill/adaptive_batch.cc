#include "cutover/adaptive_batch.h"

#include <algorithm>
#include <cmath>

namespace cutover::pg {
namespace {
// Weight of the newest observation: enough to follow a change within a few
// batches, little enough that one slow batch (a checkpoint, autovacuum) does
// not halve the batch size.
constexpr double kSmoothing = 0.5;
}  // namespace

AdaptiveBatchSizer::AdaptiveBatchSizer(const BatchSizing& sizing)
    : sizing_(sizing),
      next_(std::clamp(sizing.initial, std::max<std::int64_t>(1, sizing.min),
                       std::max(sizing.min, sizing.max))) {
  if (!adaptive()) next_ = std::max<std::int64_t>(1, sizing.initial);
}

void AdaptiveBatchSizer::Observe(std::int64_t keys,
                                 std::chrono::microseconds elapsed) {
  if (!adaptive() || keys <= 0) return;
  const double us = std::max<double>(1.0, static_cast<double>(elapsed.count()));
  const double rate = static_cast<double>(keys) / us;
  keys_per_us_ = keys_per_us_ == 0
                     ? rate
                     : kSmoothing * rate + (1 - kSmoothing) * keys_per_us_;
  const double target_us =
      std::chrono::duration<double, std::micro>(sizing_.target).count();
  double proposal = keys_per_us_ * target_us;
  // A batch that overran is cut at once, whatever the smoothed history says.
  if (us > 2 * target_us) proposal = std::min(proposal, keys * target_us / us);
  const double grown = static_cast<double>(next_) * 2;
  proposal = std::min(proposal, grown);
  const std::int64_t lo = std::max<std::int64_t>(1, sizing_.min);
  const std::int64_t hi = std::max(lo, sizing_.max);
  next_ = std::clamp(static_cast<std::int64_t>(std::llround(proposal)), lo, hi);
}

}  // namespace cutover::pg
