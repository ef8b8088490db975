// Identifier quoting and connection-string redaction: the two guards between
// user-supplied text and SQL or log output.
#include "cutover/sql_identifier.h"

#include <ostream>
#include <string>

#include "cutover/pg_connection.h"
#include "gtest/gtest.h"

namespace cutover::pg {
namespace {

struct QuoteCase {
  const char* name;
  std::string input;
  std::string quoted;
};

void PrintTo(const QuoteCase& c, std::ostream* os) { *os << c.name; }

class QuoteIdentifierTest : public ::testing::TestWithParam<QuoteCase> {};

TEST_P(QuoteIdentifierTest, QuotesLiterally) {
  absl::StatusOr<std::string> q = QuoteIdentifier(GetParam().input);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(*q, GetParam().quoted);
}

INSTANTIATE_TEST_SUITE_P(
    All, QuoteIdentifierTest,
    ::testing::Values(QuoteCase{"Plain", "users", "\"users\""},
                      QuoteCase{"CaseKept", "Users", "\"Users\""},
                      QuoteCase{"EmbeddedQuote", "a\"b", "\"a\"\"b\""},
                      QuoteCase{"Injection", "x\"; DROP TABLE users; --",
                                "\"x\"\"; DROP TABLE users; --\""},
                      QuoteCase{"DotStaysInside", "a.b", "\"a.b\""},
                      QuoteCase{"Unicode", "ünïcødé", "\"ünïcødé\""}),
    [](const ::testing::TestParamInfo<QuoteCase>& info) {
      return std::string(info.param.name);
    });

TEST(QuoteIdentifier, RefusesEmptyAndNul) {
  EXPECT_EQ(QuoteIdentifier("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(QuoteIdentifier(std::string("a\0b", 3)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(QuoteQualifiedName, JoinsSchemaAndName) {
  EXPECT_EQ(*QuoteQualifiedName("app", "users"), "\"app\".\"users\"");
  EXPECT_EQ(*QuoteQualifiedName("", "users"), "\"users\"");
  EXPECT_FALSE(QuoteQualifiedName("app", "").ok());
}

struct RedactCase {
  const char* name;
  std::string url;
  std::string redacted;
};

void PrintTo(const RedactCase& c, std::ostream* os) { *os << c.name; }

class RedactPostgresUrlTest : public ::testing::TestWithParam<RedactCase> {};

TEST_P(RedactPostgresUrlTest, HidesThePassword) {
  const std::string out = RedactPostgresUrl(GetParam().url);
  EXPECT_EQ(out, GetParam().redacted);
  EXPECT_EQ(out.find("s3cret"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    All, RedactPostgresUrlTest,
    ::testing::Values(
        RedactCase{"NoPassword", "postgresql://app@db:5432/prod",
                   "postgresql://app@db:5432/prod"},
        RedactCase{"UrlPassword", "postgresql://app:s3cret@db:5432/prod",
                   "postgresql://app:***@db:5432/prod"},
        RedactCase{"ShortScheme", "postgres://app:s3cret@db/prod",
                   "postgres://app:***@db/prod"},
        RedactCase{"AtInPassword", "postgresql://app:s3@cret@db/prod",
                   "postgresql://app:***@db/prod"},
        RedactCase{"QueryPassword",
                   "postgresql://db/prod?user=app&password=s3cret&sslmode=off",
                   "postgresql://db/prod?user=app&password=***&sslmode=off"},
        RedactCase{"KeyValue", "host=db password=s3cret dbname=prod",
                   "host=db password=*** dbname=prod"},
        RedactCase{"KeyValueQuoted", "host=db password = 's3 cr\\'et' user=x",
                   "host=db password = *** user=x"},
        RedactCase{"OtherKeyword", "host=db mypassword=x",
                   "host=db mypassword=x"}),
    [](const ::testing::TestParamInfo<RedactCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace cutover::pg
