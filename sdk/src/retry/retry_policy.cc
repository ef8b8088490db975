#include "cutover/retry_policy.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <utility>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

RetryRandom MersenneRandom(std::uint64_t seed) {
  // Shared so that the std::function stays copyable; only one thread calls it.
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return (*engine)(); };
}

}  // namespace

absl::Status ValidateRetryOptions(const RetryOptions& options,
                                  std::string_view what) {
  if (options.initial_delay.count() <= 0) {
    return absl::InvalidArgumentError(
        StrCat(what, ": initial_delay must be positive, not ",
               options.initial_delay.count(), " ms"));
  }
  if (options.max_delay < options.initial_delay) {
    return absl::InvalidArgumentError(
        StrCat(what, ": max_delay (", options.max_delay.count(),
               " ms) must be at least initial_delay (",
               options.initial_delay.count(), " ms)"));
  }
  if (options.max_retries < RetryOptions::kUnlimited) {
    return absl::InvalidArgumentError(
        StrCat(what, ": max_retries must be at least 0 (or kUnlimited), not ",
               options.max_retries));
  }
  return absl::OkStatus();
}

RetryRandom SeededRetryRandom(std::uint64_t seed) {
  return MersenneRandom(seed);
}

RetryPolicy::RetryPolicy(const RetryOptions& options, RetryRandom random)
    : options_(options),
      random_(random ? std::move(random)
                     : MersenneRandom(
                           (std::uint64_t{std::random_device{}()} << 32) |
                           std::random_device{}())) {}

std::chrono::milliseconds RetryPolicy::Ceiling(const RetryOptions& options,
                                               int retry) {
  const std::int64_t initial = options.initial_delay.count();
  const std::int64_t cap = options.max_delay.count();
  if (initial >= cap) return options.max_delay;
  // Doubling past the cap stops at the cap; 62 doublings overflow for any
  // positive start, long after every cap was reached.
  const int doublings = std::clamp(retry, 0, 62);
  if (initial > (cap >> doublings)) return options.max_delay;
  return std::chrono::milliseconds(initial << doublings);
}

bool RetryPolicy::CanRetry() const {
  return options_.max_retries == RetryOptions::kUnlimited ||
         retries_ < options_.max_retries;
}

std::chrono::milliseconds RetryPolicy::NextDelay() {
  const std::int64_t ceiling = Ceiling(options_, retries_).count();
  if (retries_ < std::numeric_limits<int>::max()) ++retries_;
  // The top 53 bits as a fraction in [0, 1): uniform over the ceiling + 1
  // whole milliseconds, the largest draw landing on the ceiling itself.
  const double unit =
      static_cast<double>(random_() >> 11) / 9007199254740992.0;  // 2^53
  const auto drawn =
      static_cast<std::int64_t>(unit * (static_cast<double>(ceiling) + 1.0));
  return std::chrono::milliseconds(std::min(drawn, ceiling));
}

}  // namespace sdk
}  // namespace cutover
