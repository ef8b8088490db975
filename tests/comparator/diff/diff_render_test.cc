// Reading a diff: the JSON document's shape per mode and the text rendering.
#include "cutover/diff_render.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "comparator/test_rows.h"
#include "cutover/diff.h"
#include "cutover/row_comparator.h"
#include "cutover/row_set.h"
#include "cutover/value.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cutover::comparator {
namespace {

using Json = nlohmann::json;

// Used inside expressions, where ASSERT_* cannot stop the test: on an error
// it records the failure and returns an empty Diff rather than dereferencing
// the error.
Diff CompareWith(CompareMode mode, std::vector<std::string> keys,
                 const RowSet& a, const RowSet& b) {
  CompareOptions o;
  o.mode = mode;
  o.key_columns = std::move(keys);
  absl::StatusOr<RowComparator> cmp = RowComparator::Create(o);
  EXPECT_TRUE(cmp.ok()) << cmp.status();
  if (!cmp.ok()) return Diff();
  absl::StatusOr<Diff> diff = cmp->Compare(a, b);
  EXPECT_TRUE(diff.ok()) << diff.status();
  if (!diff.ok()) return Diff();
  return *std::move(diff);
}

const RowSet kOld = Rows({"id", "name"}, {{Value::Int(1), Value::Text("a")},
                                          {Value::Int(2), Value::Text("b")},
                                          {Value::Int(3), Value::Text("c")}});
const RowSet kNew = Rows({"id", "name"}, {{Value::Int(1), Value::Text("a")},
                                          {Value::Int(3), Value::Text("C")},
                                          {Value::Int(4), Value::Text("d")}});

TEST(DiffJsonTest, ByKeyDocumentMatchesTheDocumentedShape) {
  const Diff diff = CompareWith(CompareMode::kByKey, {"id"}, kOld, kNew);
  const Json expected = Json::parse(R"({
    "mode": "by_key", "equal": false, "columns": ["id", "name"],
    "key_columns": ["id"], "rows": {"old": 3, "new": 3},
    "counts": {"missing_rows": 1, "extra_rows": 1, "changed_rows": 1,
               "changed_cells": 1},
    "changed_cells_by_column": {"name": 1},
    "max_listed": 20, "truncated": false,
    "missing": [{"key": {"id": 2}, "row": {"id": 2, "name": "b"}}],
    "extra": [{"key": {"id": 4}, "row": {"id": 4, "name": "d"}}],
    "changed": [{"key": {"id": 3},
                 "cells": [{"column": "name", "old": "c", "new": "C"}]}]
  })");
  EXPECT_EQ(Json::parse(RenderDiffJson(diff)), expected)
      << RenderDiffJson(diff);
  // Keys come out in the documented order, not alphabetically.
  EXPECT_EQ(
      RenderDiffJson(diff).rfind("{\"mode\":\"by_key\",\"equal\":false", 0),
      0u);
}

TEST(DiffJsonTest, OrderedEntriesCarryPositions) {
  const Json json = DiffToJson(
      CompareWith(CompareMode::kOrdered, {}, kOld,
                  Rows({"id", "name"}, {{Value::Int(1), Value::Text("a")}})));
  EXPECT_FALSE(json.contains("key_columns"));
  ASSERT_EQ(json["missing"].size(), 2u);
  EXPECT_EQ(json["missing"][0]["index"], 1);
  EXPECT_EQ(json["missing"][1]["row"]["name"], "c");
  EXPECT_FALSE(json["missing"][0].contains("count"));
}

TEST(DiffJsonTest, MultisetEntriesCarryCounts) {
  const RowSet three =
      Rows({"a"}, {{Value::Int(7)}, {Value::Int(7)}, {Value::Int(7)}});
  const Json json = DiffToJson(
      CompareWith(CompareMode::kMultiset, {}, three, Rows({"a"}, {})));
  EXPECT_EQ(json["counts"]["missing_rows"], 3);
  ASSERT_EQ(json["missing"].size(), 1u);
  EXPECT_EQ(json["missing"][0]["count"], 3);
}

