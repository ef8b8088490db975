// The experiment adapter: orientation of old/new, the diff document it hands
// the experiment, its size bound, and refused inputs.
#include "cutover/experiment_compare.h"

#include <string>
#include <utility>
#include <vector>

#include "comparator/test_rows.h"
#include "cutover/comparison.h"
#include "cutover/internal/strings.h"
#include "cutover/row_set.h"
#include "cutover/value.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cutover::comparator {
namespace {

using Json = nlohmann::json;

// Old shape: first/last name; new shape: name.
const RowSet kOldShape =
    Rows({"id", "first_name", "last_name"},
         {{Value::Int(1), Value::Text("Ada"), Value::Text("Lovelace")},
          {Value::Int(2), Value::Text("Alan"), Value::Text("Turing")}});
const RowSet kNewShape =
    Rows({"id", "name"}, {{Value::Int(1), Value::Text("Ada Lovelace")},
                          {Value::Int(2), Value::Text("Alan M. Turing")}});

CompareOptions NameMapping() {
  CompareOptions o;
  o.mode = CompareMode::kByKey;
  o.key_columns = {"id"};
  o.mapping.Derive("name", {"first_name", "last_name"}, ConcatText(" "));
  return o;
}

struct OrientationCase {
  std::string name;
  ExperimentOrientation orientation;
  bool control_is_old_shape;
  std::string old_side;  // expected "old_side"; "" when refused
};

void PrintTo(const OrientationCase& c, std::ostream* os) { *os << c.name; }

class ExperimentOrientationTest
    : public testing::TestWithParam<OrientationCase> {};

TEST_P(ExperimentOrientationTest, MapsOldToNewWhicheverRoleIsOld) {
  const OrientationCase& c = GetParam();
  ExperimentCompareOptions eo;
  eo.orientation = c.orientation;
  absl::StatusOr<RowSetExperimentCompare> compare =
      RowSetExperimentCompare::Create(NameMapping(), eo);
  ASSERT_TRUE(compare.ok()) << compare.status();
  const Comparison result = c.control_is_old_shape
                                ? (*compare)(kOldShape, kNewShape)
                                : (*compare)(kNewShape, kOldShape);
  EXPECT_FALSE(result.equal);
  const Json diff = Json::parse(result.diff_json);
  if (c.old_side.empty()) {
    EXPECT_NE(diff["error"].get<std::string>().find(
                  "column \"name\" is not in the new result"),
              std::string::npos)
        << result.diff_json;
    return;
  }
  EXPECT_EQ(diff["old_side"], c.old_side);
  ASSERT_EQ(diff["changed"].size(), 1u) << result.diff_json;
  const Json& cell = diff["changed"][0]["cells"][0];
  EXPECT_EQ(cell["column"], "name");
  EXPECT_EQ(cell["old"], "Alan Turing");  // derived from the old shape
  EXPECT_EQ(cell["new"], "Alan M. Turing");
}

INSTANTIATE_TEST_SUITE_P(
    Orientations, ExperimentOrientationTest,
    testing::Values(
        OrientationCase{"ShapeShadow", ExperimentOrientation::kByShape, true,
                        "control"},
        OrientationCase{"ShapeLive", ExperimentOrientation::kByShape, false,
                        "candidate"},
        OrientationCase{"FixedOld", ExperimentOrientation::kControlIsOld, true,
                        "control"},
        OrientationCase{"FixedNew", ExperimentOrientation::kControlIsNew, false,
                        "candidate"},
        OrientationCase{"FixedOldButLive", ExperimentOrientation::kControlIsOld,
                        false, ""}),
    [](const auto& info) { return info.param.name; });

TEST(ExperimentCompareTest, EqualResultsHaveNoDiff) {
  absl::StatusOr<RowSetExperimentCompare> compare =
      RowSetExperimentCompare::Create(NameMapping());
  ASSERT_TRUE(compare.ok());
  RowSet same_names = kNewShape;
  *same_names.mutable_at(1, 1) = Value::Text("Alan Turing");
  const Comparison result = (*compare)(kOldShape, same_names);
  EXPECT_TRUE(result.equal);
  EXPECT_EQ(result.diff_json, "");
}

TEST(ExperimentCompareTest, BigDiffsListFewerEntriesButKeepExactCounts) {
  RowSet a({{"id"}, {"blob"}});
  RowSet b({{"id"}, {"blob"}});
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(
        a.AddRow({Value::Int(i), Value::Text(std::string(300, 'a'))}).ok());
    ASSERT_TRUE(
        b.AddRow({Value::Int(i), Value::Text(std::string(300, 'b'))}).ok());
  }
  CompareOptions o;
  o.mode = CompareMode::kByKey;
  o.key_columns = {"id"};
  ExperimentCompareOptions eo;
  eo.max_diff_bytes = 4096;
  absl::StatusOr<RowSetExperimentCompare> compare =
      RowSetExperimentCompare::Create(o, eo);
  ASSERT_TRUE(compare.ok());
  const Comparison result = (*compare)(a, b);
  EXPECT_FALSE(result.equal);
  EXPECT_LE(result.diff_json.size(), 4096u);
  const Json diff = Json::parse(result.diff_json);
  EXPECT_EQ(diff["counts"]["changed_rows"], 500);
  EXPECT_EQ(diff["truncated"], true);
  EXPECT_GE(diff["changed"].size(), 1u);
  EXPECT_LT(diff["changed"].size(), 20u);
  EXPECT_EQ(diff["max_listed"], diff["changed"].size());
}

TEST(ExperimentCompareTest, InvalidOptionsAreRefusedUpFront) {
  CompareOptions o;
  o.mode = CompareMode::kByKey;  // no key columns
  EXPECT_FALSE(RowSetExperimentCompare::Create(o).ok());
}

}  // namespace
}  // namespace cutover::comparator
