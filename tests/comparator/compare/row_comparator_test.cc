// Compare modes, normalizers inside comparisons and column mappings,
// table-driven: each case states the exact counts the diff must report.
#include "cutover/row_comparator.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "comparator/test_rows.h"
#include "cutover/compare_options.h"
#include "cutover/diff.h"
#include "cutover/normalizer.h"
#include "cutover/pg_text_format.h"
#include "cutover/row_set.h"
#include "cutover/value.h"
#include "gtest/gtest.h"

namespace cutover::comparator {
namespace {

Value I(std::int64_t i) { return Value::Int(i); }
Value T(std::string s) { return Value::Text(std::move(s)); }
Value N(std::string s) { return Value::Numeric(std::move(s)); }
const Value kNull;

CompareOptions Ordered() { return CompareOptions{}; }
CompareOptions ByKey(std::vector<std::string> keys) {
  CompareOptions o;
  o.mode = CompareMode::kByKey;
  o.key_columns = std::move(keys);
  return o;
}
CompareOptions Multiset() {
  CompareOptions o;
  o.mode = CompareMode::kMultiset;
  return o;
}
CompareOptions With(CompareOptions o,
                    const std::function<void(CompareOptions*)>& edit) {
  edit(&o);
  return o;
}

struct Counts {
  std::size_t missing = 0;
  std::size_t extra = 0;
  std::size_t changed_rows = 0;
  std::size_t changed_cells = 0;
};

struct ModeCase {
  std::string name;
  CompareOptions options;
  RowSet old_rows;
  RowSet new_rows;
  Counts expected;
};

void PrintTo(const ModeCase& c, std::ostream* os) { *os << c.name; }

class CompareModeTest : public testing::TestWithParam<ModeCase> {};

TEST_P(CompareModeTest, ReportsExactCounts) {
  const ModeCase& c = GetParam();
  absl::StatusOr<RowComparator> cmp = RowComparator::Create(c.options);
  ASSERT_TRUE(cmp.ok()) << cmp.status();
  absl::StatusOr<Diff> diff = cmp->Compare(c.old_rows, c.new_rows);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->missing_row_count, c.expected.missing);
  EXPECT_EQ(diff->extra_row_count, c.expected.extra);
  EXPECT_EQ(diff->changed_row_count, c.expected.changed_rows);
  EXPECT_EQ(diff->changed_cell_count, c.expected.changed_cells);
  const bool expect_equal = c.expected.missing == 0 && c.expected.extra == 0 &&
                            c.expected.changed_rows == 0;
  EXPECT_EQ(diff->equal(), expect_equal);
  EXPECT_EQ(diff->old_row_count, c.old_rows.row_count());
  EXPECT_EQ(diff->new_row_count, c.new_rows.row_count());
  // Small inputs: everything is listed.
  EXPECT_FALSE(diff->truncated());
  EXPECT_EQ(diff->changed.size(), c.expected.changed_rows);

  // Comparing the other way round swaps missing and extra (for cases
  // without a mapping, where both shapes are the same).
  std::vector<std::string> old_names, new_names;
  for (const Column& col : c.old_rows.columns()) old_names.push_back(col.name);
  for (const Column& col : c.new_rows.columns()) new_names.push_back(col.name);
  if (old_names == new_names) {
    absl::StatusOr<Diff> back = cmp->Compare(c.new_rows, c.old_rows);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->missing_row_count, c.expected.extra);
    EXPECT_EQ(back->extra_row_count, c.expected.missing);
    EXPECT_EQ(back->changed_row_count, c.expected.changed_rows);
  }
}

const RowSet kAB = Rows({"id", "name"}, {{I(1), T("a")}, {I(2), T("b")}});
const RowSet kBA = Rows({"id", "name"}, {{I(2), T("b")}, {I(1), T("a")}});