TEST(DiffJsonTest, KindChangesAreNamed) {
  const Diff diff =
      CompareWith(CompareMode::kByKey, {"id"},
                  Rows({"id", "v"}, {{Value::Int(1), Value::Text("5")}}),
                  Rows({"id", "v"}, {{Value::Int(1), Value::Int(5)}}));
  const Json cell = DiffToJson(diff)["changed"][0]["cells"][0];
  EXPECT_EQ(cell["old"], "5");
  EXPECT_EQ(cell["new"], 5);
  EXPECT_EQ(cell["old_type"], "text");
  EXPECT_EQ(cell["new_type"], "int");
}

struct JsonValueCase {
  std::string name;
  Value value;
  Json expected;
};

class ValueToJsonTest : public testing::TestWithParam<JsonValueCase> {};

TEST_P(ValueToJsonTest, RendersLosslessly) {
  EXPECT_EQ(Json(ValueToJson(GetParam().value)), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, ValueToJsonTest,
    testing::Values(
        JsonValueCase{"Null", Value(), nullptr},
        JsonValueCase{"Bool", Value::Bool(true), true},
        JsonValueCase{"Int", Value::Int(-9007199254740993), -9007199254740993},
        JsonValueCase{"Double", Value::Double(0.5), 0.5},
        JsonValueCase{"DoubleNaN",
                      Value::Double(std::numeric_limits<double>::quiet_NaN()),
                      "NaN"},
        JsonValueCase{"NumericStaysExact",
                      Value::Numeric("0.10000000000000000000001"),
                      "0.10000000000000000000001"},
        JsonValueCase{"Bytea", Value::Bytea(std::string("\0\x10", 2)),
                      "\\x0010"},
        JsonValueCase{"Date", Value::Date(0), "2000-01-01"},
        JsonValueCase{"TimestampTz", Value::TimestampTz(1500000),
                      "2000-01-01 00:00:01.5+00"},
        JsonValueCase{"JsonAsText", Value::Json("{\"a\": 1}"), "{\"a\": 1}"}),
    [](const auto& info) { return info.param.name; });

TEST(DiffJsonTest, InvalidUtf8IsReplacedNotThrown) {
  const Diff diff =
      CompareWith(CompareMode::kOrdered, {}, Rows({"t"}, {{Value::Text("ok")}}),
                  Rows({"t"}, {{Value::Text("bad \xff byte")}}));
  const std::string json = RenderDiffJson(diff);
  EXPECT_NE(json.find("bad \xef\xbf\xbd byte"), std::string::npos) << json;
}

TEST(DiffTextTest, ReadsLikeTheDocumentation) {
  const std::string text =
      RenderDiffText(CompareWith(CompareMode::kByKey, {"id"}, kOld, kNew));
  EXPECT_EQ(text,
            "by_key comparison on id: DIFFERENT (old 3 rows, new 3 rows)\n"
            "missing (in old, not in new): 1\n"
            "  id=2: {id=2, name='b'}\n"
            "extra (in new, not in old): 1\n"
            "  id=4: {id=4, name='d'}\n"
            "changed: 1 row, 1 cell (name: 1)\n"
            "  id=3: name 'c' -> 'C'\n");
}

TEST(DiffTextTest, EqualIsOneLine) {
  EXPECT_EQ(RenderDiffText(CompareWith(CompareMode::kMultiset, {}, kOld, kOld)),
            "multiset comparison: EQUAL (old 3 rows, new 3 rows)\n");
}

TEST(DiffTextTest, SaysWhenListsAreCut) {
  CompareOptions o;
  o.max_listed = 1;
  const RowSet many = Rows({"a"}, {{Value::Int(1)}, {Value::Int(2)}});
  absl::StatusOr<Diff> diff =
      RowComparator::Create(o)->Compare(many, Rows({"a"}, {}));
  ASSERT_TRUE(diff.ok());
  const std::string text = RenderDiffText(*diff);
  EXPECT_NE(text.find("missing (in old, not in new): 2\n  row 0: {a=1}\n("),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cut at 1 entries each; the counts above are exact"),
            std::string::npos)
      << text;
}

TEST(DiffTextTest, QuotesTextAndNamesKindChanges) {
  const std::string text = RenderDiffText(CompareWith(
      CompareMode::kOrdered, {}, Rows({"v"}, {{Value::Text("it's")}}),
      Rows({"v"}, {{Value::Numeric("1.50")}})));
  EXPECT_NE(text.find("row 0: v 'it''s' -> 1.50 (text -> numeric)"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace cutover::comparator
