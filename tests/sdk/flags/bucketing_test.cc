#include "cutover/bucketing.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cutover {
namespace {

// Buckets computed by hand from the formula with an independent MurmurHash3
// implementation: murmur3_x86_32("pair_membership:alice", 0) = 1093522041 →
// 1093522041 % 100 + 1 = 42.
TEST(BucketingTest, MatchesHandComputedBuckets) {
  EXPECT_EQ(Bucket("pair_membership", "alice"), 42);
  EXPECT_EQ(Bucket("pair_membership", "bob"), 29);
  EXPECT_EQ(Bucket("pair_membership", "user-42"), 70);
  EXPECT_EQ(Bucket("name_split", "1001"), 30);
  EXPECT_EQ(Bucket("x", ""), 86);
}

TEST(BucketingTest, PrefixedBucketerAgreesWithTheFormula) {
  PrefixedBucketer bucketer("some-salt");
  for (int i = 0; i < 1000; ++i) {
    const std::string user = "u" + std::to_string(i);
    EXPECT_EQ(bucketer.Bucket(user), Bucket("some-salt", user));
  }
}

TEST(BucketingTest, ZeroPercentMatchesNobodyAndHundredEveryone) {
  for (int bucket = 1; bucket <= 100; ++bucket) {
    EXPECT_FALSE(InPercentage(0, bucket));
    EXPECT_TRUE(InPercentage(100, bucket));
  }
}

TEST(BucketingTest, RaisingThePercentageOnlyAddsUsersAndIsSticky) {
  constexpr int kUsers = 100000;
  std::vector<int> buckets(kUsers);
  for (int i = 0; i < kUsers; ++i)
    buckets[i] = Bucket("pair_membership", std::to_string(i));
  // Sticky: the same user always lands in the same bucket.
  for (int i = 0; i < kUsers; i += 997) {
    EXPECT_EQ(Bucket("pair_membership", std::to_string(i)), buckets[i]);
  }
  std::vector<bool> in(kUsers, false);
  for (int percent = 0; percent <= 100; ++percent) {
    int count = 0;
    for (int i = 0; i < kUsers; ++i) {
      const bool now = InPercentage(percent, buckets[i]);
      ASSERT_FALSE(in[i] && !now)
          << "user " << i << " left at " << percent << "%";
      in[i] = now;
      count += now;
    }
    if (percent == 10) {
      EXPECT_GE(count, kUsers * 9 / 100);
      EXPECT_LE(count, kUsers * 11 / 100);
    }
  }
}

TEST(BucketingTest, DifferentSaltsGiveIndependentBuckets) {
  int same = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string user = std::to_string(i);
    same += Bucket("a", user) == Bucket("b", user);
  }
  EXPECT_LT(same, 300);  // about 1% expected by chance
}

}  // namespace
}  // namespace cutover
