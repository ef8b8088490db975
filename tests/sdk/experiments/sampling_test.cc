// Sampling: a rate for running the candidate at all, optionally sticky by a
// key (the same user always in or always out, in every process).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "cutover/experiment.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/internal/experiment_sampling.h"
#include "cutover/murmur3.h"

namespace cutover {
namespace {

struct Counter {
  int runs = 0;
  int candidates = 0;
};

Experiment<int> MakeExperiment(double rate, bool sticky,
                               std::string salt = "") {
  ExperimentConfig<int> config;
  config.name = "sampling";
  config.sample_rate = rate;
  config.sticky_sampling = sticky;
  config.sticky_salt = std::move(salt);
  config.mode = ExecutionMode::kSerial;
  config.publisher = std::make_shared<InMemoryPublisher>();
  return Experiment<int>::Create(std::move(config)).value();
}

// True if the candidate ran for this run.
bool CandidateRan(const Experiment<int>& ex, const RunContext& run) {
  bool ran = false;
  ex.Run(
      run, [] { return 1; },
      [&ran] {
        ran = true;
        return 1;
      });
  return ran;
}

TEST(SampleThresholdTest, MapsRatesToThresholds) {
  EXPECT_EQ(SampleThreshold(0), kSampleNever);
  EXPECT_EQ(SampleThreshold(-0.5), kSampleNever);
  EXPECT_EQ(SampleThreshold(std::nan("")), kSampleNever);
  EXPECT_EQ(SampleThreshold(1), kSampleAlways);
  EXPECT_EQ(SampleThreshold(2), kSampleAlways);
  EXPECT_EQ(SampleThreshold(0.5), std::uint64_t{1} << 63);
  EXPECT_EQ(SampleThreshold(0.25), std::uint64_t{1} << 62);
}

TEST(ExperimentSamplingTest, RateZeroNeverRunsTheCandidate) {
  const auto ex = MakeExperiment(0, false);
  RunContext run;
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(CandidateRan(ex, run));
}

TEST(ExperimentSamplingTest, RateOneAlwaysRunsTheCandidate) {
  const auto ex = MakeExperiment(1, false);
  RunContext run;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(CandidateRan(ex, run));
}

TEST(ExperimentSamplingTest, RandomSamplingHonoursTheRate) {
  const auto ex = MakeExperiment(0.25, false);
  RunContext run;
  int sampled = 0;
  constexpr int kRuns = 40'000;
  for (int i = 0; i < kRuns; ++i) sampled += CandidateRan(ex, run) ? 1 : 0;
  // 0.03 is about 14 standard deviations: a failure means a broken PRNG.
  EXPECT_NEAR(static_cast<double>(sampled) / kRuns, 0.25, 0.03);
}

TEST(ExperimentSamplingTest, ARunsRateOverridesTheExperiments) {
  const auto ex = MakeExperiment(0, false);
  RunContext run;
  run.sample_rate = 1.0;
  EXPECT_TRUE(CandidateRan(ex, run));
  run.sample_rate = 0.0;
  EXPECT_FALSE(CandidateRan(ex, run));
}

TEST(ExperimentSamplingTest, StickySamplingKeepsEachUserInOrOut) {
  const auto ex = MakeExperiment(0.3, true);
  int in = 0;
  for (int u = 0; u < 1000; ++u) {
    const std::string user = "user-" + std::to_string(u);
    RunContext run;
    run.user_id = user;
    const bool first = CandidateRan(ex, run);
    for (int again = 0; again < 5; ++again) {
      ASSERT_EQ(CandidateRan(ex, run), first) << user;
    }
    in += first ? 1 : 0;
  }
  // Deterministic (the hash is fixed): about 30% of users are in.
  EXPECT_NEAR(in / 1000.0, 0.3, 0.05);
}

TEST(ExperimentSamplingTest, StickyDecisionFollowsTheDocumentedFormula) {
  // sampled iff murmur3_x86_32(salt + ":" + key, 0) < rate * 2^32
  EXPECT_EQ(MurmurHash3_x86_32("hello"), 613153351u);  // reference vector
  for (int u = 0; u < 200; ++u) {
    const std::string key = "user-" + std::to_string(u);
    const std::uint32_t h = MurmurHash3_x86_32("users_v2:" + key);
    EXPECT_EQ(StickySampleHash("users_v2", key), h);
    const double rate = 0.37;
    EXPECT_EQ(StickySampled(SampleThreshold(rate), "users_v2", key),
              static_cast<double>(h) < rate * 4294967296.0)
        << key;
  }
}

TEST(ExperimentSamplingTest, RaisingAStickyRateOnlyAddsUsers) {
  for (int u = 0; u < 2000; ++u) {
    const std::string key = "u" + std::to_string(u);
    if (StickySampled(SampleThreshold(0.1), "flag", key)) {
      ASSERT_TRUE(StickySampled(SampleThreshold(0.2), "flag", key)) << key;
    }
  }
}

TEST(ExperimentSamplingTest, StickySaltDefaultsToTheRunsFlag) {
  const auto ex = MakeExperiment(0.5, true);
  int differ = 0;
  for (int u = 0; u < 200; ++u) {
    const std::string user = "user-" + std::to_string(u);
    RunContext a;
    a.flag = "flag_a";
    a.user_id = user;
    RunContext b = a;
    b.flag = "flag_b";
    EXPECT_EQ(CandidateRan(ex, a),
              StickySampled(SampleThreshold(0.5), "flag_a", user));
    differ += CandidateRan(ex, a) != CandidateRan(ex, b) ? 1 : 0;
  }
  EXPECT_GT(differ, 0) << "two flags must not pick the same users";
}

TEST(ExperimentSamplingTest, AStickySaltReplacesTheFlag) {
  const auto ex = MakeExperiment(0.5, true, "my-salt");
  for (int u = 0; u < 100; ++u) {
    const std::string user = "user-" + std::to_string(u);
    RunContext run;
    run.flag = "flag_a";
    run.user_id = user;
    EXPECT_EQ(CandidateRan(ex, run),
              StickySampled(SampleThreshold(0.5), "my-salt", user));
  }
}

TEST(ExperimentSamplingTest, StickyPrefersTheSampleKeyOverTheUser) {
  const auto ex = MakeExperiment(0.5, true);
  for (int u = 0; u < 100; ++u) {
    const std::string key = "tenant-" + std::to_string(u);
    RunContext run;
    run.user_id = "same-user";
    run.sample_key = key;
    EXPECT_EQ(CandidateRan(ex, run),
              StickySampled(SampleThreshold(0.5), "sampling", key));
  }
}

TEST(ExperimentSamplingTest, StickyWithoutAKeyDoesNotSample) {
  const auto ex = MakeExperiment(1.0, true);
  RunContext run;
  EXPECT_FALSE(CandidateRan(ex, run));
}

TEST(ExperimentSamplingTest, EachThreadHasItsOwnRandomStream) {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::thread ta([&a] { a = ThreadRandom(); });
  std::thread tb([&b] { b = ThreadRandom(); });
  ta.join();
  tb.join();
  EXPECT_NE(a, b);
  std::set<std::uint64_t> draws;
  for (int i = 0; i < 1000; ++i) draws.insert(ThreadRandom());
  EXPECT_EQ(draws.size(), 1000u);
}

}  // namespace
}  // namespace cutover
