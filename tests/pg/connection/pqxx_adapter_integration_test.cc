// Every PostgreSQL type the value model names round-trips from a real
// pqxx::result: the adapter picks the right kind and payload, and the Value's
// text, sent back to the server, is the very same value (IS NOT DISTINCT FROM).
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <pqxx/pqxx>
#include <string>

#include "cutover/pg_text_format.h"
#include "cutover/pqxx_adapter.h"
#include "cutover/row_set.h"
#include "cutover/value.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace cutover::comparator {
namespace {

std::unique_ptr<pqxx::connection> Connect() {
  const std::string url = cutover::testing::DatabaseUrl();
  if (url.empty()) return nullptr;  // DatabaseUrl() failed the test
  auto conn = std::make_unique<pqxx::connection>(url);
  // A zone with a half-hour offset, so timestamptz parsing must really
  // convert to UTC.
  pqxx::nontransaction(*conn).exec("SET TimeZone = 'Asia/Kolkata'");
  return conn;
}

struct TypeCase {
  std::string name;  // test name
  std::string sql_type;
  std::string literal;  // SQL expression cast to sql_type
  Value expected;
};

void PrintTo(const TypeCase& c, std::ostream* os) {
  *os << c.sql_type << " " << c.literal;
}

class PgTypeRoundTripTest : public ::testing::TestWithParam<TypeCase> {};

TEST_P(PgTypeRoundTripTest, ComesBackAsTheSameValue) {
  const TypeCase& c = GetParam();
  std::unique_ptr<pqxx::connection> conn = Connect();
  ASSERT_NE(conn, nullptr);
  pqxx::work tx(*conn);
  const std::string expr = "(" + c.literal + ")::" + c.sql_type;
  const pqxx::result result = tx.exec("SELECT " + expr + " AS v");

  absl::StatusOr<RowSet> rows = pg::RowSetFromResult(result);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->row_count(), 1u);
  ASSERT_EQ(rows->columns()[0].name, "v");
  const Value& v = rows->at(0, 0);
  EXPECT_EQ(ValueKindName(v.kind()), ValueKindName(c.expected.kind()));
  EXPECT_EQ(v, c.expected) << "got " << v.ToString() << ", expected "
                           << c.expected.ToString();

  // Lossless: the value's own text is the server's value. (json has no
  // equality operator; its text is its value.)
  const std::string as = c.sql_type == "json" ? "::text" : "";
  const pqxx::result same = tx.exec_params(
      "SELECT $1::" + c.sql_type + as + " IS NOT DISTINCT FROM " + expr + as,
      v.is_null() ? std::optional<std::string>() : v.ToString());
  EXPECT_TRUE(same[0][0].as<bool>())
      << c.sql_type << " " << v.ToString() << " did not read back as "
      << result[0][0].c_str();
}

