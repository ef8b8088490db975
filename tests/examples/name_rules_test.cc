#include "name_split/name_rules.h"

#include "gtest/gtest.h"

namespace cutover::examples {
namespace {

struct NameCase {
  const char* label;
  const char* name;
  const char* first;
  const char* last;
};

class NameRulesTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(NameRulesTest, SplitsByTheDocumentedRule) {
  const SplitName split = Split(GetParam().name);
  EXPECT_EQ(split.first_name, GetParam().first);
  EXPECT_EQ(split.last_name, GetParam().last);
}

TEST_P(NameRulesTest, JoinGivesTheNormalizedNameAndSplitsBackTheSame) {
  const SplitName split = Split(GetParam().name);
  EXPECT_EQ(Join(split), NormalizeWhitespace(GetParam().name));
  EXPECT_EQ(Split(Join(split)), split);
}

INSTANTIATE_TEST_SUITE_P(
    Names, NameRulesTest,
    ::testing::Values(
        NameCase{"Plain", "Ada Lovelace", "Ada", "Lovelace"},
        NameCase{"Mononym", "Cher", "Cher", ""},
        NameCase{"SeveralWords", "José María García", "José", "María García"},
        NameCase{"Japanese", "山田 太郎", "山田", "太郎"},
        NameCase{"StraySpaces", "  Grace   Hopper ", "Grace", "Hopper"},
        NameCase{"Tab", "Alan\tTuring", "Alan", "Turing"},
        NameCase{"Empty", "", "", ""}, NameCase{"OnlySpaces", "   ", "", ""},
        NameCase{"NonAsciiSpaceIsNotASeparator", "Zoë\u3000Ødegård",
                 "Zoë\u3000Ødegård", ""}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace cutover::examples