INSTANTIATE_TEST_SUITE_P(
    Ordered, CompareModeTest,
    testing::Values(
        ModeCase{"Equal", Ordered(), kAB, kAB, {}},
        ModeCase{"PermutedDiffers", Ordered(), kAB, kBA, {0, 0, 2, 4}},
        ModeCase{"ExtraTail",
                 Ordered(),
                 kAB,
                 Rows({"id", "name"},
                      {{I(1), T("a")}, {I(2), T("b")}, {I(3), T("c")}}),
                 {0, 1, 0, 0}},
        ModeCase{"MissingTail",
                 Ordered(),
                 kAB,
                 Rows({"id", "name"}, {{I(1), T("a")}}),
                 {1, 0, 0, 0}},
        ModeCase{"OneCell",
                 Ordered(),
                 kAB,
                 Rows({"id", "name"}, {{I(1), T("a")}, {I(2), T("B")}}),
                 {0, 0, 1, 1}},
        ModeCase{"NullVsValue",
                 Ordered(),
                 kAB,
                 Rows({"id", "name"}, {{I(1), kNull}, {I(2), T("b")}}),
                 {0, 0, 1, 1}},
        ModeCase{
            "BothEmpty", Ordered(), Rows({"id"}, {}), Rows({"id"}, {}), {}}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    ByKey, CompareModeTest,
    testing::Values(
        ModeCase{"PermutedEqual", ByKey({"id"}), kAB, kBA, {}},
        ModeCase{"ChangedCell",
                 ByKey({"id"}),
                 kAB,
                 Rows({"id", "name"}, {{I(2), T("B")}, {I(1), T("a")}}),
                 {0, 0, 1, 1}},
        ModeCase{"MissingAndExtra",
                 ByKey({"id"}),
                 Rows({"id", "name"},
                      {{I(1), T("a")}, {I(2), T("b")}, {I(3), T("c")}}),
                 Rows({"id", "name"},
                      {{I(3), T("c")}, {I(4), T("d")}, {I(1), T("a")}}),
                 {1, 1, 0, 0}},
        ModeCase{"CompositeKey",
                 ByKey({"user_id", "item"}),
                 Rows({"user_id", "item", "qty"}, {{I(1), T("x"), I(1)},
                                                   {I(1), T("y"), I(2)},
                                                   {I(2), T("x"), I(3)}}),
                 Rows({"user_id", "item", "qty"}, {{I(2), T("x"), I(3)},
                                                   {I(1), T("y"), I(5)},
                                                   {I(1), T("x"), I(1)}}),
                 {0, 0, 1, 1}},
        ModeCase{"DuplicateKeyIdenticalRowsMatch",
                 ByKey({"id"}),
                 Rows({"id", "v"}, {{I(1), T("x")}, {I(1), T("y")}}),
                 Rows({"id", "v"}, {{I(1), T("y")}, {I(1), T("x")}}),
                 {}},
        ModeCase{"DuplicateKeyRestPairedInOrder",
                 ByKey({"id"}),
                 Rows({"id", "v"}, {{I(1), T("a")}, {I(1), T("b")}}),
                 Rows({"id", "v"}, {{I(1), T("b")}, {I(1), T("c")}}),
                 {0, 0, 1, 1}},
        ModeCase{"DuplicateKeySurplus",
                 ByKey({"id"}),
                 Rows({"id", "v"}, {{I(1), T("a")}, {I(1), T("a")}}),
                 Rows({"id", "v"}, {{I(1), T("a")}}),
                 {1, 0, 0, 0}},
        ModeCase{"KeyNormalizedBeforePairing",
                 With(ByKey({"code"}),
                      [](CompareOptions* o) {
                        o->normalizers.ForColumn("code", Normalizer::Trim())
                            .ForColumn("code", Normalizer::CaseFold());
                      }),
                 Rows({"code", "v"}, {{T("AB "), I(1)}, {T("cd"), I(2)}}),
                 Rows({"code", "v"}, {{T("cd"), I(2)}, {T("ab"), I(1)}}),
                 {}},
        ModeCase{"NullKeysPairWithEachOther",
                 ByKey({"id"}),
                 Rows({"id", "v"}, {{kNull, T("a")}, {I(1), T("b")}}),
                 Rows({"id", "v"}, {{I(1), T("b")}, {kNull, T("z")}}),
                 {0, 0, 1, 1}}),
    [](const auto& info) { return info.param.name; });

const RowSet kPairs =
    Rows({"user_id", "friend_id"}, {{I(1), I(2)}, {I(1), I(3)}, {I(1), I(2)}});

INSTANTIATE_TEST_SUITE_P(
    Multiset, CompareModeTest,
    testing::Values(
        ModeCase{"PermutedEqual", Multiset(), kAB, kBA, {}},
        ModeCase{"DuplicatesPermutedEqual",
                 Multiset(),
                 kPairs,
                 Rows({"user_id", "friend_id"},
                      {{I(1), I(2)}, {I(1), I(2)}, {I(1), I(3)}}),
                 {}},
        ModeCase{"OneDuplicateLost",
                 Multiset(),
                 kPairs,
                 Rows({"user_id", "friend_id"}, {{I(1), I(3)}, {I(1), I(2)}}),
                 {1, 0, 0, 0}},
        ModeCase{"DuplicatesGained",
                 Multiset(),
                 kPairs,
                 Rows({"user_id", "friend_id"}, {{I(1), I(2)},
                                                 {I(1), I(3)},
                                                 {I(1), I(2)},
                                                 {I(1), I(2)},
                                                 {I(1), I(3)}}),
                 {0, 2, 0, 0}},
        ModeCase{"ChangedRowIsMissingPlusExtra",
                 Multiset(),
                 kAB,
                 Rows({"id", "name"}, {{I(2), T("b")}, {I(1), T("A")}}),
                 {1, 1, 0, 0}},
        ModeCase{"ToleranceMatchedWithinGroup",
                 With(Multiset(),
                      [](CompareOptions* o) {
                        o->normalizers.ForColumn(
                            "price", Normalizer::NumericTolerance(0.01, 0));
                      }),
                 Rows({"sku", "price"}, {{I(1), N("1.001")}, {I(1), N("2.0")}}),
                 Rows({"sku", "price"}, {{I(1), Value::Double(2.0005)},
                                         {I(1), Value::Double(1)}}),
                 {}},
        ModeCase{"ToleranceExceeded",
                 With(Multiset(),
                      [](CompareOptions* o) {
                        o->normalizers.ForColumn(
                            "price", Normalizer::NumericTolerance(0.01, 0));
                      }),
                 Rows({"sku", "price"}, {{I(1), N("1.001")}, {I(1), N("2.0")}}),
                 Rows({"sku", "price"}, {{I(1), Value::Double(2.0005)},
                                         {I(1), Value::Double(1.5)}}),
                 {1, 1, 0, 0}}),
    [](const auto& info) { return info.param.name; });

std::int64_t Ts(int h, int m, int s, std::int64_t us) {
  return DaysFromCivil(2024, 1, 2) * kMicrosPerDay +
         ((h * 60 + m) * 60 + s) * kMicrosPerSecond + us;
}

CompareOptions ByIdWith(std::function<void(NormalizerSet*)> add) {
  CompareOptions o = ByKey({"id"});
  add(&o.normalizers);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Normalized, CompareModeTest,
    testing::Values(
        ModeCase{
            "TrimForAll",
            ByIdWith([](NormalizerSet* n) { n->ForAll(Normalizer::Trim()); }),
            Rows({"id", "name"}, {{I(1), T("ada  ")}}),
            Rows({"id", "name"}, {{I(1), T(" ada")}}),
            {}},
        ModeCase{"WithoutTrimItDiffers",
                 ByKey({"id"}),
                 Rows({"id", "name"}, {{I(1), T("ada  ")}}),
                 Rows({"id", "name"}, {{I(1), T(" ada")}}),
                 {0, 0, 1, 1}},
        ModeCase{"CaseFoldOneColumnOnly",
                 ByIdWith([](NormalizerSet* n) {
                   n->ForColumn("email", Normalizer::CaseFold());
                 }),
                 Rows({"id", "email", "name"}, {{I(1), T("A@X.IO"), T("Ada")}}),
                 Rows({"id", "email", "name"}, {{I(1), T("a@x.io"), T("ada")}}),
                 {0, 0, 1, 1}},
        ModeCase{"NullEqualsEmptyAfterTrim",
                 ByIdWith([](NormalizerSet* n) {
                   n->ForAll(Normalizer::Trim())
                       .ForAll(Normalizer::NullEqualsEmpty());
                 }),
                 Rows({"id", "nick"}, {{I(1), kNull}, {I(2), T("")}}),
                 Rows({"id", "nick"}, {{I(1), T("  ")}, {I(2), kNull}}),
                 {}},
        ModeCase{
            "TimestampToTheSecond",
            ByIdWith([](NormalizerSet* n) {
              n->ForColumn("at", Normalizer::TruncateTimestamp(
                                     TimestampPrecision::kSecond));
            }),
            Rows({"id", "at"}, {{I(1), Value::Timestamp(Ts(1, 2, 3, 456789))},
                                {I(2), Value::Timestamp(Ts(1, 2, 3, 0))}}),
            Rows({"id", "at"}, {{I(1), Value::Timestamp(Ts(1, 2, 3, 0))},
                                {I(2), Value::Timestamp(Ts(1, 2, 4, 0))}}),
            {0, 0, 1, 1}},
        ModeCase{"ToleranceByKey",
                 ByIdWith(
                     [](NormalizerSet* n) {
                       n->ForColumn("score",
                                    Normalizer::NumericTolerance(0, 1e-9));
                     }),
                 Rows({"id", "score"},
                      {{I(1), Value::Double(0.1 + 0.2)}, {I(2), N("10")}}),
                 Rows({"id", "score"},
                      {{I(1), Value::Double(0.3)}, {I(2), N("10.1")}}),
                 {0, 0, 1, 1}},
        ModeCase{"ToleranceForAllSkipsTheKey",
                 ByIdWith(
                     [](NormalizerSet* n) {
                       n->ForAll(Normalizer::NumericTolerance(5, 0));
                     }),
                 Rows({"id", "score"}, {{I(1), I(10)}}),
                 Rows({"id", "score"}, {{I(2), I(10)}}),
                 {1, 1, 0, 0}},
        ModeCase{"IntegerWidening",
                 ByIdWith(
                     [](NormalizerSet* n) {
                       n->ForAll(Normalizer::IntegerWidening());
                     }),
                 Rows({"id", "amount"}, {{I(1), I(42)}, {I(2), I(7)}}),
                 Rows({"id", "amount"}, {{N("1"), N("42.00")},
                                         {Value::Double(2), Value::Double(7)}}),
                 {}},
        ModeCase{"WithoutWideningIntVsNumericDiffers",
                 ByKey({"id"}),
                 Rows({"id", "amount"}, {{I(1), I(42)}}),
                 Rows({"id", "amount"}, {{I(1), N("42")}}),
                 {0, 0, 1, 1}},
        ModeCase{"CanonicalJsonTextToJsonb",
                 ByIdWith(
                     [](NormalizerSet* n) {
                       n->ForColumn("prefs", Normalizer::CanonicalJson());
                     }),
                 Rows({"id", "prefs"}, {{I(1), T("{\"b\":2, \"a\":1}")}}),
                 Rows({"id", "prefs"},
                      {{I(1), Value::Json("{\"a\": 1, \"b\": 2}")}}),
                 {}}),
    [](const auto& info) { return info.param.name; });

const RowSet kOldUsers =
    Rows({"id", "first_name", "last_name", "email", "legacy"},
         {{I(1), T("Ada"), T("Lovelace"), T("ada@x.io"), I(0)},
          {I(2), T("Alan"), T("Turing"), T("alan@x.io"), I(0)},
          {I(3), T("Grace"), kNull, T("grace@x.io"), I(1)}});
const RowSet kNewUsers =
    Rows({"id", "name", "email_address", "updated_at"},
         {{I(1), T("Ada Lovelace"), T("ada@x.io"), Value::Timestamp(1)},
          {I(2), T("Alan Turing"), T("alan@x.io"), Value::Timestamp(2)},
          {I(3), T("Grace"), T("grace@x.io"), Value::Timestamp(3)}});

CompareOptions UserMapping(CompareOptions o) {
  o.mapping.Derive("name", {"first_name", "last_name"}, ConcatText(" "))
      .Rename("email", "email_address")
      .Drop("legacy")
      .Ignore("updated_at");
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Mapped, CompareModeTest,
    testing::Values(
        ModeCase{"DeriveRenameDropIgnore",
                 UserMapping(ByKey({"id"})),
                 kOldUsers,
                 kNewUsers,
                 {}},
        ModeCase{"DerivedValueDiffers",
                 UserMapping(ByKey({"id"})),
                 kOldUsers,
                 Rows({"id", "name", "email_address", "updated_at"},
                      {{I(1), T("Ada King"), T("ada@x.io"), kNull},
                       {I(2), T("Alan Turing"), T("alan@x.io"), kNull},
                       {I(3), T("Grace"), T("grace@x.io"), kNull}}),
                 {0, 0, 1, 1}},
        ModeCase{"MappedMultiset",
                 UserMapping(Multiset()),
                 kOldUsers,
                 kNewUsers,
                 {}},
        ModeCase{
            "RenamedKey",
            With(ByKey({"user_id"}),
                 [](CompareOptions* o) { o->mapping.Rename("id", "user_id"); }),
            Rows({"id", "v"}, {{I(1), T("a")}, {I(2), T("b")}}),
            Rows({"user_id", "v"}, {{I(2), T("b")}, {I(1), T("a")}}),
            {}},
        ModeCase{"CustomDerive",
                 With(Ordered(),
                      [](CompareOptions* o) {
                        o->mapping.Derive(
                            "cents", {"dollars"}, [](const DeriveInputs& in) {
                              return Value::Int(in[0].int_value() * 100);
                            });
                      }),
                 Rows({"dollars"}, {{I(3)}, {I(4)}}),
                 Rows({"cents"}, {{I(300)}, {I(401)}}),
                 {0, 0, 1, 1}}),
    [](const auto& info) { return info.param.name; });

TEST(RowComparatorTest, PermutedRowsAreEqualAsMultisetButNotOrdered) {
  const RowSet rows =
      Rows({"a", "b"},
           {{I(1), T("x")}, {I(2), T("y")}, {I(3), T("z")}, {I(2), T("y")}});
  const RowSet permuted =
      Rows({"a", "b"},
           {{I(2), T("y")}, {I(3), T("z")}, {I(2), T("y")}, {I(1), T("x")}});
  absl::StatusOr<Diff> multiset =
      RowComparator::Create(Multiset())->Compare(rows, permuted);
  ASSERT_TRUE(multiset.ok()) << multiset.status();
  EXPECT_TRUE(multiset->equal());
  absl::StatusOr<Diff> ordered =
      RowComparator::Create(Ordered())->Compare(rows, permuted);
  ASSERT_TRUE(ordered.ok()) << ordered.status();
  EXPECT_FALSE(ordered->equal());
  EXPECT_EQ(ordered->changed_row_count, 4u);  // every position differs
}

TEST(RowComparatorTest, ChangedCellsCarryRawValuesAndTheKey) {
  CompareOptions o = ByKey({"id"});
  o.normalizers.ForAll(Normalizer::Trim());
  const RowSet before =
      Rows({"id", "name", "city"}, {{I(7), T("ada "), T("London")}});
  const RowSet after =
      Rows({"id", "name", "city"}, {{I(7), T("ada"), T("Paris ")}});
  absl::StatusOr<Diff> diff = RowComparator::Create(o)->Compare(before, after);
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->changed.size(), 1u);
  const ChangedRow& row = diff->changed[0];
  ASSERT_EQ(row.key.size(), 1u);
  EXPECT_EQ(row.key[0], I(7));
  ASSERT_EQ(row.cells.size(), 1u);
  EXPECT_EQ(row.cells[0].column, "city");
  EXPECT_EQ(row.cells[0].old_value, T("London"));
  EXPECT_EQ(row.cells[0].new_value, T("Paris "));  // as stored, not trimmed
  EXPECT_EQ(diff->changed_cells_by_column.at("city"), 1u);
  EXPECT_EQ(diff->changed_cells_by_column.count("name"), 0u);
}

