#include "cutover/retry_backoff.h"

#include <algorithm>

namespace cutover::pg {

RetryBackoff::RetryBackoff(const BackoffPolicy& policy, std::uint64_t seed)
    : policy_(policy),
      rng_(seed != 0
               ? seed
               : static_cast<std::uint64_t>(std::chrono::steady_clock::now()
                                                .time_since_epoch()
                                                .count())) {}

std::chrono::milliseconds RetryBackoff::NextDelay() {
  const int exponent = std::min(attempts_, 30);
  ++attempts_;
  const std::int64_t ceiling = std::min<std::int64_t>(
      policy_.max.count(),
      policy_.initial.count() * (std::int64_t{1} << exponent));
  const std::int64_t floor = std::min(policy_.min_delay.count(), ceiling);
  std::uniform_int_distribution<std::int64_t> jitter(floor,
                                                     std::max(floor, ceiling));
  return std::chrono::milliseconds(jitter(rng_));
}

}  // namespace cutover::pg
