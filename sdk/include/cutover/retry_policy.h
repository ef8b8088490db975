// The one retry policy of every cutover component that retries: the live
// client's reconnects, the background Redis writers (publisher, operation
// tracker, reconcile log), backfill batches that lost a lock race, and flag
// writes that lost a compare-and-set.
//
// Exponential, capped, full jitter: the delay before retry n (0-based) is
// drawn uniformly from [0, min(max_delay, initial_delay * 2^n)]. Full jitter,
// rather than a band around the bound, is what spreads a crowd of processes
// that all failed at the same moment (a Redis restart, a lock released) over
// the whole window instead of letting them return in waves.
#ifndef CUTOVER_RETRY_POLICY_H_
#define CUTOVER_RETRY_POLICY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"

namespace cutover {
inline namespace sdk {

// How a component retries; each component has one of these in its options.
struct RetryOptions {
  // max_retries value for loops that retry for as long as they run.
  static constexpr int kUnlimited = -1;

  // The bound of the first retry's delay; each further retry doubles it.
  std::chrono::milliseconds initial_delay{100};
  // The bound never grows past this.
  std::chrono::milliseconds max_delay{5000};
  // Retries after the first attempt: 0 disables retrying, kUnlimited never
  // gives up. Components that retry in the background ignore it.
  int max_retries = kUnlimited;
};

// OK, or InvalidArgument starting with `what` unless initial_delay is
// positive, max_delay is at least initial_delay and max_retries is at least
// kUnlimited.
absl::Status ValidateRetryOptions(const RetryOptions& options,
                                  std::string_view what);

// A source of uniformly distributed 64-bit values for the jitter. Called only
// from the thread using the RetryPolicy that holds it.
using RetryRandom = std::function<std::uint64_t()>;

// A reproducible RetryRandom (a Mersenne Twister seeded with `seed`), for
// tests that need the same delays on every run.
RetryRandom SeededRetryRandom(std::uint64_t seed);

// The state of one retry loop: how many retries it handed out and the jitter
// source.
//
// Thread-safety: thread-compatible. One instance per retry loop, used by one
// thread at a time; the loops of different threads use different instances.
class RetryPolicy {
 public:
  // `options` must be valid (ValidateRetryOptions). A null `random` seeds a
  // generator from std::random_device, so processes started together still
  // draw different delays.
  explicit RetryPolicy(const RetryOptions& options, RetryRandom random = {});

  // The bound the delay of retry `retry` (0-based) is drawn under:
  // min(max_delay, initial_delay * 2^retry), without overflowing.
  static std::chrono::milliseconds Ceiling(const RetryOptions& options,
                                           int retry);

  // True while another retry is allowed: fewer than max_retries delays
  // handed out since the last Reset(), or max_retries is kUnlimited.
  bool CanRetry() const;

  // The delay to wait before the next attempt, uniform in [0, Ceiling(n)]
  // where n is retries(); counts one retry. Callers that honour max_retries
  // check CanRetry() first.
  std::chrono::milliseconds NextDelay();

  // Starts over after a success: the next delay is drawn under initial_delay.
  void Reset() { retries_ = 0; }

  // Delays handed out since the last Reset().
  int retries() const { return retries_; }

  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  RetryRandom random_;
  int retries_ = 0;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_RETRY_POLICY_H_