TEST(RowComparatorTest, MissingAndExtraEntriesHoldTheWholeRow) {
  absl::StatusOr<Diff> diff =
      RowComparator::Create(UserMapping(ByKey({"id"})))
          ->Compare(kOldUsers,
                    Rows({"id", "name", "email_address", "updated_at"},
                         {{I(1), T("Ada Lovelace"), T("ada@x.io"), kNull},
                          {I(2), T("Alan Turing"), T("alan@x.io"), kNull},
                          {I(9), T("New"), T("new@x.io"), kNull}}));
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->columns,
            (std::vector<std::string>{"id", "name", "email_address"}));
  ASSERT_EQ(diff->missing.size(), 1u);
  EXPECT_EQ(diff->missing[0].index, 2u);
  EXPECT_EQ(diff->missing[0].key, std::vector<Value>{I(3)});
  // The derived column shows its derived value.
  EXPECT_EQ(diff->missing[0].values,
            (std::vector<Value>{I(3), T("Grace"), T("grace@x.io")}));
  ASSERT_EQ(diff->extra.size(), 1u);
  EXPECT_EQ(diff->extra[0].values,
            (std::vector<Value>{I(9), T("New"), T("new@x.io")}));
}

TEST(RowComparatorTest, MultisetEntriesCountSurplusCopies) {
  const RowSet old_rows = Rows({"a"}, {{I(5)}, {I(1)}, {I(5)}, {I(5)}});
  const RowSet new_rows = Rows({"a"}, {{I(5)}, {I(2)}});
  absl::StatusOr<Diff> diff =
      RowComparator::Create(Multiset())->Compare(old_rows, new_rows);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->missing_row_count, 3u);
  // In input order; copies match in input order, so the surplus 5s are the
  // last two, starting at position 2.
  ASSERT_EQ(diff->missing.size(), 2u);
  EXPECT_EQ(diff->missing[0].values, std::vector<Value>{I(1)});
  EXPECT_EQ(diff->missing[0].index, 1u);
  EXPECT_EQ(diff->missing[0].count, 1u);
  EXPECT_EQ(diff->missing[1].values, std::vector<Value>{I(5)});
  EXPECT_EQ(diff->missing[1].index, 2u);
  EXPECT_EQ(diff->missing[1].count, 2u);
  EXPECT_EQ(diff->extra_row_count, 1u);
}

