// Identifier quoting: the guard between user-supplied names and SQL
// (connection-string redaction is tested in conninfo_redaction_test.cc).
#include "cutover/sql_identifier.h"

#include <ostream>
#include <string>

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

}  // namespace
}  // namespace cutover::pg
