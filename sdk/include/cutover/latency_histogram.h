// A fixed log-linear latency histogram: the same buckets in every process and
// in Redis, so per-minute histograms from many application servers add up and
// a report can estimate p50/p99 for the old and the new side from the counts
// alone.
//
// Buckets (fixed forever; the Redis field names carry the bucket index):
//   bucket 0            [0, 256 ns)
//   buckets 1..116      each power of two from 2^8 ns to 2^37 ns is split into
//                       four equal sub-buckets: bucket 1 + 4*(k-8) + j covers
//                       [2^k + j*2^(k-2), 2^k + (j+1)*2^(k-2)), k = 8..36,
//                       j = 0..3
//   bucket 117          [2^37 ns (about 137 s), infinity)
// A bucket is at most 25% wide relative to its lower bound, so an estimate
// interpolated inside one is within about 12% of the true value.
//
// Thread-safety: a value type; concurrent reads are safe, writes need external
// synchronisation (the in-process aggregator uses its own atomics and only
// borrows BucketFor()).
#ifndef CUTOVER_LATENCY_HISTOGRAM_H_
#define CUTOVER_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <optional>

namespace cutover {
inline namespace sdk {

class LatencyHistogram {
 public:
  static constexpr int kFirstOctave = 8;  // 2^8 ns = 256 ns
  static constexpr int kLastOctave = 36;  // the last split octave
  static constexpr int kSubBuckets = 4;   // per octave
  static constexpr int kBucketCount =
      1 + (kLastOctave - kFirstOctave + 1) * kSubBuckets + 1;  // 118
  static constexpr std::int64_t kOverflowNanos = std::int64_t{1}
                                                 << (kLastOctave + 1);

  // The bucket a latency falls in. Negative latencies count as 0.
  static constexpr int BucketFor(std::int64_t nanos) {
    if (nanos < (std::int64_t{1} << kFirstOctave)) return 0;
    if (nanos >= kOverflowNanos) return kBucketCount - 1;
    const auto v = static_cast<std::uint64_t>(nanos);
    const int octave = 63 - __builtin_clzll(v);
    const int sub = static_cast<int>((v >> (octave - 2)) & 3);
    return 1 + (octave - kFirstOctave) * kSubBuckets + sub;
  }
  // Inclusive lower bound of `bucket` in nanoseconds (0 for bucket 0).
  static std::int64_t BucketLowerBoundNanos(int bucket);
  // Exclusive upper bound; the overflow bucket has none and returns its lower
  // bound.
  static std::int64_t BucketUpperBoundNanos(int bucket);

  void Add(std::int64_t nanos, std::uint64_t count = 1) {
    counts_[BucketFor(nanos)] += count;
  }
  // Adds `count` observations to `bucket` (as read back from Redis). Returns
  // false, changing nothing, when `bucket` is out of range.
  bool AddToBucket(int bucket, std::uint64_t count);
  void Merge(const LatencyHistogram& other);

  std::uint64_t count(int bucket) const { return counts_[bucket]; }
  std::uint64_t total() const;
  bool empty() const { return total() == 0; }

  // Estimated q-quantile (q in [0, 1], e.g. 0.5 or 0.99) in nanoseconds,
  // interpolated linearly inside the bucket that holds the rank. nullopt when
  // the histogram is empty. For the overflow bucket the estimate is its lower
  // bound (the value is at least that).
  std::optional<std::int64_t> PercentileNanos(double q) const;

 private:
  std::array<std::uint64_t, kBucketCount> counts_{};
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_LATENCY_HISTOGRAM_H_
