// The `cutover flag` and `group` commands against the real Redis: outputs, exit
// codes, refusals and many operators at once.
#include <thread>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/test_env.h"

namespace cutover {
namespace {

using nlohmann::json;

class FlagCliTest : public ::testing::Test {
 protected:
  void SetUp() override { prefix_ = testing::UniquePrefix("cli"); }
  testing::CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> full = {"--redis", testing::RedisUrl(), "--prefix",
                                     prefix_,   "--actor",           "tester"};
    full.insert(full.end(), args.begin(), args.end());
    return testing::RunCutover(full);
  }
  json Json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    const auto r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  std::string prefix_;
};

TEST_F(FlagCliTest, StaffFirstRolloutIsExplainedPerUser) {
  ASSERT_EQ(Cli({"flag", "create", "pm", "--stage", "dualwrite"}).exit_code, 0);
  ASSERT_EQ(Cli({"group", "add", "staff", "carol", "dave"}).exit_code, 0);
  ASSERT_EQ(Cli({"flag", "target", "pm", "--group", "staff", "--stage", "live"})
                .exit_code,
            0);
  ASSERT_EQ(
      Cli({"flag", "target", "pm", "--percent", "10", "--stage", "shadow"})
          .exit_code,
      0);

  json carol = Json({"flag", "eval", "pm", "--user", "carol"});
  EXPECT_EQ(carol["stage"], "live");
  EXPECT_EQ(carol["reason"], "GROUP");
  EXPECT_EQ(carol["rule"], 0);
  json in_context =
      Json({"flag", "eval", "pm", "--user", "erin", "--group", "staff"});
  EXPECT_EQ(in_context["reason"], "GROUP");
  // Bucket of "pm:alice" decides the percentage rule; check against the default
  // otherwise.
  json bob = Json({"flag", "eval", "pm", "--user", "nobody-in-particular"});
  EXPECT_TRUE(bob["reason"] == "PERCENT" || bob["reason"] == "DEFAULT");
  EXPECT_TRUE(bob["rule"].is_null() || bob["rule"] == 1);

  json shown = Json({"flag", "show", "pm"});
  EXPECT_EQ(shown["version"], 3);
  EXPECT_EQ(shown["rules"].size(), 2u);
  EXPECT_EQ(shown["updated_by"], "tester");

  json history = Json({"flag", "history", "pm"});
  ASSERT_EQ(history["entries"].size(), 3u);
  EXPECT_TRUE(history["entries"][0]["before"].is_null());
  EXPECT_EQ(history["entries"][2]["after"]["rules"][1]["percent"], 10);
  EXPECT_EQ(history["entries"][1]["actor"], "tester");
  EXPECT_EQ(history["entries"][1]["forced"], false);
}

TEST_F(FlagCliTest, SafetyRefusalExitsTwoNamesTheRuleAndStoresNothing) {
  ASSERT_EQ(Cli({"flag", "create", "pm"}).exit_code, 0);
  const auto refused =
      Cli({"flag", "target", "pm", "--group", "staff", "--stage", "live"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("safety rule 1"), std::string::npos)
      << refused.err;
  EXPECT_EQ(Json({"flag", "show", "pm"})["version"], 1);
  // --force applies it and the audit says so.
  ASSERT_EQ(Cli({"flag", "target", "pm", "--group", "staff", "--stage", "live",
                 "--force"})
                .exit_code,
            0);
  EXPECT_EQ(Json({"flag", "history", "pm"})["entries"][1]["forced"], true);
}

TEST_F(FlagCliTest, LeavingCompleteAndKillingCompleteAreRefused) {
  ASSERT_EQ(Cli({"flag", "create", "pm", "--stage", "rampdown"}).exit_code, 0);
  ASSERT_EQ(Cli({"flag", "stage", "pm", "complete"}).exit_code, 0);
  const auto back = Cli({"flag", "stage", "pm", "live"});
  EXPECT_EQ(back.exit_code, 2);
  EXPECT_NE(back.err.find("safety rule 3"), std::string::npos) << back.err;
  const auto kill = Cli({"flag", "kill", "pm"});
  EXPECT_EQ(kill.exit_code, 2);
  EXPECT_NE(kill.err.find("safety rule 5"), std::string::npos) << kill.err;
}

TEST_F(FlagCliTest, KillSwitchSendsEveryoneToDualwrite) {
  ASSERT_EQ(Cli({"flag", "create", "pm", "--stage", "live"}).exit_code, 0);
  ASSERT_EQ(Cli({"flag", "kill", "pm"}).exit_code, 0);
  json e = Json({"flag", "eval", "pm", "--user", "u"});
  EXPECT_EQ(e["stage"], "dualwrite");
  EXPECT_EQ(e["reason"], "KILLED");
  ASSERT_EQ(Cli({"flag", "unkill", "pm"}).exit_code, 0);
  EXPECT_EQ(Json({"flag", "eval", "pm", "--user", "u"})["stage"], "live");
}

struct BadInput {
  const char* label;
  std::vector<std::string> args;
  int exit_code;
  const char* message_part;
};

class FlagCliBadInputTest : public FlagCliTest,
                            public ::testing::WithParamInterface<BadInput> {};

TEST_P(FlagCliBadInputTest, ExitsWithTheDocumentedCodeAndSaysWhy) {
  ASSERT_EQ(Cli({"flag", "create", "pm"}).exit_code, 0);
  const auto r = Cli(GetParam().args);
  EXPECT_EQ(r.exit_code, GetParam().exit_code) << r.out << r.err;
  EXPECT_NE(r.err.find(GetParam().message_part), std::string::npos) << r.err;
  EXPECT_EQ(Json({"flag", "show", "pm"})["version"], 1);  // nothing stored
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FlagCliBadInputTest,
    ::testing::Values(
        BadInput{"UnknownStage",
                 {"flag", "stage", "pm", "half"},
                 2,
                 "unknown stage \"half\""},
        BadInput{
            "PercentTooHigh",
            {"flag", "target", "pm", "--percent", "150", "--stage", "shadow"},
            2,
            "outside 0-100"},
        BadInput{"TwoMatchers",
                 {"flag", "target", "pm", "--group", "g", "--percent", "5",
                  "--stage", "shadow"},
                 2,
                 "exactly one of"},
        BadInput{"SampleRate",
                 {"flag", "sample-rate", "pm", "2"},
                 2,
                 "outside 0.0-1.0"},
        BadInput{"BadName",
                 {"flag", "create", "Bad Name"},
                 2,
                 "not a valid flag name"},
        BadInput{"Exists", {"flag", "create", "pm"}, 2, "already exists"},
        BadInput{
            "NoSuchRule", {"flag", "untarget", "pm", "4"}, 2, "has no rule 4"},
        BadInput{"NotFound", {"flag", "show", "nope"}, 3, "no flag named nope"},
        BadInput{"NotFoundStage",
                 {"flag", "stage", "nope", "off"},
                 3,
                 "no flag named nope"},
        BadInput{"MissingArgument", {"flag", "stage", "pm"}, 2, "STAGE"},
        BadInput{"UnknownCommand", {"flag", "frobnicate"}, 2, "frobnicate"}),
    [](const ::testing::TestParamInfo<BadInput>& info) {
      return std::string(info.param.label);
    });

TEST_F(FlagCliTest, TwentyConcurrentOperatorsAllLand) {
  ASSERT_EQ(Cli({"flag", "create", "pm", "--stage", "dualwrite"}).exit_code, 0);
  std::vector<std::thread> operators;
  std::vector<int> codes(20, -1);
  for (int i = 0; i < 20; ++i) {
    operators.emplace_back([this, i, &codes] {
      codes[i] = Cli({"flag", "target", "pm", "--users",
                      "user" + std::to_string(i), "--stage", "shadow"})
                     .exit_code;
    });
  }
  for (auto& t : operators) t.join();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(codes[i], 0) << "operator " << i;
  json shown = Json({"flag", "show", "pm"});
  ASSERT_EQ(shown["rules"].size(), 1u);
  EXPECT_EQ(shown["rules"][0]["users"].size(), 20u);
  EXPECT_EQ(shown["version"], 21);
  EXPECT_EQ(Json({"flag", "history", "pm"})["entries"].size(), 21u);
}

TEST_F(FlagCliTest, UnreachableRedisExitsOneWithoutThePassword) {
  const auto r = testing::RunCutover(
      {"--redis", "redis://admin:hunter2@127.0.0.1:1", "flag", "show", "pm"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("redis://admin:***@127.0.0.1:1"), std::string::npos)
      << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2"), std::string::npos);
}

TEST_F(FlagCliTest, TlsUrlIsRefusedClearly) {
  const auto r = testing::RunCutover(
      {"--redis", "rediss://127.0.0.1:6380", "flag", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("TLS is not supported by this build"), std::string::npos)
      << r.err;
}

TEST_F(FlagCliTest, JsonErrorsAreOneObject) {
  const auto r = Cli({"--json", "flag", "show", "nope"});
  EXPECT_EQ(r.exit_code, 3);
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["exit_code"], 3);
  EXPECT_NE(doc["error"].get<std::string>().find("no flag named nope"),
            std::string::npos);
}

TEST_F(FlagCliTest, GroupsAreListed) {
  ASSERT_EQ(Cli({"group", "add", "staff", "b", "a"}).exit_code, 0);
  ASSERT_EQ(Cli({"group", "remove", "staff", "b"}).exit_code, 0);
  json g = Json({"group", "show", "staff"});
  EXPECT_EQ(g["members"], json::array({"a"}));
}

}  // namespace
}  // namespace cutover