TEST(RowComparatorTest, EqualInputsAreDecidedByHashesAlone) {
  // Counting derive calls shows how often old rows are looked at: once per row
  // to hash them when the results are equal, more when a diff is built.
  auto calls = std::make_shared<std::atomic<int>>(0);
  CompareOptions o = ByKey({"id"});
  o.mapping.Derive("twice", {"v"}, [calls](const DeriveInputs& in) {
    ++*calls;
    return Value::Int(in[0].int_value() * 2);
  });
  o.mapping.Drop("v");
  RowSet old_rows = Rows({"id", "v"}, {});
  RowSet new_rows = Rows({"id", "twice"}, {});
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(old_rows.AddRow({I(i), I(i)}).ok());
    ASSERT_TRUE(new_rows.AddRow({I(99 - i), I(2 * (99 - i))}).ok());
  }
  absl::StatusOr<RowComparator> cmp = RowComparator::Create(o);
  ASSERT_TRUE(cmp.ok()) << cmp.status();
  absl::StatusOr<Diff> equal = cmp->Compare(old_rows, new_rows);
  ASSERT_TRUE(equal.ok()) << equal.status();
  EXPECT_TRUE(equal->equal());
  EXPECT_EQ(calls->load(), 100);

  *calls = 0;
  *new_rows.mutable_at(0, 1) = I(-1);
  absl::StatusOr<Diff> different = cmp->Compare(old_rows, new_rows);
  ASSERT_TRUE(different.ok()) << different.status();
  EXPECT_EQ(different->changed_row_count, 1u);
  EXPECT_GT(calls->load(), 100);
}

