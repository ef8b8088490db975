#include "cutover/safety_rules.h"

#include <optional>

#include "gtest/gtest.h"

namespace cutover {
namespace {

Rule GroupRule(Stage stage) {
  Rule r;
  r.kind = RuleKind::kGroup;
  r.group = "staff";
  r.stage = stage;
  return r;
}

Flag MakeFlag(Stage default_stage, std::vector<Rule> rules = {},
              bool killed = false) {
  Flag f;
  f.name = "f";
  f.default_stage = default_stage;
  f.rules = std::move(rules);
  f.killed = killed;
  return f;
}

struct SafetyCase {
  const char* label;
  std::optional<Flag> before;
  Flag after;
  int refused_by;  // 0 when allowed
};

class SafetyRulesTest : public ::testing::TestWithParam<SafetyCase> {};

TEST_P(SafetyRulesTest, AllowsOrRefusesByTheNamedRule) {
  const SafetyCase& c = GetParam();
  const Flag* before = c.before ? &*c.before : nullptr;
  const auto violations = CheckSafetyRules(before, c.after);
  const absl::Status status =
      EnforceSafetyRules(before, c.after, /*force=*/false);
  if (c.refused_by == 0) {
    EXPECT_TRUE(violations.empty()) << violations.front().message;
    EXPECT_TRUE(status.ok()) << status;
    return;
  }
  ASSERT_FALSE(violations.empty());
  EXPECT_EQ(violations.front().rule, c.refused_by);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(status.message())
                .find("safety rule " + std::to_string(c.refused_by)),
            std::string::npos)
      << status.message();
}

TEST_P(SafetyRulesTest, ForceOverridesRulesOneToThreeButNotFive) {
  const SafetyCase& c = GetParam();
  const Flag* before = c.before ? &*c.before : nullptr;
  const absl::Status forced =
      EnforceSafetyRules(before, c.after, /*force=*/true);
  EXPECT_EQ(forced.ok(), c.refused_by != 5) << forced;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SafetyRulesTest,
    ::testing::Values(
        SafetyCase{"OffEverywhere", std::nullopt, MakeFlag(Stage::kOff), 0},
        SafetyCase{"StaffShadowWhileOthersOff", std::nullopt,
                   MakeFlag(Stage::kOff, {GroupRule(Stage::kShadow)}), 0},
        SafetyCase{"StaffLiveWhileOthersDualwrite", std::nullopt,
                   MakeFlag(Stage::kDualWrite, {GroupRule(Stage::kLive)}), 0},
        SafetyCase{"Rule1StaffLiveWhileOthersOff", std::nullopt,
                   MakeFlag(Stage::kOff, {GroupRule(Stage::kLive)}), 1},
        SafetyCase{"Rule1RampdownDefaultWithOffRule", std::nullopt,
                   MakeFlag(Stage::kRampDown, {GroupRule(Stage::kOff)}), 1},
        SafetyCase{"Rule2CompleteInARule", std::nullopt,
                   MakeFlag(Stage::kRampDown, {GroupRule(Stage::kComplete)}),
                   2},
        SafetyCase{"Rule2CompleteDefaultWithEarlierRule", std::nullopt,
                   MakeFlag(Stage::kComplete, {GroupRule(Stage::kLive)}), 2},
        SafetyCase{"CompleteFlagWide", MakeFlag(Stage::kRampDown),
                   MakeFlag(Stage::kComplete), 0},
        SafetyCase{"Rule3LeavingComplete", MakeFlag(Stage::kComplete),
                   MakeFlag(Stage::kRampDown), 3},
        SafetyCase{"KillAtLiveIsAllowed", MakeFlag(Stage::kLive),
                   MakeFlag(Stage::kLive, {}, /*killed=*/true), 0},
        SafetyCase{"Rule5KillAtComplete", MakeFlag(Stage::kComplete),
                   MakeFlag(Stage::kComplete, {}, /*killed=*/true), 5}),
    [](const ::testing::TestParamInfo<SafetyCase>& info) {
      return std::string(info.param.label);
    });

TEST(KillSwitchTest, SendsEveryoneBackToReadingTheOldSchema) {
  EXPECT_EQ(KillSwitchStage(MakeFlag(Stage::kLive)), Stage::kDualWrite);
  EXPECT_EQ(KillSwitchStage(MakeFlag(Stage::kDualWrite)), Stage::kDualWrite);
  EXPECT_EQ(KillSwitchStage(MakeFlag(Stage::kOff, {GroupRule(Stage::kShadow)})),
            Stage::kOff);
}

}  // namespace
}  // namespace cutover
