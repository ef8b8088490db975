// Durations as typed on the command line, and printed back.
#include "cutover/time_text.h"

#include <string>

#include "gtest/gtest.h"

namespace cutover::report {
namespace {

struct DurationCase {
  std::string text;
  long long seconds;  // -1: must be refused
};

void PrintTo(const DurationCase& c, std::ostream* os) { *os << c.text; }

class ParseDurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(ParseDurationTest, ParsesOrRefusesWithTheExpectedFormat) {
  const auto parsed = ParseDuration(GetParam().text, "--since");
  if (GetParam().seconds < 0) {
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(parsed.status().message());
    EXPECT_NE(message.find("--since"), std::string::npos) << message;
    EXPECT_NE(message.find("e.g. 30m, 24h, 7d"), std::string::npos) << message;
    return;
  }
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->count(), GetParam().seconds);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseDurationTest,
    ::testing::Values(
        DurationCase{"90s", 90}, DurationCase{"30m", 1800},
        DurationCase{"24h", 86400}, DurationCase{"7d", 604800},
        DurationCase{"1d12h", 129600}, DurationCase{"1h30m15s", 5415},
        DurationCase{"366d", 366 * 86400}, DurationCase{"", -1},
        DurationCase{"24", -1}, DurationCase{"1w", -1}, DurationCase{"h", -1},
        DurationCase{"-5m", -1}, DurationCase{"0m", -1},
        DurationCase{"1.5h", -1}, DurationCase{"367d", -1},
        DurationCase{"99999999999d", -1}, DurationCase{"5m ", -1}));

TEST(FormatDurationTest, PrintsTheShortestExactSpelling) {
  using std::chrono::seconds;
  EXPECT_EQ(FormatDuration(seconds(0)), "0s");
  EXPECT_EQ(FormatDuration(seconds(-3)), "0s");
  EXPECT_EQ(FormatDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(seconds(86400)), "1d");
  EXPECT_EQ(FormatDuration(seconds(129600)), "1d12h");
  for (const long long s : {1LL, 59LL, 3601LL, 90061LL, 604800LL}) {
    const auto back = ParseDuration(FormatDuration(seconds(s)), "x");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->count(), s);
  }
}

TEST(FormatUnixMillisTest, IsRfc3339Utc) {
  EXPECT_EQ(FormatUnixMillis(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUnixMillis(1'800'000'000'999), "2027-01-15T08:00:00Z");
}

}  // namespace
}  // namespace cutover::report
