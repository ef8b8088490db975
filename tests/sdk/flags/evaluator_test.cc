#include "cutover/evaluator.h"

#include "cutover/flag_snapshot.h"
#include "gtest/gtest.h"

namespace cutover {
namespace {

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    flag_.name = "pair_membership";
    flag_.default_stage = Stage::kDualWrite;
    Rule users;
    users.kind = RuleKind::kUsers;
    users.users = {"vip"};
    users.stage = Stage::kLive;
    Rule group;
    group.kind = RuleKind::kGroup;
    group.group = "staff";
    group.stage = Stage::kShadow;
    Rule percent;
    percent.kind = RuleKind::kPercent;
    percent.percent = 50;
    percent.stage = Stage::kRampDown;
    flag_.rules = {users, group, percent};
  }

  Evaluation Eval(std::string_view user,
                  std::vector<std::string_view> groups = {},
                  GroupSets stored = {}) {
    auto snap = FlagSnapshot::Build(1, {flag_}, std::move(stored), {});
    return Evaluate(*snap->Find(flag_.name), EvaluationContext(user, groups));
  }

  Flag flag_;
};

TEST_F(EvaluatorTest, UserTargetWinsFirst) {
  const Evaluation e = Eval("vip", {"staff"});
  EXPECT_EQ(e.stage, Stage::kLive);
  EXPECT_EQ(e.reason, Reason::kUserTarget);
  EXPECT_EQ(e.rule_index, 0);
}

TEST_F(EvaluatorTest, ContextGroupMatches) {
  const Evaluation e = Eval("someone", {"staff"});
  EXPECT_EQ(e.stage, Stage::kShadow);
  EXPECT_EQ(e.reason, Reason::kGroup);
  EXPECT_EQ(e.rule_index, 1);
}

TEST_F(EvaluatorTest, StoredGroupSetMatches) {
  GroupSets stored;
  stored["staff"].insert("carol");
  const Evaluation e = Eval("carol", {}, stored);
  EXPECT_EQ(e.reason, Reason::kGroup);
  EXPECT_EQ(e.stage, Stage::kShadow);
}

TEST_F(EvaluatorTest, PercentageRuleUsesStickyBuckets) {
  // Buckets with salt "pair_membership": alice 42 (in 50%), user-42 70 (out).
  const Evaluation in = Eval("alice");
  EXPECT_EQ(in.reason, Reason::kPercent);
  EXPECT_EQ(in.stage, Stage::kRampDown);
  EXPECT_EQ(in.rule_index, 2);
  const Evaluation out = Eval("user-42");
  EXPECT_EQ(out.reason, Reason::kDefault);
  EXPECT_EQ(out.stage, Stage::kDualWrite);
  EXPECT_EQ(out.rule_index, -1);
}

TEST_F(EvaluatorTest, KillSwitchBeatsEveryRule) {
  flag_.killed = true;
  const Evaluation e = Eval("vip", {"staff"});
  EXPECT_EQ(e.reason, Reason::kKilled);
  EXPECT_EQ(e.stage, Stage::kDualWrite);
}

TEST_F(EvaluatorTest, SaltChangesTheBuckets) {
  flag_.rules[2].salt = "other";
  flag_.rules[2].percent = 100;
  EXPECT_EQ(Eval("user-42").reason, Reason::kPercent);
}

TEST_F(EvaluatorTest, CarriesTheSampleRate) {
  flag_.sample_rate = 0.25;
  EXPECT_EQ(Eval("vip").sample_rate, 0.25);
}

TEST(ReasonTest, NamesAreStable) {
  EXPECT_EQ(ReasonName(Reason::kFlagNotFound), "FLAG_NOT_FOUND");
  EXPECT_EQ(ReasonName(Reason::kNotReady), "NOT_READY");
  EXPECT_EQ(ReasonName(Reason::kKilled), "KILLED");
  EXPECT_EQ(ReasonName(Reason::kUserTarget), "USER_TARGET");
  EXPECT_EQ(ReasonName(Reason::kGroup), "GROUP");
  EXPECT_EQ(ReasonName(Reason::kPercent), "PERCENT");
  EXPECT_EQ(ReasonName(Reason::kDefault), "DEFAULT");
}

}  // namespace
}  // namespace cutover
