// The contract readiness verdict: from facts that satisfy every criterion,
// breaking any one fact alone must flip the verdict to "not ready" with
// exactly that criterion as the reason, and the reason must tell a person
// what to do.
#include "cutover/readiness.h"

#include <cmath>
#include <functional>
#include <ostream>
#include <string>

#include "gtest/gtest.h"

namespace cutover::report {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr std::int64_t kNow = 1'800'000'000'000;  // 2027-01-15, Unix ms
constexpr std::int64_t kHourMs = 3'600'000;

ReadinessFacts ReadyFacts() {
  ReadinessFacts f;
  f.flag.name = "orders_v2";
  f.flag.default_stage = Stage::kRampDown;
  f.now_ms = kNow;
  f.window = hours(24);
  f.comparisons = 5000;
  f.first_comparison_ms = kNow - 24 * kHourMs - 30'000;
  f.last_change_ms = kNow - 2 * kHourMs;
  f.last_stage_change_ms = kNow - 2 * kHourMs;
  f.verification = VerificationFacts{kNow - kHourMs, true, 100, 100, 0, 4};
  return f;
}

struct BreakCase {
  std::string name;
  std::function<void(ReadinessFacts&)> mutate;
  Criterion failing;
  // A word the reason's finding or action must contain, so the person reading
  // it learns what is wrong.
  std::string mentions;
};

// gtest would print the std::function's bytes; the name says it all.
void PrintTo(const BreakCase& c, std::ostream* os) { *os << c.name; }

class ReadinessBreakTest : public ::testing::TestWithParam<BreakCase> {};

TEST(ReadinessTest, ReadyWhenEveryCriterionHolds) {
  const ReadinessVerdict v = EvaluateReadiness(ReadyFacts(), {});
  EXPECT_TRUE(v.ready);
  ASSERT_EQ(v.checks.size(), static_cast<std::size_t>(kCriterionCount));
  for (int i = 0; i < kCriterionCount; ++i) {
    EXPECT_EQ(v.checks[i].criterion, static_cast<Criterion>(i));
    EXPECT_TRUE(v.checks[i].passed) << v.checks[i].finding;
    EXPECT_TRUE(v.checks[i].action.empty());
    EXPECT_FALSE(v.checks[i].finding.empty());
  }
  EXPECT_TRUE(v.Reasons().empty());
}

TEST_P(ReadinessBreakTest, ThisCriterionAloneFlipsTheVerdict) {
  ReadinessFacts facts = ReadyFacts();
  GetParam().mutate(facts);
  const ReadinessVerdict v = EvaluateReadiness(facts, {});
  EXPECT_FALSE(v.ready);
  const std::vector<CheckResult> reasons = v.Reasons();
  std::string all;
  for (const CheckResult& r : reasons) all += r.finding + "\n";
  ASSERT_EQ(reasons.size(), 1u) << all;
  EXPECT_EQ(reasons[0].criterion, GetParam().failing)
      << CriterionName(reasons[0].criterion) << ": " << reasons[0].finding;
  EXPECT_FALSE(reasons[0].action.empty());
  EXPECT_NE(
      (reasons[0].finding + " " + reasons[0].action).find(GetParam().mentions),
      std::string::npos)
      << reasons[0].finding << " / " << reasons[0].action;
}

INSTANTIATE_TEST_SUITE_P(
    EachCriterion, ReadinessBreakTest,
    ::testing::Values(
        BreakCase{"TooFewComparisons",
                  [](ReadinessFacts& f) { f.comparisons = 999; },
                  Criterion::kComparisons, "at least 1000"},
        BreakCase{"ComparedForTooShort",
                  [](ReadinessFacts& f) {
                    f.first_comparison_ms = kNow - 23 * kHourMs;
                  },
                  Criterion::kDuration, "another 1h"},
        BreakCase{"NoComparisonInWindow",
                  [](ReadinessFacts& f) {
                    // Counted comparisons with no first minute cannot
                    // happen, but the duration check must not trust them.
                    f.first_comparison_ms.reset();
                  },
                  Criterion::kDuration, "no comparisons"},
        BreakCase{"WindowShorterThanDuration",
                  [](ReadinessFacts& f) { f.window = hours(12); },
                  Criterion::kDuration, "--since 1d"},
        BreakCase{"MismatchInWindow",
                  [](ReadinessFacts& f) { f.mismatches = 1; },
                  Criterion::kMismatches, "1 mismatch in the last 1d"},
        BreakCase{"MismatchSinceLastChange",
                  [](ReadinessFacts& f) { f.mismatches_since_change = 2; },
                  Criterion::kMismatchesSinceChange, "2 mismatches since"},
        BreakCase{"CandidateError",
                  [](ReadinessFacts& f) { f.candidate_errors = 1; },
                  Criterion::kErrors, "1 candidate error"},
        BreakCase{"Timeout", [](ReadinessFacts& f) { f.timeouts = 3; },
                  Criterion::kErrors, "3 timeouts"},
        BreakCase{"ReconcileBacklog",
                  [](ReadinessFacts& f) {
                    f.reconcile_backlog = 4;
                    f.reconcile_oldest_ms = kNow - kHourMs;
                  },
                  Criterion::kReconcileBacklog, "cutover reconcile orders_v2"},
        BreakCase{"NoVerification",
                  [](ReadinessFacts& f) { f.verification.reset(); },
                  Criterion::kVerification, "cutover verify"},
        BreakCase{"VerificationFoundDifferences",
                  [](ReadinessFacts& f) {
                    f.verification->equal = false;
                    f.verification->difference_count = 7;
                  },
                  Criterion::kVerification, "7 differences"},
        BreakCase{"VerificationOlderThanStageChange",
                  [](ReadinessFacts& f) {
                    f.verification->at_ms = *f.last_stage_change_ms - 1;
                  },
                  Criterion::kVerification, "older than the last stage"},
        BreakCase{"VerificationAtTheStageChange",
                  [](ReadinessFacts& f) {
                    f.verification->at_ms = *f.last_stage_change_ms;
                  },
                  Criterion::kVerification, "older than the last stage"},
        BreakCase{
            "DefaultStageLive",
            [](ReadinessFacts& f) { f.flag.default_stage = Stage::kLive; },
            Criterion::kStages, "cutover flag stage orders_v2 rampdown"},
        BreakCase{"RuleKeepsAGroupInShadow",
                  [](ReadinessFacts& f) {
                    Rule r;
                    r.kind = RuleKind::kGroup;
                    r.group = "staff";
                    r.stage = Stage::kShadow;
                    f.flag.rules.push_back(r);
                  },
                  Criterion::kStages, "rule [0] (group staff) assigns shadow"},
        BreakCase{"KillSwitchEngaged",
                  [](ReadinessFacts& f) { f.flag.killed = true; },
                  Criterion::kStages, "cutover flag unkill orders_v2"}),
    [](const ::testing::TestParamInfo<BreakCase>& info) {
      return info.param.name;
    });

struct RelaxCase {
  std::string name;
  std::function<void(ReadinessFacts&)> mutate;
  std::function<void(ReadinessCriteria&)> relax;
};

void PrintTo(const RelaxCase& c, std::ostream* os) { *os << c.name; }

class ReadinessRelaxTest : public ::testing::TestWithParam<RelaxCase> {};

TEST_P(ReadinessRelaxTest, AnOverriddenCriterionAcceptsWhatTheDefaultRefuses) {
  ReadinessFacts facts = ReadyFacts();
  GetParam().mutate(facts);
  ASSERT_FALSE(EvaluateReadiness(facts, {}).ready);
  ReadinessCriteria relaxed;
  GetParam().relax(relaxed);
  ASSERT_TRUE(ValidateCriteria(relaxed).ok());
  const ReadinessVerdict v = EvaluateReadiness(facts, relaxed);
  for (const CheckResult& r : v.Reasons()) ADD_FAILURE() << r.finding;
  EXPECT_TRUE(v.ready);
}

INSTANTIATE_TEST_SUITE_P(
    EachOverride, ReadinessRelaxTest,
    ::testing::Values(
        RelaxCase{"MinComparisons",
                  [](ReadinessFacts& f) { f.comparisons = 10; },
                  [](ReadinessCriteria& c) { c.min_comparisons = 10; }},
        RelaxCase{"MinDuration",
                  [](ReadinessFacts& f) {
                    f.first_comparison_ms = kNow - 30 * 60'000;
                  },
                  [](ReadinessCriteria& c) { c.min_duration = minutes(30); }},
        RelaxCase{"MaxMismatches",
                  [](ReadinessFacts& f) {
                    f.mismatches = 2;
                    f.mismatches_since_change = 2;
                  },
                  [](ReadinessCriteria& c) { c.max_mismatches = 2; }},
        RelaxCase{"MaxErrorRate",
                  [](ReadinessFacts& f) {
                    f.candidate_errors = 2;
                    f.timeouts = 3;  // 5 failures in 5003 runs
                  },
                  [](ReadinessCriteria& c) { c.max_error_rate = 0.001; }},
        RelaxCase{"MaxReconcileBacklog",
                  [](ReadinessFacts& f) { f.reconcile_backlog = 3; },
                  [](ReadinessCriteria& c) { c.max_reconcile_backlog = 3; }},
        RelaxCase{
            "SkipVerification",
            [](ReadinessFacts& f) { f.verification.reset(); },
            [](ReadinessCriteria& c) { c.require_verification = false; }}),
    [](const ::testing::TestParamInfo<RelaxCase>& info) {
      return info.param.name;
    });

TEST(ReadinessTest, ErrorRateJustAboveTheThresholdFails) {
  ReadinessFacts facts = ReadyFacts();
  facts.comparisons = 1000;
  facts.candidate_errors = 2;  // 2 / 1000 = 0.2%
  ReadinessCriteria c;
  c.max_error_rate = 0.001;
  EXPECT_FALSE(EvaluateReadiness(facts, c).ready);
  c.max_error_rate = 0.002;
  EXPECT_TRUE(EvaluateReadiness(facts, c).ready);
}

TEST(ReadinessTest, RulesAtRampdownOrCompleteAreFine) {
  ReadinessFacts facts = ReadyFacts();
  Rule users;
  users.kind = RuleKind::kUsers;
  users.users = {"u1"};
  users.stage = Stage::kComplete;
  Rule percent;
  percent.kind = RuleKind::kPercent;
  percent.percent = 50;
  percent.stage = Stage::kRampDown;
  facts.flag.rules = {users, percent};
  EXPECT_TRUE(EvaluateReadiness(facts, {}).ready);
}

TEST(ReadinessTest, EveryFailingCriterionIsItsOwnReason) {
  ReadinessFacts facts;
  facts.flag.name = "fresh";
  facts.now_ms = kNow;
  facts.window = hours(24);
  facts.last_change_ms = kNow - 60'000;
  facts.mismatches = 5;
  facts.mismatches_since_change = 5;
  facts.candidate_errors = 1;
  facts.reconcile_backlog = 1;
  const ReadinessVerdict v = EvaluateReadiness(facts, {});
  EXPECT_FALSE(v.ready);
  EXPECT_EQ(v.Reasons().size(), static_cast<std::size_t>(kCriterionCount));
}

TEST(ReadinessTest, NoRecordedChangeDoesNotFailTheSinceChangeCheck) {
  ReadinessFacts facts = ReadyFacts();
  facts.last_change_ms.reset();
  facts.last_stage_change_ms.reset();
  EXPECT_TRUE(EvaluateReadiness(facts, {}).ready);
}

TEST(ReadinessTest, CriteriaOutOfRangeAreRefusedWithTheOptionName) {
  ReadinessCriteria c;
  c.max_error_rate = 1.5;
  absl::Status s = ValidateCriteria(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("--max-error-rate"),
            std::string::npos);
  c.max_error_rate = std::nan("");
  EXPECT_FALSE(ValidateCriteria(c).ok());
  c = ReadinessCriteria{};
  c.min_stage = Stage::kLive;
  EXPECT_FALSE(ValidateCriteria(c).ok());
}

TEST(ReadinessTest, CriterionNamesAreStable) {
  EXPECT_EQ(CriterionName(Criterion::kComparisons), "comparisons");
  EXPECT_EQ(CriterionName(Criterion::kDuration), "duration");
  EXPECT_EQ(CriterionName(Criterion::kMismatches), "mismatches");
  EXPECT_EQ(CriterionName(Criterion::kMismatchesSinceChange),
            "mismatches_since_change");
  EXPECT_EQ(CriterionName(Criterion::kErrors), "errors");
  EXPECT_EQ(CriterionName(Criterion::kReconcileBacklog), "reconcile_backlog");
  EXPECT_EQ(CriterionName(Criterion::kVerification), "verification");
  EXPECT_EQ(CriterionName(Criterion::kStages), "stages");
}

}  // namespace
}  // namespace cutover::report
