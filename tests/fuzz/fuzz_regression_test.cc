// Replays every fuzz seed and every saved crash (tests/fuzz/corpus/<target>/,
// tests/fuzz/crashes/<target>/) through the same properties the fuzzers check,
// in the normal build: a crash found once stays fixed.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "argument_lines.h"
#include "cli_app.h"
#include "cutover/flag_json.h"
#include "cutover/redis_url.h"
#include "fuzz/fuzz_properties.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace cutover {
namespace {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> Inputs(
    const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string source = testing::SourceDir();
  for (const char* kind : {"corpus", "crashes"}) {
    const fs::path dir = fs::path(source) / "tests/fuzz" / kind / target;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      out.emplace_back(entry.path().filename().string(), buffer.str());
    }
  }
  return out;
}

TEST(FuzzRegressionTest, FlagDocumentsParseOrFailCleanlyAndRoundTrip) {
  const auto inputs = Inputs("flag_document");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, text] : inputs) {
    auto flag = ParseFlagJson(text);
    if (!flag.ok()) {
      EXPECT_FALSE(flag.status().message().empty()) << name;
      continue;
    }
    auto again = ParseFlagJson(SerializeFlag(*flag));
    ASSERT_TRUE(again.ok()) << name;
    EXPECT_EQ(*again, *flag) << name;
  }
}

TEST(FuzzRegressionTest,
     RedactedRedisUrlsPointAtTheSameServerWithoutThePassword) {
  const auto inputs = Inputs("redis_url");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, url] : inputs) {
    auto endpoint = ParseRedisUrl(url);
    if (!endpoint.ok()) continue;
    auto again = ParseRedisUrl(endpoint->Redacted());
    ASSERT_TRUE(again.ok()) << name << ": " << again.status();
    EXPECT_EQ(again->host, endpoint->host) << name;
    EXPECT_EQ(again->port, endpoint->port) << name;
    EXPECT_EQ(again->db, endpoint->db) << name;
    EXPECT_EQ(again->user, endpoint->user) << name;
    EXPECT_EQ(again->password, endpoint->password.empty() ? "" : "***") << name;
  }
}

TEST(FuzzRegressionTest, CliArgumentsGiveDocumentedExitCodes) {
  setenv("CUTOVER_REDIS_URL", "redis://127.0.0.1:1", 1);
  setenv("DATABASE_URL", "postgresql://127.0.0.1:1/fuzz?connect_timeout=1", 1);
  const auto inputs = Inputs("cli_args");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, input] : inputs) {
    const std::vector<std::string> args = cli::ArgumentsFromLines(input);
    std::ostringstream out, err;
    const int code = cli::RunCli(args, out, err);
    EXPECT_TRUE(code == 1 || code == 2 || code == 3)
        << name << " exited " << code;
    EXPECT_FALSE(err.str().empty()) << name << ": a failure must say why";
  }
}

// The next three share their properties with their fuzzers
// (fuzz_properties.h), which say exactly what each one checks.
TEST(FuzzRegressionTest, PgTextValuesParseOrFailCleanlyAndRoundTrip) {
  const auto inputs = Inputs("pg_text_format");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, text] : inputs) {
    EXPECT_EQ(fuzz::CheckPgTextFormat(text), "") << name;
  }
}

TEST(FuzzRegressionTest, NormalizerSpecsParseOrFailCleanlyAndRoundTrip) {
  const auto inputs = Inputs("normalizer_spec");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, text] : inputs) {
    EXPECT_EQ(fuzz::CheckNormalizerSpec(text), "") << name;
  }
}

TEST(FuzzRegressionTest, RedactedConnectionStringsNeverShowTheSecret) {
  const auto inputs = Inputs("conninfo_redaction");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, text] : inputs) {
    EXPECT_EQ(fuzz::CheckConninfoRedaction(text), "") << name;
  }
}

// The check is not vacuous: most seeds put the secret where it must be
// hidden (and the others are there to be skipped, or to be shown, for a
// reason libpq gives).
TEST(FuzzRegressionTest, MostConninfoSeedsHoldASecretThatMustBeHidden) {
  int must_hide = 0;
  for (const auto& [name, text] : Inputs("conninfo_redaction")) {
    const auto c = fuzz::DecodeConninfoCase(text);
    if (c.has_value() && c->must_hide) ++must_hide;
  }
  EXPECT_GE(must_hide, 8);
}

}  // namespace
}  // namespace cutover
