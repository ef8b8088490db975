// Connection-string redaction: every secret libpq knows (password and
// sslpassword) hidden in the URL and the keyword=value form, what is not
// secret kept, and strings libpq cannot parse never echoed.
#include "cutover/conninfo_redaction.h"

#include <ostream>
#include <string>

#include "cutover/pg_connection.h"
#include "gtest/gtest.h"

namespace cutover::pg {
namespace {

// Every secret in these cases contains this, so no fragment of it may show.
constexpr char kSecret[] = "s3cret";

struct RedactCase {
  const char* name;
  std::string url;
  std::string redacted;
};

void PrintTo(const RedactCase& c, std::ostream* os) { *os << c.name; }

class RedactPostgresUrlTest : public ::testing::TestWithParam<RedactCase> {};

TEST_P(RedactPostgresUrlTest, HidesEverySecretAndKeepsTheRest) {
  const std::string out = RedactPostgresUrl(GetParam().url);
  EXPECT_EQ(out, GetParam().redacted);
  EXPECT_EQ(out.find(kSecret), std::string::npos) << out;
  EXPECT_EQ(out.find("cret"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(
    All, RedactPostgresUrlTest,
    ::testing::Values(
        RedactCase{"NoPassword", "postgresql://app@db:5432/prod",
                   "user=app dbname=prod host=db port=5432"},
        RedactCase{"UrlPassword", "postgresql://app:s3cret@db:5432/prod",
                   "user=app password=*** dbname=prod host=db port=5432"},
        RedactCase{"ShortScheme", "postgres://app:s3cret@db/prod",
                   "user=app password=*** dbname=prod host=db"},
        RedactCase{"QueryPassword",
                   "postgresql://db/prod?user=app&password=s3cret&sslmode=off",
                   "user=app password=*** dbname=prod host=db sslmode=off"},
        RedactCase{"UrlSslPassword",
                   "postgresql://app@db/prod?sslpassword=s3cret",
                   "user=app dbname=prod host=db sslpassword=***"},
        RedactCase{"UrlBothSecrets",
                   "postgresql://app:s3cret1@db/prod?sslpassword=s3cret2"
                   "&sslkey=/k",
                   "user=app password=*** dbname=prod host=db sslkey=/k "
                   "sslpassword=***"},
        RedactCase{"PercentEncodedPassword", "postgresql://app:s3%63ret@db/p",
                   "user=app password=*** dbname=p host=db"},
        RedactCase{"KeyValue", "host=db password=s3cret dbname=prod",
                   "password=*** dbname=prod host=db"},
        RedactCase{"KeyValueSslPassword",
                   "host=db sslpassword=s3cret user=app dbname=prod",
                   "user=app dbname=prod host=db sslpassword=***"},
        RedactCase{"KeyValueQuoted", "host=db password = 's3 cr\\'et' user=x",
                   "user=x password=*** host=db"},
        RedactCase{"QuotedValueKept", "host=db application_name='my app'",
                   "host=db application_name='my app'"},
        RedactCase{"Empty", "", ""}),
    [](const ::testing::TestParamInfo<RedactCase>& info) {
      return std::string(info.param.name);
    });

// What libpq cannot parse, or would misread, comes back as a placeholder that
// says what to fix and quotes nothing.
struct HiddenCase {
  const char* name;
  std::string url;
  const char* placeholder_part;
};

void PrintTo(const HiddenCase& c, std::ostream* os) { *os << c.name; }

class RedactHostileTest : public ::testing::TestWithParam<HiddenCase> {};

TEST_P(RedactHostileTest, ShowsAPlaceholderAndNothingOfTheInput) {
  const RedactedConninfo info = RedactedConninfo::Parse(GetParam().url);
  EXPECT_FALSE(info.parsed());
  EXPECT_EQ(info.display(), RedactPostgresUrl(GetParam().url));
  EXPECT_NE(info.display().find(GetParam().placeholder_part), std::string::npos)
      << info.display();
  for (const char* fragment : {"s3", "cret", "evil", "db.example"}) {
    EXPECT_EQ(info.display().find(fragment), std::string::npos)
        << fragment << " in " << info.display();
  }
  // Without a parse the secrets are unknown: a message is withheld whole.
  EXPECT_EQ(info.Scrub("failed for db.example with s3cret").find("s3cret"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    All, RedactHostileTest,
    ::testing::Values(
        // libpq's own error would quote "cret".
        HiddenCase{"BlankInsidePassword", "host=db.example password=s3 cret",
                   "libpq cannot parse it"},
        HiddenCase{"UnterminatedQuote", "host=db.example password='s3cret",
                   "libpq cannot parse it"},
        HiddenCase{"SslPasswordSplit", "sslpassword=s3 cret=evil",
                   "libpq cannot parse it"},
        HiddenCase{"BadPercentEncoding",
                   "postgresql://app:s3cret%zz@db.example",
                   "libpq cannot parse it"},
        HiddenCase{"QueryWithoutEquals",
                   "postgresql://db.example/p?sslpassword=s3cret&evil",
                   "libpq cannot parse it"},
        HiddenCase{"UnknownKeyword", "host=db.example mypassword=s3cret",
                   "libpq cannot parse it"},
        HiddenCase{"Garbage", "\x01\xff' evil '=s3cret\\", "cannot parse"},
        HiddenCase{"NulByte",
                   std::string("host=db.example\0password=s3cret", 31), "NUL"},
        // libpq reads password "s3" and host "cret@db.example".
        HiddenCase{"AtInPassword", "postgresql://app:s3@cret@db.example/p",
                   "percent-encode '@'"},
        // libpq reads host "app", port "s3" and database "cret@db.example".
        HiddenCase{"SlashInPassword", "postgresql://app:s3/cret@db.example/p",
                   "percent-encode"}),
    [](const ::testing::TestParamInfo<HiddenCase>& info) {
      return std::string(info.param.name);
    });

TEST(RedactedConninfo, RedactedFormParsesBackToTheSameSettings) {
  const std::string url =
      "postgresql://app:s3cret@db:5432/prod?application_name=a%20b"
      "&options=-c%20search_path%3D'x'";
  const RedactedConninfo info = RedactedConninfo::Parse(url);
  ASSERT_TRUE(info.parsed());
  EXPECT_EQ(info.display(),
            "user=app password=*** dbname=prod host=db port=5432 "
            "options='-c search_path=\\'x\\'' application_name='a b'");
  const RedactedConninfo again = RedactedConninfo::Parse(info.display());
  ASSERT_TRUE(again.parsed());
  EXPECT_EQ(again.display(), info.display());
}

TEST(RedactedConninfo, ScrubHidesEverySecretInAMessage) {
  const RedactedConninfo info = RedactedConninfo::Parse(
      "host=db password=s3cret sslpassword=s3cret-key user=app");
  ASSERT_TRUE(info.parsed());
  EXPECT_EQ(info.Scrub("could not use s3cret-key; password s3cret rejected "
                       "for user app on db"),
            "could not use ***; password *** rejected for user app on db");
}

TEST(RedactedConninfo, ScrubTerminatesOnSecretsMadeOfStars) {
  const RedactedConninfo info = RedactedConninfo::Parse("password=**");
  ASSERT_TRUE(info.parsed());
  EXPECT_EQ(info.Scrub("a ** b"), "a *** b");
}

TEST(ConnectPostgres, RefusesAnUnparseableStringWithoutEchoingIt) {
  const auto conn = ConnectPostgres("host=db.example password=s3 cret");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(conn.status().message().find("DATABASE_URL"), std::string::npos)
      << conn.status();
  EXPECT_EQ(conn.status().message().find("cret"), std::string::npos)
      << conn.status();
}

}  // namespace
}  // namespace cutover::pg
