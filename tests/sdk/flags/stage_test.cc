#include "cutover/stage.h"

#include "gtest/gtest.h"

namespace cutover {
namespace {

// One row of the table in docs/design.md, Stages.
struct StageRow {
  Stage stage;
  const char* name;
  Side authoritative;
  bool compare_reads;
  bool write_other;
};

class StageTableTest : public ::testing::TestWithParam<StageRow> {};

TEST_P(StageTableTest, PlanMatchesTheDesignTable) {
  const StageRow& row = GetParam();
  const StagePlan plan = PlanFor(row.stage);
  EXPECT_EQ(plan.authoritative, row.authoritative);
  EXPECT_EQ(plan.compare_reads, row.compare_reads);
  EXPECT_EQ(plan.write_other, row.write_other);
}

TEST_P(StageTableTest, NameRoundTrips) {
  const StageRow& row = GetParam();
  EXPECT_EQ(StageName(row.stage), row.name);
  ASSERT_TRUE(ParseStage(row.name).has_value());
  EXPECT_EQ(*ParseStage(row.name), row.stage);
}

INSTANTIATE_TEST_SUITE_P(
    AllStages, StageTableTest,
    ::testing::Values(
        StageRow{Stage::kOff, "off", Side::kOld, false, false},
        StageRow{Stage::kDualWrite, "dualwrite", Side::kOld, false, true},
        StageRow{Stage::kShadow, "shadow", Side::kOld, true, true},
        StageRow{Stage::kLive, "live", Side::kNew, true, true},
        StageRow{Stage::kRampDown, "rampdown", Side::kNew, false, true},
        StageRow{Stage::kComplete, "complete", Side::kNew, false, false}),
    [](const ::testing::TestParamInfo<StageRow>& info) {
      return std::string(info.param.name);
    });

TEST(StageTest, UnknownNamesAreRejected) {
  EXPECT_FALSE(ParseStage("Live").has_value());
  EXPECT_FALSE(ParseStage("").has_value());
  EXPECT_FALSE(ParseStage("dual-write").has_value());
}

TEST(StageTest, StagesAreOrderedTowardsTheNewSchema) {
  EXPECT_LT(Stage::kOff, Stage::kDualWrite);
  EXPECT_LT(Stage::kDualWrite, Stage::kShadow);
  EXPECT_LT(Stage::kShadow, Stage::kLive);
  EXPECT_LT(Stage::kLive, Stage::kRampDown);
  EXPECT_LT(Stage::kRampDown, Stage::kComplete);
}

}  // namespace
}  // namespace cutover
