// Every normalizer, table-driven: what it maps each kind of value to, and
// (for the tolerance) which pairs it accepts.
#include "cutover/normalizer.h"

#include <cmath>
#include <limits>
#include <string>

#include "cutover/normalizer_set.h"
#include "cutover/pg_text_format.h"
#include "cutover/value.h"
#include "gtest/gtest.h"

namespace cutover::comparator {
namespace {

struct CanonicalCase {
  std::string name;
  Normalizer normalizer;
  Value input;
  Value expected;
};

void PrintTo(const CanonicalCase& c, std::ostream* os) {
  *os << c.normalizer.name() << "(" << c.input.ToString() << ")";
}

class CanonicalizerTest : public testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalizerTest, MapsToTheCanonicalValue) {
  const CanonicalCase& c = GetParam();
  const Value out = c.normalizer.Normalize(c.input);
  EXPECT_EQ(ValueKindName(out.kind()), ValueKindName(c.expected.kind()));
  EXPECT_EQ(out, c.expected)
      << "got " << out.ToString() << ", expected " << c.expected.ToString();
  // Canonical forms are fixed points: normalizing twice changes nothing.
  EXPECT_EQ(c.normalizer.Normalize(out), out);
}

TEST_P(CanonicalizerTest, ReusesAWarmScratchValue) {
  const CanonicalCase& c = GetParam();
  Value scratch;
  const Value& first = c.normalizer.Apply(c.input, &scratch);
  EXPECT_EQ(first, c.expected);
  // Unchanged inputs come back as themselves, not as a copy.
  if (c.input == c.expected && c.input.kind() == c.expected.kind()) {
    EXPECT_EQ(&first, &c.input);
  }
  EXPECT_EQ(c.normalizer.Apply(c.input, &scratch), c.expected);
}

std::int64_t Ts(std::int64_t y, int mo, int d, int h, int mi, int s,
                std::int64_t us) {
  return DaysFromCivil(y, mo, d) * kMicrosPerDay +
         ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + us;
}

const Normalizer kTrim = Normalizer::Trim();
const Normalizer kFold = Normalizer::CaseFold();
const Normalizer kNullEmpty = Normalizer::NullEqualsEmpty();
const Normalizer kWiden = Normalizer::IntegerWidening();
const Normalizer kJson = Normalizer::CanonicalJson();
Normalizer Trunc(TimestampPrecision p) {
  return Normalizer::TruncateTimestamp(p);
}

INSTANTIATE_TEST_SUITE_P(
    Trim, CanonicalizerTest,
    testing::Values(
        CanonicalCase{"BothEnds", kTrim, Value::Text(" \t a b \r\n"),
                      Value::Text("a b")},
        CanonicalCase{"CharPadding", kTrim, Value::Text("ab   "),
                      Value::Text("ab")},
        CanonicalCase{"Untouched", kTrim, Value::Text("a b"),
                      Value::Text("a b")},
        CanonicalCase{"AllBlank", kTrim, Value::Text("   "), Value::Text("")},
        CanonicalCase{"NotText", kTrim, Value::Json(" {} "),
                      Value::Json(" {} ")},
        CanonicalCase{"Null", kTrim, Value(), Value()}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    CaseFold, CanonicalizerTest,
    testing::Values(
        CanonicalCase{"Ascii", kFold, Value::Text("Ada@Example.COM"),
                      Value::Text("ada@example.com")},
        CanonicalCase{"Latin1", kFold, Value::Text("\u00c9COLE \u00c0 \u00d7"),
                      Value::Text("\u00e9cole \u00e0 \u00d7")},
        CanonicalCase{"LatinExtendedA", kFold,
                      Value::Text("\u0141\u00f3d\u017a \u0178"),
                      Value::Text("\u0142\u00f3d\u017a \u00ff")},
        CanonicalCase{"Greek", kFold, Value::Text("\u0391\u0398\u0389\u039d"),
                      Value::Text("\u03b1\u03b8\u03ae\u03bd")},
        CanonicalCase{"Cyrillic", kFold,
                      Value::Text("\u041c\u041e\u0421\u041a\u0412\u0410 "
                                  "\u0401"),
                      Value::Text("\u043c\u043e\u0441\u043a\u0432\u0430 "
                                  "\u0451")},
        CanonicalCase{"OtherScriptsKept", kFold, Value::Text("\u6771\u4eac A"),
                      Value::Text("\u6771\u4eac a")},
        CanonicalCase{"AlreadyLower", kFold, Value::Text("abc"),
                      Value::Text("abc")},
        CanonicalCase{"NotText", kFold, Value::Bytea("AB"),
                      Value::Bytea("AB")}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    NullEqualsEmpty, CanonicalizerTest,
    testing::Values(CanonicalCase{"EmptyBecomesNull", kNullEmpty,
                                  Value::Text(""), Value()},
                    CanonicalCase{"NullStays", kNullEmpty, Value(), Value()},
                    CanonicalCase{"BlankIsNotEmpty", kNullEmpty,
                                  Value::Text(" "), Value::Text(" ")},
                    CanonicalCase{"EmptyByteaKept", kNullEmpty,
                                  Value::Bytea(""), Value::Bytea("")}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    TruncateTimestamp, CanonicalizerTest,
    testing::Values(
        CanonicalCase{"Millisecond", Trunc(TimestampPrecision::kMillisecond),
                      Value::Timestamp(Ts(2024, 5, 6, 7, 8, 9, 123456)),
                      Value::Timestamp(Ts(2024, 5, 6, 7, 8, 9, 123000))},
        CanonicalCase{"Second", Trunc(TimestampPrecision::kSecond),
                      Value::TimestampTz(Ts(2024, 5, 6, 7, 8, 9, 999999)),
                      Value::TimestampTz(Ts(2024, 5, 6, 7, 8, 9, 0))},
        CanonicalCase{"Minute", Trunc(TimestampPrecision::kMinute),
                      Value::Timestamp(Ts(2024, 5, 6, 7, 8, 9, 1)),
                      Value::Timestamp(Ts(2024, 5, 6, 7, 8, 0, 0))},
        CanonicalCase{"Hour", Trunc(TimestampPrecision::kHour),
                      Value::Timestamp(Ts(2024, 5, 6, 7, 59, 59, 0)),
                      Value::Timestamp(Ts(2024, 5, 6, 7, 0, 0, 0))},
        CanonicalCase{"Day", Trunc(TimestampPrecision::kDay),
                      Value::Timestamp(Ts(2024, 5, 6, 23, 0, 0, 0)),
                      Value::Timestamp(Ts(2024, 5, 6, 0, 0, 0, 0))},
        CanonicalCase{"BeforeEpochGoesToThePast",
                      Trunc(TimestampPrecision::kSecond),
                      Value::Timestamp(Ts(1999, 12, 31, 23, 59, 59, 500000)),
                      Value::Timestamp(Ts(1999, 12, 31, 23, 59, 59, 0))},
        CanonicalCase{"InfinityKept", Trunc(TimestampPrecision::kDay),
                      Value::Timestamp(kTimestampInfinity),
                      Value::Timestamp(kTimestampInfinity)},
        CanonicalCase{"DateUntouched", Trunc(TimestampPrecision::kDay),
                      Value::Date(5), Value::Date(5)}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    IntegerWidening, CanonicalizerTest,
    testing::Values(
        CanonicalCase{"NumericInteger", kWiden, Value::Numeric("42.000"),
                      Value::Int(42)},
        CanonicalCase{"NumericNegative", kWiden, Value::Numeric("-7"),
                      Value::Int(-7)},
        CanonicalCase{"NumericMinInt64", kWiden,
                      Value::Numeric("-9223372036854775808"),
                      Value::Int(std::numeric_limits<std::int64_t>::min())},
        CanonicalCase{"NumericTooBig", kWiden,
                      Value::Numeric("9223372036854775808"),
                      Value::Numeric("9223372036854775808")},
        CanonicalCase{"NumericFraction", kWiden, Value::Numeric("1.5"),
                      Value::Numeric("1.5")},
        CanonicalCase{"DoubleInteger", kWiden, Value::Double(3.0),
                      Value::Int(3)},
        CanonicalCase{"DoubleFraction", kWiden, Value::Double(3.25),
                      Value::Double(3.25)},
        CanonicalCase{"DoubleNaN", kWiden,
                      Value::Double(std::numeric_limits<double>::quiet_NaN()),
                      Value::Double(std::numeric_limits<double>::quiet_NaN())},
        CanonicalCase{"IntStays", kWiden, Value::Int(5), Value::Int(5)},
        CanonicalCase{"TextStays", kWiden, Value::Text("5"), Value::Text("5")}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    CanonicalJson, CanonicalizerTest,
    testing::Values(
        CanonicalCase{
            "KeyOrderAndSpaces", kJson,
            Value::Json("{ \"b\": [1, 2],\n \"a\": {\"y\":1,\"x\":2} }"),
            Value::Json("{\"a\":{\"x\":2,\"y\":1},\"b\":[1,2]}")},
        CanonicalCase{"JsonbSpacing", kJson,
                      Value::Json("{\"a\": 1, \"b\": null}"),
                      Value::Json("{\"a\":1,\"b\":null}")},
        CanonicalCase{"TextDocumentBecomesJson", kJson,
                      Value::Text(" [true, \"x\"] "),
                      Value::Json("[true,\"x\"]")},
        CanonicalCase{"TextScalarStaysText", kJson, Value::Text("42"),
                      Value::Text("42")},
        CanonicalCase{"TextNotJson", kJson, Value::Text("{oops"),
                      Value::Text("{oops")},
        CanonicalCase{"JsonScalar", kJson, Value::Json(" \"s\" "),
                      Value::Json("\"s\"")}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(Custom, CanonicalizerTest,
                         testing::Values(CanonicalCase{
                             "DigitsOnly",
                             Normalizer::Custom("digits_only",
                                                [](const Value& v) {
                                                  if (v.kind() !=
                                                      ValueKind::kText)
                                                    return v;
                                                  std::string out;
                                                  for (char c : v.text()) {
                                                    if (c >= '0' && c <= '9')
                                                      out.push_back(c);
                                                  }
                                                  return Value::Text(out);
                                                }),
                             Value::Text("+1 (555) 010-99"),
                             Value::Text("155501099")}),
                         [](const auto& info) { return info.param.name; });

struct ToleranceCase {
  std::string name;
  double absolute;
  double relative;
  Value a;
  Value b;
  bool equivalent;
};

class NumericToleranceTest : public testing::TestWithParam<ToleranceCase> {};

TEST_P(NumericToleranceTest, AcceptsOnlyWithinBounds) {
  const ToleranceCase& c = GetParam();
  const Normalizer n = Normalizer::NumericTolerance(c.absolute, c.relative);
  EXPECT_TRUE(n.is_tolerance());
  EXPECT_EQ(n.Equivalent(c.a, c.b), c.equivalent);
  EXPECT_EQ(n.Equivalent(c.b, c.a), c.equivalent);
  // A tolerance never rewrites values: it only judges pairs.
  EXPECT_EQ(n.Normalize(c.a), c.a);
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Bounds, NumericToleranceTest,
    testing::Values(
        ToleranceCase{"AbsoluteInside", 0.01, 0, Value::Double(1.0),
                      Value::Double(1.005), true},
        ToleranceCase{"AbsoluteOutside", 0.01, 0, Value::Double(1.0),
                      Value::Double(1.02), false},
        ToleranceCase{"RelativeInside", 0, 1e-6, Value::Double(1e9),
                      Value::Double(1e9 + 500), true},
        ToleranceCase{"RelativeOutside", 0, 1e-6, Value::Double(1e9),
                      Value::Double(1e9 + 5000), false},
        ToleranceCase{"NumericVsDouble", 0.001, 0, Value::Numeric("19.990"),
                      Value::Double(19.9899), true},
        ToleranceCase{"IntVsNumeric", 0.5, 0, Value::Int(10),
                      Value::Numeric("10.4"), true},
        ToleranceCase{"ZeroBoundsStillEqual", 0, 0, Value::Numeric("2.50"),
                      Value::Numeric("2.5"), true},
        ToleranceCase{"NaNOnlyMatchesNaN", 1, 1, Value::Double(kNaN),
                      Value::Double(1), false},
        ToleranceCase{"NaNMatchesNaN", 0, 0, Value::Double(kNaN),
                      Value::Numeric("NaN"), true},
        ToleranceCase{"InfinityMatchesInfinity", 0, 0, Value::Double(kInf),
                      Value::Numeric("Infinity"), true},
        ToleranceCase{"InfinityVsLarge", 1e300, 1, Value::Double(kInf),
                      Value::Double(1e308), false},
        ToleranceCase{"NullVsZero", 1, 1, Value(), Value::Int(0), false},
        ToleranceCase{"TextIsCompared Exactly", 1, 1, Value::Text("1"),
                      Value::Text("1.0"), false}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& ch : n) {
        if (ch == ' ') ch = '_';
      }
      return n;
    });

class InvalidNormalizerTest : public testing::TestWithParam<Normalizer> {};

TEST_P(InvalidNormalizerTest, ValidateNamesTheProblem) {
  const absl::Status s = GetParam().Validate();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find(GetParam().name()), std::string::npos)
      << s;
}

INSTANTIATE_TEST_SUITE_P(Invalid, InvalidNormalizerTest,
                         testing::Values(Normalizer::NumericTolerance(-1, 0),
                                         Normalizer::NumericTolerance(0, kNaN),
                                         Normalizer::NumericTolerance(kInf, 0),
                                         Normalizer::Custom("empty_fn",
                                                            nullptr)));

TEST(NormalizerSetTest, ChainsForAllThenPerColumnInOrder) {
  NormalizerSet set;
  set.ForAll(Normalizer::Trim())
      .ForColumn("email", Normalizer::CaseFold())
      .ForColumn("email", Normalizer::NullEqualsEmpty())
      .ForColumn("other", Normalizer::IntegerWidening());
  const std::vector<Normalizer> chain = set.ChainFor("email");
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].name(), "trim");
  EXPECT_EQ(chain[1].name(), "case_fold");
  EXPECT_EQ(chain[2].name(), "null_equals_empty");
  EXPECT_EQ(set.ChainFor("id").size(), 1u);
}

}  // namespace
}  // namespace cutover::comparator
