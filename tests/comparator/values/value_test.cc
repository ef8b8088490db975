// The value model: PostgreSQL text formats both ways, equality and hashing.
#include "cutover/value.h"

#include <cmath>
#include <limits>
#include <string>

#include "cutover/pg_text_format.h"
#include "cutover/row_set.h"
#include "gtest/gtest.h"

namespace cutover::comparator {
namespace {

struct TimestampCase {
  std::string text;     // as PostgreSQL prints it
  std::int64_t micros;  // since 2000-01-01
};

class TimestampFormatTest : public testing::TestWithParam<TimestampCase> {};

TEST_P(TimestampFormatTest, ParsesAndFormatsBack) {
  const TimestampCase& c = GetParam();
  absl::StatusOr<std::int64_t> micros = ParsePgTimestamp(c.text);
  ASSERT_TRUE(micros.ok()) << micros.status();
  EXPECT_EQ(*micros, c.micros);
  EXPECT_EQ(FormatPgTimestamp(*micros), c.text);
}

INSTANTIATE_TEST_SUITE_P(
    Timestamps, TimestampFormatTest,
    testing::Values(TimestampCase{"2000-01-01 00:00:00", 0},
                    TimestampCase{"2000-01-01 00:00:00.000001", 1},
                    TimestampCase{"1999-12-31 23:59:59.5", -500000},
                    TimestampCase{"1970-01-01 00:00:00", kUnixEpochMicros},
                    TimestampCase{"2024-02-29 13:45:07.25",
                                  (DaysFromCivil(2024, 2, 29) * 86400 +
                                   13 * 3600 + 45 * 60 + 7) *
                                          kMicrosPerSecond +
                                      250000},
                    TimestampCase{"0044-03-15 12:00:00 BC",
                                  DaysFromCivil(-43, 3, 15) * kMicrosPerDay +
                                      12 * 3600 * kMicrosPerSecond},
                    TimestampCase{
                        "294276-12-31 23:59:59.999999",
                        DaysFromCivil(294277, 1, 1) * kMicrosPerDay - 1},
                    TimestampCase{"4714-11-24 00:00:00 BC",
                                  DaysFromCivil(-4713, 11, 24) * kMicrosPerDay},
                    TimestampCase{"infinity", kTimestampInfinity},
                    TimestampCase{"-infinity", kTimestampMinusInfinity}));

struct TzCase {
  std::string text;
  std::string utc;  // FormatPgTimestampTz of the parsed instant
};

class TimestampTzFormatTest : public testing::TestWithParam<TzCase> {};

TEST_P(TimestampTzFormatTest, ConvertsTheOffsetToUtc) {
  absl::StatusOr<std::int64_t> micros = ParsePgTimestampTz(GetParam().text);
  ASSERT_TRUE(micros.ok()) << micros.status();
  EXPECT_EQ(FormatPgTimestampTz(*micros), GetParam().utc);
}

INSTANTIATE_TEST_SUITE_P(
    Offsets, TimestampTzFormatTest,
    testing::Values(
        TzCase{"2024-01-01 10:00:00+00", "2024-01-01 10:00:00+00"},
        TzCase{"2024-01-01 10:00:00+02", "2024-01-01 08:00:00+00"},
        TzCase{"2024-01-01 01:00:00.5-03:30", "2024-01-01 04:30:00.5+00"},
        TzCase{"1900-01-01 00:00:00+00:53:28", "1899-12-31 23:06:32+00"},
        TzCase{"0001-01-01 00:00:00+00 BC", "0001-01-01 00:00:00+00 BC"},
        TzCase{"infinity", "infinity"}));

class DateFormatTest
    : public testing::TestWithParam<std::pair<std::string, std::int32_t>> {};

TEST_P(DateFormatTest, ParsesAndFormatsBack) {
  absl::StatusOr<std::int32_t> days = ParsePgDate(GetParam().first);
  ASSERT_TRUE(days.ok()) << days.status();
  EXPECT_EQ(*days, GetParam().second);
  EXPECT_EQ(FormatPgDate(*days), GetParam().first);
}

INSTANTIATE_TEST_SUITE_P(
    Dates, DateFormatTest,
    testing::Values(std::make_pair(std::string("2000-01-01"), 0),
                    std::make_pair(std::string("2000-03-01"), 60),
                    std::make_pair(std::string("1999-12-31"), -1),
                    std::make_pair(std::string("0001-01-01 BC"), -730485),
                    std::make_pair(std::string("5874897-12-31"), 2145031948),
                    std::make_pair(std::string("infinity"), kDateInfinity),
                    std::make_pair(std::string("-infinity"),
                                   kDateMinusInfinity)));

class MalformedTimeTextTest : public testing::TestWithParam<std::string> {};

TEST_P(MalformedTimeTextTest, IsRejectedWithAHint) {
  absl::StatusOr<std::int64_t> micros = ParsePgTimestamp(GetParam());
  ASSERT_FALSE(micros.ok());
  EXPECT_NE(std::string(micros.status().message()).find("DateStyle"),
            std::string::npos)
      << micros.status();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, MalformedTimeTextTest,
    testing::Values("", "2024-02-30 00:00:00", "2023-02-29 00:00:00",
                    "01/02/2024 00:00:00", "2024-01-01T00:00:00",
                    "2024-01-01 00:00:00+00", "2024-13-01 00:00:00",
                    "2024-01-01 00:00:00.1234567"));

TEST(ByteaFormatTest, ReadsHexAndEscapeOutput) {
  EXPECT_EQ(*ParsePgBytea("\\x00ff41"), std::string("\0\xff"
                                                    "A",
                                                    3));
  EXPECT_EQ(*ParsePgBytea("a\\000\\\\b\\377"), std::string("a\0\\b\xff", 5));
  EXPECT_EQ(FormatPgBytea(std::string("\0\xff"
                                      "A",
                                      3)),
            "\\x00ff41");
  EXPECT_FALSE(ParsePgBytea("\\x0").ok());
  EXPECT_FALSE(ParsePgBytea("\\xzz").ok());
  EXPECT_FALSE(ParsePgBytea("a\\9").ok());
}

struct EqualityCase {
  std::string name;
  Value a;
  Value b;
  bool equal;
};

class ValueEqualityTest : public testing::TestWithParam<EqualityCase> {};

TEST_P(ValueEqualityTest, EqualityAndHashAgree) {
  const EqualityCase& c = GetParam();
  EXPECT_EQ(c.a == c.b, c.equal);
  EXPECT_EQ(c.b == c.a, c.equal);
  if (c.equal) {
    EXPECT_EQ(c.a.Hash(), c.b.Hash());
  } else {
    EXPECT_NE(c.a.Hash(), c.b.Hash());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Values, ValueEqualityTest,
    testing::Values(
        EqualityCase{"NullEqualsNull", Value(), Value::Null(), true},
        EqualityCase{"NullIsNotEmptyText", Value(), Value::Text(""), false},
        EqualityCase{"IntVsDoubleDiffer", Value::Int(1), Value::Double(1.0),
                     false},
        EqualityCase{"IntVsTextDiffer", Value::Int(1), Value::Text("1"), false},
        EqualityCase{"NumericScaleIgnored", Value::Numeric("1.50"),
                     Value::Numeric("001.5"), true},
        EqualityCase{"NumericNegativeZero", Value::Numeric("-0.00"),
                     Value::Numeric("0"), true},
        EqualityCase{"NumericDiffers", Value::Numeric("1.5"),
                     Value::Numeric("1.05"), false},
        EqualityCase{"NumericSign", Value::Numeric("-1"), Value::Numeric("1"),
                     false},
        EqualityCase{"NumericNaN", Value::Numeric("NaN"), Value::Numeric("NaN"),
                     true},
        EqualityCase{"DoubleNaN",
                     Value::Double(std::numeric_limits<double>::quiet_NaN()),
                     Value::Double(-std::numeric_limits<double>::quiet_NaN()),
                     true},
        EqualityCase{"DoubleSignedZero", Value::Double(-0.0),
                     Value::Double(0.0), true},
        EqualityCase{"TextCaseMatters", Value::Text("a"), Value::Text("A"),
                     false},
        EqualityCase{"TextVsBytea", Value::Text("a"), Value::Bytea("a"), false},
        EqualityCase{"TimestampVsTz", Value::Timestamp(5),
                     Value::TimestampTz(5), false},
        EqualityCase{"BoolTrue", Value::Bool(true), Value::Bool(true), true},
        EqualityCase{"JsonTextMatters", Value::Json("{\"a\":1}"),
                     Value::Json("{\"a\": 1}"), false}),
    [](const testing::TestParamInfo<EqualityCase>& info) {
      return info.param.name;
    });

TEST(ValueToStringTest, PrintsPostgresText) {
  EXPECT_EQ(Value().ToString(), "NULL");
  EXPECT_EQ(Value::Bool(false).ToString(), "f");
  EXPECT_EQ(Value::Int(-42).ToString(), "-42");
  EXPECT_EQ(Value::Double(0.1).ToString(), "0.1");
  EXPECT_EQ(Value::Double(-std::numeric_limits<double>::infinity()).ToString(),
            "-Infinity");
  EXPECT_EQ(Value::Numeric("1.50").ToString(), "1.50");
  EXPECT_EQ(Value::Bytea("\x01").ToString(), "\\x01");
  EXPECT_EQ(Value::Date(0).ToString(), "2000-01-01");
  EXPECT_EQ(Value::TimestampTz(0).ToString(), "2000-01-01 00:00:00+00");
}

TEST(RowSetTest, AddRowChecksTheWidth) {
  RowSet rows({{"id"}, {"name"}});
  EXPECT_TRUE(rows.AddRow({Value::Int(1), Value::Text("a")}).ok());
  const absl::Status bad = rows.AddRow({Value::Int(2)});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(bad.message()).find("1 values"), std::string::npos);
  ASSERT_EQ(rows.row_count(), 1u);
  EXPECT_EQ(rows.row(0)[1], Value::Text("a"));
  EXPECT_EQ(rows.ColumnIndex("name"), 1u);
  EXPECT_EQ(rows.ColumnIndex("nope"), std::nullopt);
}

TEST(RowSetTest, CountsRowsWithoutColumns) {
  RowSet rows;
  EXPECT_TRUE(rows.AddRow({}).ok());
  rows.AppendRow();
  EXPECT_EQ(rows.row_count(), 2u);
  EXPECT_TRUE(rows.row(1).empty());
}

}  // namespace
}  // namespace cutover::comparator
