#include "cutover/flag_json.h"

#include "gtest/gtest.h"

namespace cutover {
namespace {

Flag SampleFlag() {
  Flag f;
  f.name = "pair_membership";
  f.description = "users.joined_pair_id -> user_pair";
  f.default_stage = Stage::kDualWrite;
  f.sample_rate = 0.25;
  f.version = 7;
  f.updated_at = "2026-11-21T10:00:00.000Z";
  f.updated_by = "alice";
  Rule users;
  users.kind = RuleKind::kUsers;
  users.users = {"u1", "u2"};
  users.stage = Stage::kLive;
  Rule group;
  group.kind = RuleKind::kGroup;
  group.group = "staff";
  group.stage = Stage::kShadow;
  Rule percent;
  percent.kind = RuleKind::kPercent;
  percent.percent = 10;
  percent.salt = "pm-2026";
  percent.stage = Stage::kShadow;
  f.rules = {users, group, percent};
  return f;
}

TEST(FlagJsonTest, RoundTripsEveryField) {
  const Flag f = SampleFlag();
  auto parsed = ParseFlagJson(SerializeFlag(f));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, f);
}

TEST(FlagJsonTest, SerializationIsDeterministic) {
  EXPECT_EQ(SerializeFlag(SampleFlag()), SerializeFlag(SampleFlag()));
}

TEST(FlagJsonTest, MinimalDocumentGetsDefaults) {
  auto f = ParseFlagJson(R"({"name":"a","default_stage":"off"})");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->sample_rate, 1.0);
  EXPECT_FALSE(f->killed);
  EXPECT_TRUE(f->rules.empty());
}

struct Malformed {
  const char* label;
  const char* document;
  const char* message_part;  // the error must name the field or problem
};

class MalformedFlagTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedFlagTest, IsRejectedWithAMessageNamingTheProblem) {
  auto f = ParseFlagJson(GetParam().document);
  ASSERT_FALSE(f.ok()) << "accepted: " << GetParam().document;
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(f.status().message()).find(GetParam().message_part),
            std::string::npos)
      << f.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedFlagTest,
    ::testing::Values(
        Malformed{"NotJson", "{", "not valid JSON"},
        Malformed{"NotAnObject", "[1,2]", "must be a JSON object"},
        Malformed{"MissingName", R"({"default_stage":"off"})",
                  "\"name\": is required"},
        Malformed{"BadName", R"({"name":"Bad Name","default_stage":"off"})",
                  "not a valid flag name"},
        Malformed{
            "LongName",
            R"({"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","default_stage":"off"})",
            "not a valid flag name"},
        Malformed{"MissingStage", R"({"name":"a"})",
                  "\"default_stage\": is required"},
        Malformed{"UnknownStage", R"({"name":"a","default_stage":"half"})",
                  "unknown stage \"half\""},
        Malformed{"StageWrongType", R"({"name":"a","default_stage":3})",
                  "must be a string"},
        Malformed{"UnknownKey",
                  R"({"name":"a","default_stage":"off","colour":"red"})",
                  "\"colour\": unknown key"},
        Malformed{"KilledWrongType",
                  R"({"name":"a","default_stage":"off","killed":"yes"})",
                  "\"killed\": must be a boolean"},
        Malformed{"SampleRateTooHigh",
                  R"({"name":"a","default_stage":"off","sample_rate":1.5})",
                  "\"sample_rate\": 1.5 is outside 0.0-1.0"},
        Malformed{"SampleRateNegative",
                  R"({"name":"a","default_stage":"off","sample_rate":-0.1})",
                  "sample_rate"},
        Malformed{"SampleRateWrongType",
                  R"({"name":"a","default_stage":"off","sample_rate":"half"})",
                  "must be a number"},
        Malformed{"VersionWrongType",
                  R"({"name":"a","default_stage":"off","version":1.5})",
                  "\"version\": must be an integer"},
        Malformed{"RulesNotArray",
                  R"({"name":"a","default_stage":"off","rules":{}})",
                  "\"rules\": must be an array"},
        Malformed{"RuleNotObject",
                  R"({"name":"a","default_stage":"off","rules":[3]})",
                  "\"rules[0]\": must be an object"},
        Malformed{
            "RuleWithoutMatcher",
            R"({"name":"a","default_stage":"off","rules":[{"stage":"off"}]})",
            "exactly one of"},
        Malformed{
            "RuleWithTwoMatchers",
            R"({"name":"a","default_stage":"off","rules":[{"group":"g","percent":5,"stage":"off"}]})",
            "exactly one of"},
        Malformed{
            "RuleWithoutStage",
            R"({"name":"a","default_stage":"off","rules":[{"group":"g"}]})",
            "\"rules[0].stage\": is required"},
        Malformed{
            "RuleUnknownStage",
            R"({"name":"a","default_stage":"off","rules":[{"group":"g","stage":"on"}]})",
            "\"rules[0].stage\": unknown stage"},
        Malformed{
            "PercentTooHigh",
            R"({"name":"a","default_stage":"off","rules":[{"percent":101,"stage":"off"}]})",
            "\"rules[0].percent\": 101 is outside 0-100"},
        Malformed{
            "PercentNegative",
            R"({"name":"a","default_stage":"off","rules":[{"percent":-1,"stage":"off"}]})",
            "outside 0-100"},
        Malformed{
            "PercentFractional",
            R"({"name":"a","default_stage":"off","rules":[{"percent":2.5,"stage":"off"}]})",
            "must be an integer"},
        Malformed{
            "UsersNotArray",
            R"({"name":"a","default_stage":"off","rules":[{"users":"u1","stage":"off"}]})",
            "\"rules[0].users\": must be an array"},
        Malformed{
            "UsersEmpty",
            R"({"name":"a","default_stage":"off","rules":[{"users":[],"stage":"off"}]})",
            "at least one user"},
        Malformed{
            "UserNotString",
            R"({"name":"a","default_stage":"off","rules":[{"users":[1],"stage":"off"}]})",
            "\"rules[0].users[0]\": must be a non-empty string"},
        Malformed{
            "GroupEmpty",
            R"({"name":"a","default_stage":"off","rules":[{"group":"","stage":"off"}]})",
            "\"rules[0].group\": must be a non-empty string"},
        Malformed{
            "SaltWithoutPercent",
            R"({"name":"a","default_stage":"off","rules":[{"group":"g","salt":"s","stage":"off"}]})",
            "only applies to a \"percent\" rule"},
        Malformed{
            "RuleUnknownKey",
            R"({"name":"a","default_stage":"off","rules":[{"group":"g","stage":"off","weight":1}]})",
            "\"rules[0].weight\": unknown key"}),
    [](const ::testing::TestParamInfo<Malformed>& info) {
      return std::string(info.param.label);
    });

}  // namespace
}  // namespace cutover

namespace cutover {
namespace {

TEST(FlagValidationTest, RejectsTextThatIsNotUtf8) {
  Flag f;
  f.name = "pm";
  f.description = "bad \xff byte";
  EXPECT_NE(std::string(ValidateFlag(f).message()).find("description"),
            std::string::npos);
  f.description = "José María 山田";
  EXPECT_TRUE(ValidateFlag(f).ok());
  Rule users;
  users.kind = RuleKind::kUsers;
  users.users = {"ok", "\xc3\x28"};
  f.rules = {users};
  EXPECT_NE(std::string(ValidateFlag(f).message()).find("rules[0].users"),
            std::string::npos);
}

}  // namespace
}  // namespace cutover
