// The one retry policy: the bound doubles from initial_delay up to max_delay,
// every delay is drawn from the whole window [0, bound] (full jitter), the
// retry budget is honoured, and a seeded jitter source reproduces its delays.
#include "cutover/retry_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace cutover {
namespace {

using std::chrono::milliseconds;

RetryOptions Options(std::int64_t initial_ms, std::int64_t max_ms,
                     int max_retries = RetryOptions::kUnlimited) {
  RetryOptions options;
  options.initial_delay = milliseconds(initial_ms);
  options.max_delay = milliseconds(max_ms);
  options.max_retries = max_retries;
  return options;
}

RetryRandom Constant(std::uint64_t value) {
  return [value] { return value; };
}

std::vector<std::int64_t> Draw(RetryPolicy& policy, int n) {
  std::vector<std::int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(policy.NextDelay().count());
  return out;
}

TEST(RetryPolicyTest, CeilingDoublesFromTheInitialDelayUpToTheCap) {
  const RetryOptions options = Options(10, 80);
  std::vector<std::int64_t> ceilings;
  for (int retry = 0; retry < 6; ++retry) {
    ceilings.push_back(RetryPolicy::Ceiling(options, retry).count());
  }
  EXPECT_EQ(ceilings, (std::vector<std::int64_t>{10, 20, 40, 80, 80, 80}));
}

TEST(RetryPolicyTest, CeilingNeverOverflowsPastTheCap) {
  const RetryOptions options = Options(3, 5000);
  EXPECT_EQ(RetryPolicy::Ceiling(options, 63).count(), 5000);
  EXPECT_EQ(RetryPolicy::Ceiling(options, 1'000'000).count(), 5000);
  EXPECT_EQ(RetryPolicy::Ceiling(
                Options(1, std::numeric_limits<std::int64_t>::max()), 62)
                .count(),
            std::int64_t{1} << 62);
  EXPECT_EQ(RetryPolicy::Ceiling(Options(7, 7), 10).count(), 7);
}

TEST(RetryPolicyTest, TheLowestDrawWaitsNothingAndTheHighestTheWholeBound) {
  RetryPolicy lowest(Options(10, 80), Constant(0));
  EXPECT_EQ(Draw(lowest, 5), (std::vector<std::int64_t>{0, 0, 0, 0, 0}));
  RetryPolicy highest(Options(10, 80),
                      Constant(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_EQ(Draw(highest, 6),
            (std::vector<std::int64_t>{10, 20, 40, 80, 80, 80}));
}

TEST(RetryPolicyTest, EveryDelayStaysWithinItsRetrysBound) {
  const RetryOptions options = Options(5, 300);
  RetryPolicy policy(options, SeededRetryRandom(42));
  for (int retry = 0; retry < 2000; ++retry) {
    const std::int64_t bound = RetryPolicy::Ceiling(options, retry).count();
    const std::int64_t delay = policy.NextDelay().count();
    ASSERT_GE(delay, 0) << "retry " << retry;
    ASSERT_LE(delay, bound) << "retry " << retry;
  }
}

TEST(RetryPolicyTest, FullJitterSpreadsDelaysOverTheWholeWindow) {
  // A fixed bound of 1000 ms: every tenth of the window gets its share, so
  // processes that failed together come back spread out, not in a wave.
  RetryPolicy policy(Options(1000, 1000), SeededRetryRandom(7));
  std::array<int, 10> deciles{};
  constexpr int kDraws = 10'000;
  for (int i = 0; i < kDraws; ++i) {
    const std::int64_t d = policy.NextDelay().count();
    ASSERT_LE(d, 1000);
    ++deciles[static_cast<std::size_t>(std::min<std::int64_t>(d / 100, 9))];
  }
  for (std::size_t i = 0; i < deciles.size(); ++i) {
    EXPECT_GT(deciles[i], kDraws / 10 * 8 / 10) << "decile " << i;
    EXPECT_LT(deciles[i], kDraws / 10 * 12 / 10) << "decile " << i;
  }
}

TEST(RetryPolicyTest, ASeedReproducesItsDelays) {
  RetryPolicy a(Options(100, 5000), SeededRetryRandom(123));
  RetryPolicy b(Options(100, 5000), SeededRetryRandom(123));
  RetryPolicy c(Options(100, 5000), SeededRetryRandom(124));
  const std::vector<std::int64_t> first = Draw(a, 20);
  EXPECT_EQ(first, Draw(b, 20));
  EXPECT_NE(first, Draw(c, 20));
}

TEST(RetryPolicyTest, UnseededPoliciesDrawDifferentDelays) {
  // What keeps application servers from reconnecting in lockstep: two
  // policies built alike do not share a sequence (equal by chance with
  // probability 5001^-20).
  RetryPolicy a(Options(5000, 5000));
  RetryPolicy b(Options(5000, 5000));
  EXPECT_NE(Draw(a, 20), Draw(b, 20));
}

TEST(RetryPolicyTest, HonoursTheRetryBudgetAndStartsOverAfterReset) {
  RetryPolicy policy(Options(10, 80, 3),
                     Constant(std::numeric_limits<std::uint64_t>::max()));
  std::vector<std::int64_t> delays;
  while (policy.CanRetry()) delays.push_back(policy.NextDelay().count());
  EXPECT_EQ(delays, (std::vector<std::int64_t>{10, 20, 40}));
  EXPECT_EQ(policy.retries(), 3);
  policy.Reset();
  EXPECT_EQ(policy.retries(), 0);
  ASSERT_TRUE(policy.CanRetry());
  EXPECT_EQ(policy.NextDelay().count(), 10);

  RetryPolicy never(Options(10, 80, 0));
  EXPECT_FALSE(never.CanRetry());
}

TEST(RetryPolicyTest, UnlimitedRetriesNeverRunOut) {
  RetryPolicy policy(Options(1, 2), SeededRetryRandom(1));
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(policy.CanRetry());
    policy.NextDelay();
  }
  EXPECT_EQ(policy.retries(), 100'000);
}

TEST(RetryPolicyTest, ValidationRefusesBadOptionsAndNamesTheOwner) {
  EXPECT_TRUE(ValidateRetryOptions(RetryOptions{}, "x").ok());
  EXPECT_TRUE(ValidateRetryOptions(Options(5, 5, 0), "x").ok());
  const struct {
    RetryOptions options;
    const char* mentions;
  } bad[] = {
      {Options(0, 10), "initial_delay"},
      {Options(-5, 10), "initial_delay"},
      {Options(100, 10), "max_delay"},
      {Options(10, 100, -2), "max_retries"},
  };
  for (const auto& c : bad) {
    const absl::Status s = ValidateRetryOptions(c.options, "my component");
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    const std::string message(s.message());
    EXPECT_NE(message.find("my component"), std::string::npos) << message;
    EXPECT_NE(message.find(c.mentions), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace cutover