std::int64_t Micros(std::int64_t y, int mo, int d, int h, int mi, int s,
                    std::int64_t us) {
  return DaysFromCivil(y, mo, d) * kMicrosPerDay +
         ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + us;
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, PgTypeRoundTripTest,
    ::testing::Values(
        TypeCase{"BoolTrue", "boolean", "true", Value::Bool(true)},
        TypeCase{"BoolFalse", "boolean", "false", Value::Bool(false)},
        TypeCase{"Int2Min", "smallint", "-32768", Value::Int(-32768)},
        TypeCase{"Int4", "integer", "2147483647", Value::Int(2147483647)},
        TypeCase{"Int8Max", "bigint", "9223372036854775807",
                 Value::Int(std::numeric_limits<std::int64_t>::max())},
        TypeCase{"Int8Min", "bigint", "-9223372036854775808",
                 Value::Int(std::numeric_limits<std::int64_t>::min())},
        TypeCase{"Float4", "real", "1.1", Value::Double(1.1)},
        TypeCase{"Float8", "double precision", "0.1", Value::Double(0.1)},
        TypeCase{"Float8Subnormal", "double precision", "4.9e-324",
                 Value::Double(4.9e-324)},
        TypeCase{"Float8Max", "double precision", "1.7976931348623157e308",
                 Value::Double(1.7976931348623157e308)},
        TypeCase{"Float8NaN", "double precision", "'NaN'",
                 Value::Double(std::numeric_limits<double>::quiet_NaN())},
        TypeCase{"Float8MinusInfinity", "double precision", "'-Infinity'",
                 Value::Double(-std::numeric_limits<double>::infinity())},
        TypeCase{"NumericHuge", "numeric",
                 "123456789012345678901234567890.000000000000000000001",
                 Value::Numeric(
                     "123456789012345678901234567890.000000000000000000001")},
        TypeCase{"NumericScale", "numeric(10,4)", "-1.5",
                 Value::Numeric("-1.5000")},
        TypeCase{"NumericNaN", "numeric", "'NaN'", Value::Numeric("NaN")},
        TypeCase{"Text", "text", "'  padded\t'", Value::Text("  padded\t")},
        TypeCase{"TextUnicode", "text", "'h\u00e9llo \u2603'",
                 Value::Text("h\u00e9llo \u2603")},
        TypeCase{"Varchar", "varchar(10)", "'x'", Value::Text("x")},
        TypeCase{"CharPadded", "char(5)", "'ab'", Value::Text("ab   ")},
        TypeCase{"Uuid", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
                 Value::Text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
        TypeCase{"Interval", "interval", "'1 day 02:03:04.5'",
                 Value::Text("1 day 02:03:04.5")},
        TypeCase{"Bytea", "bytea", "'\\x00ff5c27'::bytea",
                 Value::Bytea(std::string("\0\xff\\'", 4))},
        TypeCase{"ByteaEmpty", "bytea", "''::bytea", Value::Bytea("")},
        TypeCase{
            "Date", "date", "'2024-02-29'",
            Value::Date(static_cast<std::int32_t>(DaysFromCivil(2024, 2, 29)))},
        TypeCase{
            "DateBC", "date", "'0044-03-15 BC'",
            Value::Date(static_cast<std::int32_t>(DaysFromCivil(-43, 3, 15)))},
        TypeCase{"DateInfinity", "date", "'infinity'",
                 Value::Date(kDateInfinity)},
        TypeCase{"Timestamp", "timestamp", "'2024-02-29 13:45:07.123456'",
                 Value::Timestamp(Micros(2024, 2, 29, 13, 45, 7, 123456))},
        TypeCase{"TimestampMax", "timestamp", "'294276-12-31 23:59:59.999999'",
                 Value::Timestamp(Micros(294276, 12, 31, 23, 59, 59, 999999))},
        TypeCase{"TimestampMinusInfinity", "timestamp", "'-infinity'",
                 Value::Timestamp(kTimestampMinusInfinity)},
        TypeCase{"TimestampTz", "timestamptz", "'2024-02-29 13:45:07.5+02'",
                 Value::TimestampTz(Micros(2024, 2, 29, 11, 45, 7, 500000))},
        TypeCase{"TimestampTzBC", "timestamptz", "'0100-01-01 00:00:00+00 BC'",
                 Value::TimestampTz(Micros(-99, 1, 1, 0, 0, 0, 0))},
        TypeCase{"Json", "json", "'{\"b\": 1,  \"a\": [1,2]}'",
                 Value::Json("{\"b\": 1,  \"a\": [1,2]}")},
        TypeCase{"Jsonb", "jsonb", "'{\"b\": 1,  \"a\": [1,2]}'",
                 Value::Json("{\"a\": [1, 2], \"b\": 1}")},
        TypeCase{"NullInt", "integer", "NULL", Value::Null()},
        TypeCase{"NullText", "text", "NULL", Value::Null()},
        TypeCase{"NullTimestampTz", "timestamptz", "NULL", Value::Null()}),
    [](const ::testing::TestParamInfo<TypeCase>& info) {
      return info.param.name;
    });

TEST(PqxxAdapterTest, KeepsColumnNamesOrderTypesAndEveryRow) {
  std::unique_ptr<pqxx::connection> conn = Connect();
  ASSERT_NE(conn, nullptr);
  pqxx::work tx(*conn);
  const pqxx::result result = tx.exec(
      "SELECT g AS id, 'n' || g AS name, g * 1.5 AS score "
      "FROM generate_series(1, 1000) AS g ORDER BY g");
  absl::StatusOr<RowSet> rows = pg::RowSetFromResult(result);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->column_count(), 3u);
  EXPECT_EQ(rows->columns()[0].name, "id");
  EXPECT_EQ(rows->columns()[0].type_oid, pg::pg_oid::kInt4);
  EXPECT_EQ(rows->columns()[1].type_oid, pg::pg_oid::kText);
  EXPECT_EQ(rows->columns()[2].type_oid, pg::pg_oid::kNumeric);
  ASSERT_EQ(rows->row_count(), 1000u);
  EXPECT_EQ(rows->at(999, 0), Value::Int(1000));
  EXPECT_EQ(rows->at(999, 1), Value::Text("n1000"));
  EXPECT_EQ(rows->at(999, 2), Value::Numeric("1500.0"));
}

TEST(PqxxAdapterTest, KeepsTheRowCountOfAResultWithoutColumns) {
  std::unique_ptr<pqxx::connection> conn = Connect();
  ASSERT_NE(conn, nullptr);
  pqxx::work tx(*conn);
  absl::StatusOr<RowSet> rows =
      pg::RowSetFromResult(tx.exec("SELECT FROM generate_series(1, 3)"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->column_count(), 0u);
  EXPECT_EQ(rows->row_count(), 3u);
}

TEST(PqxxAdapterTest, ReadsEscapeFormatBytea) {
  std::unique_ptr<pqxx::connection> conn = Connect();
  ASSERT_NE(conn, nullptr);
  pqxx::work tx(*conn);
  tx.exec("SET LOCAL bytea_output = 'escape'");
  absl::StatusOr<RowSet> rows =
      pg::RowSetFromResult(tx.exec("SELECT '\\x00ff5c41'::bytea AS b"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->at(0, 0), Value::Bytea(std::string("\0\xff\\A", 4)));
}

TEST(PqxxAdapterTest, NonIsoDateStyleIsAClearError) {
  std::unique_ptr<pqxx::connection> conn = Connect();
  ASSERT_NE(conn, nullptr);
  pqxx::work tx(*conn);
  tx.exec("SET LOCAL DateStyle = 'SQL, DMY'");
  absl::StatusOr<RowSet> rows =
      pg::RowSetFromResult(tx.exec("SELECT 1 AS id, '2024-02-29'::date AS d"));
  ASSERT_FALSE(rows.ok());
  const std::string message(rows.status().message());
  EXPECT_NE(message.find("column \"d\" row 0"), std::string::npos) << message;
  EXPECT_NE(message.find("DateStyle"), std::string::npos) << message;
}

}  // namespace
}  // namespace cutover::comparator
