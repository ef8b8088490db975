// Exponential backoff with full jitter, for retrying a batch that lost a lock
// race (lock_timeout) without all retrying clients waking up together.
//
// Delay for attempt n (1-based): uniform in [0, min(max, initial * 2^(n-1))],
// never below `min_delay` so that a retry always yields the lock to someone.
//
// Thread-safety: not thread-safe; one instance per retry loop.
#ifndef CUTOVER_RETRY_BACKOFF_H_
#define CUTOVER_RETRY_BACKOFF_H_

#include <chrono>
#include <cstdint>
#include <random>

namespace cutover::pg {

struct BackoffPolicy {
  std::chrono::milliseconds min_delay{10};
  std::chrono::milliseconds initial{50};
  std::chrono::milliseconds max{5000};
  // Attempts after the first one; 0 disables retrying.
  int max_retries = 10;
};

class RetryBackoff {
 public:
  // `seed` makes the jitter reproducible in tests; 0 seeds from the clock.
  explicit RetryBackoff(const BackoffPolicy& policy, std::uint64_t seed = 0);

  // True while another attempt is allowed (fewer than max_retries delays
  // handed out since the last Reset()).
  bool CanRetry() const { return attempts_ < policy_.max_retries; }
  // The delay before the next attempt; counts one retry. Call only when
  // CanRetry().
  std::chrono::milliseconds NextDelay();
  // Starts over after a success.
  void Reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
  int attempts_ = 0;
};

}  // namespace cutover::pg

#endif  // CUTOVER_RETRY_BACKOFF_H_
