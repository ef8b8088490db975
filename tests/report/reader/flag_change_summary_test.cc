// Which audit entries count as a stage change for the verification check.
#include "reader/flag_change_summary.h"

#include "cutover/flag_json.h"
#include "gtest/gtest.h"

namespace cutover::report {
namespace {

Flag Base() {
  Flag f;
  f.name = "pm";
  f.default_stage = Stage::kLive;
  return f;
}

AuditEntry Entry(std::int64_t at, const std::string& action, const Flag* before,
                 const Flag* after, std::int64_t version) {
  AuditEntry e;
  e.at_ms = at;
  e.subject = "pm";
  e.action = action;
  e.actor = "alice";
  e.before = before != nullptr ? SerializeFlag(*before) : "";
  e.after = after != nullptr ? SerializeFlag(*after) : "";
  e.version = version;
  return e;
}

TEST(FlagChangeSummaryTest, StageRulesAndKillSwitchAreStageChanges) {
  const Flag base = Base();
  Flag staged = base;
  staged.default_stage = Stage::kRampDown;
  Flag targeted = base;
  Rule r;
  r.kind = RuleKind::kPercent;
  r.percent = 10;
  r.stage = Stage::kLive;
  targeted.rules.push_back(r);
  Flag killed = base;
  killed.killed = true;
  Flag sampled = base;
  sampled.sample_rate = 0.25;
  Flag described = base;
  described.description = "new words";
  EXPECT_TRUE(IsStageChange(Entry(1, "create", nullptr, &base, 1)));
  EXPECT_TRUE(IsStageChange(Entry(1, "stage", &base, &staged, 2)));
  EXPECT_TRUE(IsStageChange(Entry(1, "target", &base, &targeted, 2)));
  EXPECT_TRUE(IsStageChange(Entry(1, "kill", &base, &killed, 2)));
  EXPECT_TRUE(IsStageChange(Entry(1, "delete", &base, nullptr, 2)));
  EXPECT_FALSE(IsStageChange(Entry(1, "sample-rate", &base, &sampled, 2)));
  EXPECT_FALSE(IsStageChange(Entry(1, "describe", &base, &described, 2)));
  AuditEntry corrupt = Entry(1, "stage", &base, &staged, 2);
  corrupt.after = "{not json";
  EXPECT_TRUE(IsStageChange(corrupt)) << "when in doubt, it counts";
}

TEST(FlagChangeSummaryTest, NewestChangeAndNewestStageChange) {
  const Flag base = Base();
  Flag staged = base;
  staged.default_stage = Stage::kRampDown;
  Flag sampled = staged;
  sampled.sample_rate = 0.5;
  const std::vector<AuditEntry> history = {
      Entry(1000, "create", nullptr, &base, 1),
      Entry(2000, "stage", &base, &staged, 2),
      Entry(3000, "sample-rate", &staged, &sampled, 3),
  };
  const ChangeSummary s = SummarizeChanges(history);
  EXPECT_EQ(s.last_change_ms, 3000);
  EXPECT_EQ(s.last_change_action, "sample-rate");
  EXPECT_EQ(s.last_stage_change_ms, 2000);
  EXPECT_EQ(s.last_stage_change_action, "stage");
  EXPECT_EQ(s.last_stage_change_actor, "alice");
}

TEST(FlagChangeSummaryTest, SameMillisecondResolvesByVersion) {
  const Flag base = Base();
  Flag staged = base;
  staged.default_stage = Stage::kRampDown;
  Flag sampled = staged;
  sampled.sample_rate = 0.5;
  const ChangeSummary s = SummarizeChanges({
      Entry(5000, "sample-rate", &staged, &sampled, 3),
      Entry(5000, "stage", &base, &staged, 2),
  });
  EXPECT_EQ(s.last_change_action, "sample-rate");
  EXPECT_EQ(s.last_stage_change_action, "stage");
}

TEST(FlagChangeSummaryTest, EmptyHistoryLeavesEverythingUnset) {
  const ChangeSummary s = SummarizeChanges({});
  EXPECT_FALSE(s.last_change_ms.has_value());
  EXPECT_FALSE(s.last_stage_change_ms.has_value());
}

}  // namespace
}  // namespace cutover::report