struct ErrorCase {
  std::string name;
  CompareOptions options;
  RowSet old_rows;
  RowSet new_rows;
  std::string message;  // a substring the error must contain
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class CompareErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(CompareErrorTest, RefusesWithAClearMessage) {
  const ErrorCase& c = GetParam();
  absl::StatusOr<RowComparator> cmp = RowComparator::Create(c.options);
  absl::Status status = cmp.status();
  if (cmp.ok()) status = cmp->Compare(c.old_rows, c.new_rows).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(std::string(status.message()).find(c.message), std::string::npos)
      << status;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, CompareErrorTest,
    testing::Values(
        ErrorCase{"ByKeyWithoutKey", ByKey({}), kAB, kAB,
                  "needs at least one key column"},
        ErrorCase{
            "KeyInOrderedMode",
            With(Ordered(), [](CompareOptions* o) { o->key_columns = {"id"}; }),
            kAB, kAB, "only used with CompareMode::kByKey"},
        ErrorCase{"KeyTwice", ByKey({"id", "id"}), kAB, kAB, "named twice"},
        ErrorCase{"UnknownKey", ByKey({"uid"}), kAB, kAB,
                  "key column \"uid\" is not a compared column"},
        ErrorCase{"NegativeTolerance", ByIdWith([](NormalizerSet* n) {
                    n->ForColumn("name", Normalizer::NumericTolerance(-1, 0));
                  }),
                  kAB, kAB, "finite and >= 0"},
        ErrorCase{"ToleranceOnKey", ByIdWith([](NormalizerSet* n) {
                    n->ForColumn("id", Normalizer::NumericTolerance(1, 0));
                  }),
                  kAB, kAB, "cannot have a numeric tolerance"},
        ErrorCase{"NormalizerOnUnknownColumn", ByIdWith([](NormalizerSet* n) {
                    n->ForColumn("nmae", Normalizer::Trim());
                  }),
                  kAB, kAB, "names column \"nmae\""},
        ErrorCase{"ColumnOnlyInNew", ByKey({"id"}), kAB,
                  Rows({"id", "name", "extra"}, {}),
                  "column \"extra\" is only in the new result"},
        ErrorCase{"ColumnOnlyInOld", ByKey({"id"}), kAB, Rows({"id"}, {}),
                  "column \"name\" is only in the old result"},
        ErrorCase{
            "RenameUnknownOld",
            With(Ordered(),
                 [](CompareOptions* o) { o->mapping.Rename("nope", "name"); }),
            kAB, kAB, "Rename: column \"nope\" is not in the old result"},
        ErrorCase{"DeriveUnknownInput",
                  With(Ordered(),
                       [](CompareOptions* o) {
                         o->mapping.Derive("name", {"first"}, ConcatText(" "));
                       }),
                  kAB, kAB,
                  "Derive: column \"first\" is not in the old result"},
        ErrorCase{"DeriveEmptyFunction",
                  With(Ordered(),
                       [](CompareOptions* o) {
                         o->mapping.Derive("name", {"name"}, nullptr);
                       }),
                  kAB, kAB, "the function is empty"},
        ErrorCase{"MappedTwice",
                  With(Ordered(),
                       [](CompareOptions* o) {
                         o->mapping.Rename("name", "name")
                             .Derive("name", {"name"}, ConcatText(""));
                       }),
                  kAB, kAB, "column \"name\" is mapped more than once"},
        ErrorCase{
            "RenamedAwayLeavesNewColumnUnmapped",
            With(Ordered(),
                 [](CompareOptions* o) { o->mapping.Rename("name", "id"); }),
            kAB, kAB, "column \"name\" is only in the new result"},
        ErrorCase{"IgnoreUnknown",
                  With(Ordered(),
                       [](CompareOptions* o) { o->mapping.Ignore("zzz"); }),
                  kAB, kAB, "Ignore: column \"zzz\" is in neither result"},
        ErrorCase{"DuplicateColumnName", Ordered(), Rows({"id", "id"}, {}), kAB,
                  "appears twice in the old result"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace cutover::comparator
