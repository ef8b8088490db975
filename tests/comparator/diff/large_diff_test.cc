// 100,000-row inputs: the counts stay exact while the lists stay capped, in
// every mode, and the JSON rendering carries both.
#include <cstdint>
#include <string>

#include "cutover/compare_options.h"
#include "cutover/diff.h"
#include "cutover/diff_render.h"
#include "cutover/internal/strings.h"
#include "cutover/row_comparator.h"
#include "cutover/row_set.h"
#include "cutover/value.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cutover::comparator {
namespace {

constexpr int kRows = 100000;

// id, name, score for ids [first, first + count).
RowSet Users(int first, int count) {
  RowSet rows({{"id"}, {"name"}, {"score"}});
  rows.Reserve(static_cast<std::size_t>(count));
  for (int i = first; i < first + count; ++i) {
    absl::Span<Value> row = rows.AppendRow();
    row[0] = Value::Int(i);
    row[1] = Value::Text(StrCat("user-", i));
    row[2] = Value::Numeric(StrCat(i % 1000, ".25"));
  }
  return rows;
}

struct LargeCase {
  std::string name;
  CompareMode mode;
  std::size_t max_listed;
};

class LargeDiffTest : public testing::TestWithParam<LargeCase> {
 protected:
  CompareOptions Options() const {
    CompareOptions o;
    o.mode = GetParam().mode;
    if (o.mode == CompareMode::kByKey) o.key_columns = {"id"};
    o.max_listed = GetParam().max_listed;
    return o;
  }
};

TEST_P(LargeDiffTest, EqualInputsAreEqual) {
  const RowSet rows = Users(0, kRows);
  absl::StatusOr<Diff> diff =
      RowComparator::Create(Options())->Compare(rows, Users(0, kRows));
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_TRUE(diff->equal());
  EXPECT_EQ(diff->old_row_count, static_cast<std::size_t>(kRows));
  EXPECT_TRUE(diff->changed.empty());
}

TEST_P(LargeDiffTest, CountsAreExactAndListsCapped) {
  const std::size_t cap = GetParam().max_listed;
  // New: ids 0..99,999 minus the first 1,000 (missing), plus 1,500 beyond
  // (extra); every 7th surviving row has a changed name.
  const RowSet old_rows = Users(0, kRows);
  RowSet new_rows = Users(1000, kRows - 1000 + 1500);
  std::size_t renamed = 0;
  for (std::size_t r = 0; r < new_rows.row_count(); ++r) {
    if (new_rows.at(r, 0).int_value() >= kRows) break;
    if (r % 7 == 0) {
      *new_rows.mutable_at(r, 1) = Value::Text("renamed");
      ++renamed;
    }
  }
  ASSERT_EQ(renamed, 14143u);

  absl::StatusOr<Diff> diff =
      RowComparator::Create(Options())->Compare(old_rows, new_rows);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_FALSE(diff->equal());
  EXPECT_TRUE(diff->truncated());

  switch (GetParam().mode) {
    case CompareMode::kByKey:
      EXPECT_EQ(diff->missing_row_count, 1000u);
      EXPECT_EQ(diff->extra_row_count, 1500u);
      EXPECT_EQ(diff->changed_row_count, renamed);
      EXPECT_EQ(diff->changed_cell_count, renamed);
      EXPECT_EQ(diff->changed_cells_by_column.at("name"), renamed);
      ASSERT_EQ(diff->missing.size(), cap);
      EXPECT_EQ(diff->missing.front().key[0], Value::Int(0));  // input order
      ASSERT_EQ(diff->changed.size(), cap);
      EXPECT_EQ(diff->changed.front().key[0], Value::Int(1000));
      EXPECT_EQ(diff->changed.front().cells[0].new_value,
                Value::Text("renamed"));
      break;
    case CompareMode::kMultiset:
      // A changed row is a missing row plus an extra row.
      EXPECT_EQ(diff->missing_row_count, 1000u + renamed);
      EXPECT_EQ(diff->extra_row_count, 1500u + renamed);
      EXPECT_EQ(diff->changed_row_count, 0u);
      EXPECT_EQ(diff->missing.size(), cap);
      break;
    case CompareMode::kOrdered:
      // Shifted by 1,000: every overlapping position differs in id and name
      // (score repeats every 1,000 ids, so it does not).
      EXPECT_EQ(diff->changed_row_count, static_cast<std::size_t>(kRows));
      EXPECT_EQ(diff->changed_cells_by_column.at("id"),
                static_cast<std::size_t>(kRows));
      EXPECT_EQ(diff->changed_cells_by_column.count("score"), 0u);
      EXPECT_EQ(diff->extra_row_count, 500u);
      EXPECT_EQ(diff->missing_row_count, 0u);
      break;
  }
  EXPECT_LE(diff->missing.size(), cap);
  EXPECT_LE(diff->extra.size(), cap);
  EXPECT_LE(diff->changed.size(), cap);

  const nlohmann::json json = nlohmann::json::parse(RenderDiffJson(*diff));
  EXPECT_EQ(json["counts"]["missing_rows"], diff->missing_row_count);
  EXPECT_EQ(json["counts"]["extra_rows"], diff->extra_row_count);
  EXPECT_EQ(json["counts"]["changed_rows"], diff->changed_row_count);
  EXPECT_EQ(json["truncated"], true);
  EXPECT_EQ(json["max_listed"], cap);
  EXPECT_LE(json["changed"].size(), cap);
  EXPECT_LE(json["missing"].size(), cap);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, LargeDiffTest,
    testing::Values(LargeCase{"ByKeyDefaultCap", CompareMode::kByKey, 20},
                    LargeCase{"ByKeyCapFive", CompareMode::kByKey, 5},
                    LargeCase{"Multiset", CompareMode::kMultiset, 20},
                    LargeCase{"Ordered", CompareMode::kOrdered, 20}),
    [](const auto& info) { return info.param.name; });

TEST(LargeDiffByKeyTest, AKeyRepeatedHundredsOfTimesStaysExact) {
  // "score" repeats every 1,000 ids: 100 rows per key. Identical rows pair
  // first; the renamed ones then pair in order within their key.
  const RowSet old_rows = Users(0, kRows);
  RowSet new_rows = Users(0, kRows);
  for (std::size_t r = 0; r < new_rows.row_count(); r += 7) {
    *new_rows.mutable_at(r, 1) = Value::Text("renamed");
  }
  CompareOptions o;
  o.mode = CompareMode::kByKey;
  o.key_columns = {"score"};
  absl::StatusOr<Diff> diff =
      RowComparator::Create(o)->Compare(old_rows, new_rows);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->missing_row_count, 0u);
  EXPECT_EQ(diff->extra_row_count, 0u);
  EXPECT_EQ(diff->changed_row_count, 14286u);
  EXPECT_EQ(diff->changed_cells_by_column.at("name"), 14286u);
  EXPECT_EQ(diff->changed_cells_by_column.count("id"), 0u);
}

TEST(LargeDiffDefaultsTest, TheDefaultCapIsTwenty) {
  EXPECT_EQ(CompareOptions().max_listed, 20u);
}

}  // namespace
}  // namespace cutover::comparator
