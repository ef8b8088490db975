// Experiment::Create refuses a bad configuration with an error that names
// the field and says what to do.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "cutover/experiment.h"
#include "cutover/in_memory_publisher.h"

namespace cutover {
namespace {

struct NotComparable {
  int v = 0;
};

struct BadConfigCase {
  const char* name;
  std::function<void(ExperimentConfig<int>*)> change;
  const char* mentions;
};

class ExperimentConfigTest : public ::testing::TestWithParam<BadConfigCase> {};

TEST_P(ExperimentConfigTest, CreateRefusesAndNamesTheProblem) {
  ExperimentConfig<int> config;
  config.name = "valid.name-1_x";
  GetParam().change(&config);
  auto created = Experiment<int>::Create(std::move(config));
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(created.status()));
  EXPECT_NE(std::string(created.status().message()).find(GetParam().mentions),
            std::string::npos)
      << created.status();
}

INSTANTIATE_TEST_SUITE_P(
    BadConfigs, ExperimentConfigTest,
    ::testing::Values(
        BadConfigCase{"empty_name", [](auto* c) { c->name = ""; },
                      "1 to 64 characters"},
        BadConfigCase{"long_name",
                      [](auto* c) { c->name = std::string(65, 'a'); },
                      "1 to 64 characters"},
        BadConfigCase{"upper_case", [](auto* c) { c->name = "Users"; },
                      "contains 'U'"},
        BadConfigCase{"space", [](auto* c) { c->name = "a b"; },
                      "contains ' '"},
        BadConfigCase{"rate_above_one", [](auto* c) { c->sample_rate = 1.5; },
                      "sample_rate must be between 0 and 1"},
        BadConfigCase{"negative_rate", [](auto* c) { c->sample_rate = -0.1; },
                      "sample_rate"},
        BadConfigCase{"nan_rate",
                      [](auto* c) { c->sample_rate = std::nan(""); },
                      "sample_rate"},
        BadConfigCase{
            "zero_deadline",
            [](auto* c) { c->deadline = std::chrono::microseconds(0); },
            "deadline must be positive"},
        BadConfigCase{"candidate_named_control",
                      [](auto* c) { c->candidate_name = "control"; },
                      "candidate_name"},
        BadConfigCase{"both_compares",
                      [](auto* c) {
                        c->compare = [](const int&, const int&) {
                          return true;
                        };
                        c->compare_detailed = [](const int&, const int&) {
                          return Comparison{};
                        };
                      },
                      "not both"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ExperimentCreateTest, TypesWithoutEqualityNeedACompare) {
  ExperimentConfig<NotComparable> config;
  config.name = "x";
  auto refused = Experiment<NotComparable>::Create(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message())
                .find("cannot be compared with ==; set compare"),
            std::string::npos)
      << refused.status();

  config.compare = [](const NotComparable& a, const NotComparable& b) {
    return a.v == b.v;
  };
  config.publisher = std::make_shared<InMemoryPublisher>();
  auto ex = Experiment<NotComparable>::Create(config);
  ASSERT_TRUE(ex.ok()) << ex.status();
  RunContext run;
  EXPECT_EQ(ex->Run(
                  run, [] { return NotComparable{3}; },
                  [] { return NotComparable{3}; })
                .v,
            3);
}

TEST(ExperimentCreateTest, AValidConfigIsAccepted) {
  ExperimentConfig<int> config;
  config.name = "users.email_v2-check";
  auto ex = Experiment<int>::Create(config);
  ASSERT_TRUE(ex.ok()) << ex.status();
  EXPECT_EQ(ex->name(), "users.email_v2-check");
  EXPECT_EQ(ex->publisher(), DefaultPublisher())
      << "no publisher given: the default one";
}

TEST(ExperimentCreateTest, NamesOfModesAndOperations) {
  EXPECT_EQ(ExecutionModeName(ExecutionMode::kSerial), "serial");
  EXPECT_EQ(ExecutionModeName(ExecutionMode::kRandomOrder), "random_order");
  EXPECT_EQ(ExecutionModeName(ExecutionMode::kConcurrent), "concurrent");
  EXPECT_EQ(OperationName(Operation::kRunIf), "run_if");
  EXPECT_EQ(OperationName(Operation::kBeforeRun), "before_run");
  EXPECT_EQ(OperationName(Operation::kCompare), "compare");
  EXPECT_EQ(OperationName(Operation::kCompareErrors), "compare_errors");
  EXPECT_EQ(OperationName(Operation::kIgnore), "ignore");
  EXPECT_EQ(OperationName(Operation::kClean), "clean");
  EXPECT_EQ(OperationName(Operation::kPublish), "publish");
}

}  // namespace
}  // namespace cutover
