#include "cutover/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace cutover {
inline namespace sdk {

std::int64_t LatencyHistogram::BucketLowerBoundNanos(int bucket) {
  if (bucket <= 0) return 0;
  if (bucket >= kBucketCount - 1) return kOverflowNanos;
  const int octave = kFirstOctave + (bucket - 1) / kSubBuckets;
  const int sub = (bucket - 1) % kSubBuckets;
  return static_cast<std::int64_t>(kSubBuckets + sub) << (octave - 2);
}

std::int64_t LatencyHistogram::BucketUpperBoundNanos(int bucket) {
  if (bucket >= kBucketCount - 1) return kOverflowNanos;
  return BucketLowerBoundNanos(bucket + 1);
}

bool LatencyHistogram::AddToBucket(int bucket, std::uint64_t count) {
  if (bucket < 0 || bucket >= kBucketCount) return false;
  counts_[bucket] += count;
  return true;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
}

std::uint64_t LatencyHistogram::total() const {
  std::uint64_t sum = 0;
  for (std::uint64_t c : counts_) sum += c;
  return sum;
}

std::optional<std::int64_t> LatencyHistogram::PercentileNanos(double q) const {
  const std::uint64_t n = total();
  if (n == 0) return std::nullopt;
  if (!(q > 0)) q = 0;  // also maps NaN to 0
  if (q > 1) q = 1;
  // The rank of the wanted observation, 1-based, so that q = 0 is the first
  // observation and q = 1 the last.
  const double rank = std::max(1.0, std::ceil(q * static_cast<double>(n)));
  double before = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    const double c = static_cast<double>(counts_[i]);
    if (c == 0) continue;
    if (before + c >= rank) {
      const double lower = static_cast<double>(BucketLowerBoundNanos(i));
      if (i == kBucketCount - 1) return static_cast<std::int64_t>(lower);
      const double upper = static_cast<double>(BucketUpperBoundNanos(i));
      // Midpoint convention: the k-th of c observations in a bucket sits at
      // (k - 0.5) / c of its width, so one observation reports the middle.
      const double fraction = (rank - before - 0.5) / c;
      return static_cast<std::int64_t>(lower + fraction * (upper - lower));
    }
    before += c;
  }
  return BucketLowerBoundNanos(kBucketCount - 1);
}

}  // namespace sdk
}  // namespace cutover
