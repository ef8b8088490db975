// The fixed log-scale latency buckets and the p50/p99 estimate a report
// derives from bucket counts alone.
#include "cutover/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace cutover {
namespace {

struct BucketCase {
  std::int64_t nanos;
  int bucket;
};

class BucketForTest : public ::testing::TestWithParam<BucketCase> {};

TEST_P(BucketForTest, PutsALatencyInItsDocumentedBucket) {
  EXPECT_EQ(LatencyHistogram::BucketFor(GetParam().nanos), GetParam().bucket);
}

INSTANTIATE_TEST_SUITE_P(
    Boundaries, BucketForTest,
    ::testing::Values(BucketCase{-5, 0}, BucketCase{0, 0}, BucketCase{255, 0},
                      BucketCase{256, 1}, BucketCase{319, 1},
                      BucketCase{320, 2}, BucketCase{448, 4},
                      BucketCase{511, 4}, BucketCase{512, 5},
                      BucketCase{1'000'000, 1 + 4 * (19 - 8) + 3},
                      BucketCase{(std::int64_t{1} << 37) - 1, 116},
                      BucketCase{std::int64_t{1} << 37, 117},
                      BucketCase{INT64_MAX, 117}));

TEST(LatencyHistogramTest, BoundsAreContiguousAndConsistent) {
  EXPECT_EQ(LatencyHistogram::kBucketCount, 118);
  for (int b = 0; b < LatencyHistogram::kBucketCount - 1; ++b) {
    const auto lower = LatencyHistogram::BucketLowerBoundNanos(b);
    const auto upper = LatencyHistogram::BucketUpperBoundNanos(b);
    ASSERT_LT(lower, upper) << b;
    EXPECT_EQ(LatencyHistogram::BucketFor(lower), b);
    EXPECT_EQ(LatencyHistogram::BucketFor(upper - 1), b);
    EXPECT_EQ(LatencyHistogram::BucketLowerBoundNanos(b + 1), upper);
    if (b > 0) {
      // At most 25% wide relative to the lower bound.
      EXPECT_LE(upper - lower, lower / 4) << b;
    }
  }
}

TEST(LatencyHistogramTest, EmptyHasNoPercentile) {
  LatencyHistogram h;
  EXPECT_TRUE(h.empty());
  EXPECT_FALSE(h.PercentileNanos(0.5).has_value());
}

TEST(LatencyHistogramTest, OneObservationReportsItsBucketsMiddle) {
  LatencyHistogram h;
  h.Add(1000);  // bucket [896, 1024)
  EXPECT_EQ(h.PercentileNanos(0.5), 960);
  EXPECT_EQ(h.PercentileNanos(0.99), 960);
}

TEST(LatencyHistogramTest, PercentilesOfAKnownDistributionAreClose) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(11.0, 1.0);  // median ~60 us
  std::vector<std::int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::int64_t>(dist(rng));
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99}) {
    const double exact = static_cast<double>(
        values[static_cast<size_t>(q * static_cast<double>(values.size()))]);
    const double estimate = static_cast<double>(*h.PercentileNanos(q));
    EXPECT_NEAR(estimate / exact, 1.0, 0.125) << "q=" << q;
  }
}

TEST(LatencyHistogramTest, OverflowReportsItsLowerBound) {
  LatencyHistogram h;
  h.Add(INT64_MAX);
  EXPECT_EQ(h.PercentileNanos(0.5), LatencyHistogram::kOverflowNanos);
}

TEST(LatencyHistogramTest, MergeAndAddToBucket) {
  LatencyHistogram a;
  LatencyHistogram b;
  a.Add(300, 2);
  EXPECT_TRUE(b.AddToBucket(1, 3));
  EXPECT_FALSE(b.AddToBucket(-1, 1));
  EXPECT_FALSE(b.AddToBucket(LatencyHistogram::kBucketCount, 1));
  a.Merge(b);
  EXPECT_EQ(a.count(1), 5u);
  EXPECT_EQ(a.total(), 5u);
}

}  // namespace
}  // namespace cutover
