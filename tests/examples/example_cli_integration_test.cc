// The examples' command line exits with the `cutover` CLI's codes
// (cli/exit_codes.h): a script that drives both reads "not found" as 3 from
// either, against the real Redis from scripts/services.
#include <cstdlib>
#include <string>
#include <vector>

#include "common/example_cli.h"
#include "exit_codes.h"
#include "gtest/gtest.h"
#include "name_split/name_split_example.h"
#include "support/test_env.h"

namespace cutover::examples {
namespace {

class ExampleCliExitCodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string redis = testing::RedisUrl();
    ASSERT_FALSE(redis.empty());
    // A prefix nothing was ever stored under: the example's flag is absent.
    setenv("CUTOVER_PREFIX", testing::UniquePrefix("example_cli").c_str(), 1);
    setenv("CUTOVER_REDIS_URL", redis.c_str(), 1);
  }

  int Cli(std::vector<std::string> args) {
    args.insert(args.begin(), "example");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return RunExampleCli(example_, static_cast<int>(argv.size()), argv.data());
  }

  NameSplitExample example_;
};

TEST_F(ExampleCliExitCodeTest, AMissingFlagExitsWithTheCliNotFoundCode) {
  // contract reads the flag before touching PostgreSQL.
  EXPECT_EQ(Cli({"contract"}), 3);
  EXPECT_EQ(Cli({"contract"}),
            cli::ExitCodeFor(absl::NotFoundError("no flag named name_split")));
}

TEST_F(ExampleCliExitCodeTest, InvalidInputExitsWithTheCliInvalidCode) {
  EXPECT_EQ(Cli({"sql", "no-such-phase"}), cli::kExitInvalid);
  EXPECT_EQ(Cli({"no-such-command"}), cli::kExitInvalid);
}

}  // namespace
}  // namespace cutover::examples
