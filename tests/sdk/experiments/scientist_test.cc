// Scientist's own test suite (github/scientist test/scientist/*_test.rb),
// ported case by case to cutover's experiment engine. Each test names the
// Scientist behaviour it ports; cases that only exist because of Ruby (module
// inclusion, Marshal) have no counterpart.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cutover/experiment.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/mutex.h"
#include "support/status_testing.h"

namespace cutover {
namespace {

struct Raised {
  Operation operation;
  std::string message;
};

// Collects what the raised hook receives (Scientist's Fake#exceptions).
class RaisedLog {
 public:
  std::function<void(Operation, const ErrorInfo&)> Hook() {
    return [this](Operation op, const ErrorInfo& e) {
      MutexLock lock(&mu_);
      entries_.push_back({op, e.message});
    };
  }
  std::vector<Raised> entries() {
    MutexLock lock(&mu_);
    return entries_;
  }

 private:
  Mutex mu_;
  std::vector<Raised> entries_ ABSL_GUARDED_BY(mu_);
};

class FirstError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class SecondError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ScientistTest : public ::testing::Test {
 protected:
  template <typename C, typename K = C>
  ExperimentConfig<C, K> Config() {
    ExperimentConfig<C, K> config;
    config.name = "experiment";
    config.mode = ExecutionMode::kSerial;
    config.publisher = publisher_;
    config.raised = raised_.Hook();
    return config;
  }

  template <typename C, typename K>
  static absl::StatusOr<Experiment<C, K>> Make(ExperimentConfig<C, K> config) {
    return Experiment<C, K>::Create(std::move(config));
  }

  ResultRecord Published() {
    auto last = publisher_->LastResult();
    EXPECT_TRUE(last.has_value()) << "nothing was published";
    return last.value_or(ResultRecord{});
  }

  std::shared_ptr<InMemoryPublisher> publisher_ =
      std::make_shared<InMemoryPublisher>(InMemoryPublisher::Options{
          /*keep_results=*/100, /*keep_all_results=*/true});
  RaisedLog raised_;
  RunContext run_;
};

// "runs other behaviors but always returns the control"
TEST_F(ScientistTest, ReturnsTheControlValueWhileRunningTheCandidate) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<std::string>()));
  bool candidate_ran = false;
  const std::string value = ex.Run(
      run_, [] { return std::string("control"); },
      [&] {
        candidate_ran = true;
        return std::string("candidate");
      });
  EXPECT_EQ(value, "control");
  EXPECT_TRUE(candidate_ran);
}

// "is a straight pass-through with only a control behavior": an experiment
// that does not sample is a pass-through.
TEST_F(ScientistTest, IsAPassThroughWhenNotSampled) {
  auto config = Config<int>();
  config.sample_rate = 0;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  bool candidate_ran = false;
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; },
                [&] {
                  candidate_ran = true;
                  return 2;
                }),
            1);
  EXPECT_FALSE(candidate_ran);
  EXPECT_FALSE(publisher_->LastResult().has_value());
}

// "swallows exceptions raised by candidate behaviors"
TEST_F(ScientistTest, SwallowsExceptionsRaisedByTheCandidate) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<std::string>()));
  const std::string value = ex.Run(
      run_, [] { return std::string("control"); },
      []() -> std::string { throw std::runtime_error("candidate"); });
  EXPECT_EQ(value, "control");
  const ResultRecord r = Published();
  EXPECT_EQ(r.outcome, Outcome::kCandidateError);
  EXPECT_TRUE(r.candidate.raised);
  EXPECT_EQ(r.candidate.error_type, "std::runtime_error");
  EXPECT_EQ(r.candidate.error_message, "candidate");
  EXPECT_TRUE(raised_.entries().empty())
      << "a candidate's exception is an observation, not a callback failure";
}

// "passes through exceptions raised by the control behavior", and the result
// is published before the exception leaves Run().
TEST_F(ScientistTest, RethrowsTheControlExceptionAfterPublishing) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<std::string>()));
  try {
    ex.Run(
        run_, []() -> std::string { throw FirstError("control"); },
        [] { return std::string("candidate"); });
    FAIL() << "the control's exception did not propagate";
  } catch (const FirstError& e) {
    EXPECT_STREQ(e.what(), "control");
    const ResultRecord r = Published();
    EXPECT_EQ(r.outcome, Outcome::kControlError);
    EXPECT_EQ(r.control.error_message, "control");
  }
}

TEST_F(ScientistTest, RethrowsAControlExceptionThatIsNotAStdException) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  EXPECT_THROW(ex.Run(
                   run_, []() -> int { throw 42; }, [] { return 1; }),
               int);
  EXPECT_EQ(Published().control.error_type, "int");
}

// "shuffles behaviors before running"
TEST_F(ScientistTest, RandomOrderRunsBothOrders) {
  auto config = Config<int>();
  config.mode = ExecutionMode::kRandomOrder;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  bool saw_control_first = false;
  bool saw_candidate_first = false;
  for (int i = 0; i < 10000 && !(saw_control_first && saw_candidate_first);
       ++i) {
    std::string last;
    ex.Run(
        run_,
        [&] {
          last = "control";
          return 1;
        },
        [&] {
          last = "candidate";
          return 1;
        });
    // Whoever ran last ran second.
    (last == "candidate" ? saw_control_first : saw_candidate_first) = true;
  }
  EXPECT_TRUE(saw_control_first);
  EXPECT_TRUE(saw_candidate_first);
}

TEST_F(ScientistTest, SerialModeRunsTheControlFirst) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  for (int i = 0; i < 100; ++i) {
    std::vector<std::string> order;
    ex.Run(
        run_,
        [&] {
          order.push_back("control");
          return 1;
        },
        [&] {
          order.push_back("candidate");
          return 1;
        });
    ASSERT_EQ(order, (std::vector<std::string>{"control", "candidate"}));
  }
}

// "reports publishing errors"
TEST_F(ScientistTest, ReportsPublishingErrorsAndReturnsTheControl) {
  class Throwing : public Publisher {
   public:
    void Publish(const ExperimentResult&) override {
      throw std::runtime_error("boomtown");
    }
  };
  auto config = Config<std::string>();
  config.publisher = std::make_shared<Throwing>();
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_EQ(ex.Run(
                run_, [] { return std::string("control"); },
                [] { return std::string("candidate"); }),
            "control");
  const auto entries = raised_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].operation, Operation::kPublish);
  EXPECT_EQ(entries[0].message, "boomtown");
}

// "publishes results"
TEST_F(ScientistTest, PublishesResults) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; }, [] { return 1; }),
            1);
  const ResultRecord r = Published();
  EXPECT_EQ(r.outcome, Outcome::kMatch);
  EXPECT_EQ(r.experiment, "experiment");
}

// "compares results with a comparator block if provided": control and
// candidate of different types.
TEST_F(ScientistTest, ComparesWithACompareFunctionAcrossTypes) {
  auto config = Config<std::string, int>();
  config.compare = [](const std::string& a, const int& b) {
    return a == std::to_string(b);
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_EQ(ex.Run(
                run_, [] { return std::string("1"); }, [] { return 1; }),
            "1");
  EXPECT_EQ(Published().outcome, Outcome::kMatch);
}

// "compares errors with an error comparator block if provided"
TEST_F(ScientistTest, ComparesErrorsWithACompareErrorsFunction) {
  auto config = Config<int>();
  config.compare_errors = [](const ErrorInfo& a, const ErrorInfo& b) {
    return *a.type == *b.type;  // same class, any message
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  try {
    ex.Run(
        run_, []() -> int { throw std::runtime_error("foo"); },
        []() -> int { throw std::runtime_error("bar"); });
    FAIL() << "the control's exception did not propagate";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "foo");
  }
  EXPECT_EQ(Published().outcome, Outcome::kMatch);
}

// "knows how to compare two experiments" / observation "compares values"
TEST_F(ScientistTest, DefaultCompareIsOperatorEquals) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  EXPECT_EQ(Published().outcome, Outcome::kMatch);
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  EXPECT_EQ(Published().outcome, Outcome::kMismatch);
}

// observation "compares exception messages"
TEST_F(ScientistTest, DefaultCompareErrorsComparesMessages) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  auto thrower = [](const char* message) {
    return [message]() -> int { throw std::runtime_error(message); };
  };
  EXPECT_THROW(ex.Run(run_, thrower("error"), thrower("error")),
               std::runtime_error);
  EXPECT_EQ(Published().outcome, Outcome::kMatch);
  EXPECT_THROW(ex.Run(run_, thrower("error"), thrower("ERROR")),
               std::runtime_error);
  EXPECT_EQ(Published().outcome, Outcome::kMismatch);
}

// observation "compares exception classes"
TEST_F(ScientistTest, DefaultCompareErrorsComparesTypes) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  EXPECT_THROW(ex.Run(
                   run_, []() -> int { throw FirstError("error"); },
                   []() -> int { throw FirstError("error"); }),
               FirstError);
  EXPECT_EQ(Published().outcome, Outcome::kMatch);
  EXPECT_THROW(ex.Run(
                   run_, []() -> int { throw FirstError("error"); },
                   []() -> int { throw SecondError("error"); }),
               FirstError);
  EXPECT_EQ(Published().outcome, Outcome::kMismatch);
}

// "reports errors in a compare block"
TEST_F(ScientistTest, ReportsErrorsInACompareFunction) {
  auto config = Config<std::string>();
  config.compare = [](const std::string&, const std::string&) -> bool {
    throw std::runtime_error("boomtown");
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_EQ(ex.Run(
                run_, [] { return std::string("control"); },
                [] { return std::string("candidate"); }),
            "control");
  const auto entries = raised_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].operation, Operation::kCompare);
  EXPECT_EQ(entries[0].message, "boomtown");
  EXPECT_EQ(Published().outcome, Outcome::kMismatch)
      << "a compare that throws cannot vouch for equality";
}

// "reports errors in a run_if block" (and the enabled? case: run_if is the
// only user callback consulted before running)
TEST_F(ScientistTest, ReportsErrorsInARunIfAndSkipsTheCandidate) {
  auto config = Config<std::string>();
  config.run_if = []() -> bool { throw std::runtime_error("kaboom"); };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  bool candidate_ran = false;
  EXPECT_EQ(ex.Run(
                run_, [] { return std::string("control"); },
                [&] {
                  candidate_ran = true;
                  return std::string("candidate");
                }),
            "control");
  EXPECT_FALSE(candidate_ran);
  const auto entries = raised_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].operation, Operation::kRunIf);
  EXPECT_EQ(entries[0].message, "kaboom");
}

// "returns the given value when no clean block is configured"
TEST_F(ScientistTest, RendersTheRawValueWithoutACleanFunction) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  ex.Run(
      run_, [] { return 10; }, [] { return 11; });
  const ResultRecord r = Published();
  EXPECT_EQ(r.control.value, "10");
  EXPECT_EQ(r.candidate.value, "11");
}

// "calls the configured clean block with a value when configured"
TEST_F(ScientistTest, CleansValuesWithTheCleanFunction) {
  auto config = Config<std::string>();
  config.clean_control = [](const std::string& v) {
    std::string upper = v;
    for (char& c : upper) c = static_cast<char>(std::toupper(c));
    return upper;
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return std::string("test"); },
      [] { return std::string("other"); });
  const ResultRecord r = Published();
  EXPECT_EQ(r.control.value, "TEST");
  EXPECT_EQ(r.candidate.value, "OTHER")
      << "with one type, clean_control cleans both sides";
}

// "reports an error and returns the original value when an error is raised in
// a clean block"
TEST_F(ScientistTest, ReportsCleanErrorsAndRendersTheRawValue) {
  auto config = Config<std::string>();
  config.clean_control = [](const std::string&) -> std::string {
    throw std::runtime_error("kaboom");
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_EQ(ex.Run(
                run_, [] { return std::string("control"); },
                [] { return std::string("candidate"); }),
            "control");
  EXPECT_EQ(Published().control.value, "control");
  const auto entries = raised_.entries();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.back().operation, Operation::kClean);
  EXPECT_EQ(entries.back().message, "kaboom");
}

// The issue's "clean used only in reports": a clean that makes every value
// look alike does not turn a mismatch into a match.
TEST_F(ScientistTest, CleanIsNeverUsedForComparison) {
  auto config = Config<int>();
  config.clean_control = [](const int&) { return std::string("same"); };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  const ResultRecord r = Published();
  EXPECT_EQ(r.outcome, Outcome::kMismatch);
  EXPECT_EQ(r.control.value, "same");
}

// "#run_if does not run the experiment if the given block returns false"
TEST_F(ScientistTest, RunIfFalseSkipsTheCandidate) {
  bool run_check_ran = false;
  auto config = Config<int>();
  config.run_if = [&] {
    run_check_ran = true;
    return false;
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  bool candidate_ran = false;
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; },
                [&] {
                  candidate_ran = true;
                  return 1;
                }),
            1);
  EXPECT_TRUE(run_check_ran);
  EXPECT_FALSE(candidate_ran);
  EXPECT_FALSE(publisher_->LastResult().has_value());
}

// "#run_if runs the experiment if the given block returns true"
TEST_F(ScientistTest, RunIfTrueRunsTheCandidate) {
  bool run_check_ran = false;
  auto config = Config<int>();
  config.run_if = [&] {
    run_check_ran = true;
    return true;
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  bool candidate_ran = false;
  ex.Run(
      run_, [] { return 1; },
      [&] {
        candidate_ran = true;
        return 1;
      });
  EXPECT_TRUE(run_check_ran);
  EXPECT_TRUE(candidate_ran);
}

// The issue's "run_if and sampling skip the candidate entirely": run_if is
// not even asked when the run is not sampled.
TEST_F(ScientistTest, SamplingIsDecidedBeforeRunIf) {
  bool run_check_ran = false;
  auto config = Config<int>();
  config.sample_rate = 0;
  config.run_if = [&] {
    run_check_ran = true;
    return true;
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  EXPECT_FALSE(run_check_ran);
}

// "#ignore_mismatched_observation? does not ignore an observation if no
// ignores are configured"
TEST_F(ScientistTest, DoesNotIgnoreWithoutIgnorePredicates) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  EXPECT_EQ(Published().outcome, Outcome::kMismatch);
}

// "calls a configured ignore block with the given observed values"
TEST_F(ScientistTest, CallsIgnoreWithTheObservedValues) {
  std::vector<int> seen;
  auto config = Config<int>();
  config.ignore.push_back([&](const int& a, const int& b) {
    seen = {a, b};
    return true;
  });
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_EQ(Published().outcome, Outcome::kIgnored);
}

TEST_F(ScientistTest, IgnoreIsNotConsultedForMatches) {
  bool called = false;
  auto config = Config<int>();
  config.ignore.push_back([&](const int&, const int&) {
    called = true;
    return true;
  });
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  EXPECT_FALSE(called);
  EXPECT_EQ(Published().outcome, Outcome::kMatch);
}

// "calls multiple ignore blocks to see if any match"
TEST_F(ScientistTest, CallsEveryIgnoreWhenNoneMatches) {
  std::vector<int> called;
  auto config = Config<int>();
  for (int i = 0; i < 3; ++i) {
    config.ignore.push_back([&called, i](const int&, const int&) {
      called.push_back(i);
      return false;
    });
  }
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  EXPECT_EQ(called, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(Published().outcome, Outcome::kMismatch);
}

// "only calls ignore blocks until one matches"
TEST_F(ScientistTest, StopsAtTheFirstIgnoreThatMatches) {
  std::vector<int> called;
  auto config = Config<int>();
  for (int i = 0; i < 3; ++i) {
    config.ignore.push_back([&called, i](const int&, const int&) {
      called.push_back(i);
      return i == 1;
    });
  }
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  EXPECT_EQ(called, (std::vector<int>{0, 1}));
  EXPECT_EQ(Published().outcome, Outcome::kIgnored);
}

// "reports exceptions raised in an ignore block and returns false"
TEST_F(ScientistTest, AThrowingIgnoreDoesNotIgnoreAndIsReported) {
  auto config = Config<int>();
  config.ignore.push_back([](const int&, const int&) -> bool {
    throw std::runtime_error("kaboom");
  });
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  EXPECT_EQ(Published().outcome, Outcome::kMismatch);
  const auto entries = raised_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].operation, Operation::kIgnore);
  EXPECT_EQ(entries[0].message, "kaboom");
}

// "skips ignore blocks that raise and tests any remaining blocks if an
// exception is swallowed"
TEST_F(ScientistTest, SkipsAThrowingIgnoreAndTriesTheRest) {
  auto config = Config<int>();
  config.ignore.push_back([](const int&, const int&) -> bool {
    throw std::runtime_error("kaboom");
  });
  config.ignore.push_back([](const int&, const int&) { return true; });
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  EXPECT_EQ(Published().outcome, Outcome::kIgnored);
  EXPECT_EQ(raised_.entries().size(), 1u);
}

// result "partitions observations into mismatched and ignored": with several
// candidates, each comparison is its own result.
TEST_F(ScientistTest, PartitionsCandidatesIntoMismatchedAndIgnored) {
  auto config = Config<std::string>();
  config.ignore.push_back(
      [](const std::string&, const std::string& b) { return b == "y"; });
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_EQ(ex.RunCandidates(
                run_, [] { return std::string("x"); },
                MakeCandidate("y", [] { return std::string("y"); }),
                MakeCandidate("z", [] { return std::string("z"); }),
                MakeCandidate("x2", [] { return std::string("x"); })),
            "x");
  const auto results = publisher_->RecentResults();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].candidate.name, "y");
  EXPECT_EQ(results[0].outcome, Outcome::kIgnored);
  EXPECT_EQ(results[1].candidate.name, "z");
  EXPECT_EQ(results[1].outcome, Outcome::kMismatch);
  EXPECT_EQ(results[2].candidate.name, "x2");
  EXPECT_EQ(results[2].outcome, Outcome::kMatch);
}

TEST_F(ScientistTest, RandomOrderWithSeveralCandidatesRunsEachOnce) {
  auto config = Config<int>();
  config.mode = ExecutionMode::kRandomOrder;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  for (int i = 0; i < 200; ++i) {
    int runs[4] = {0, 0, 0, 0};
    ex.RunCandidates(
        run_,
        [&] {
          ++runs[0];
          return 0;
        },
        MakeCandidate("a",
                      [&] {
                        ++runs[1];
                        return 0;
                      }),
        MakeCandidate("b",
                      [&] {
                        ++runs[2];
                        return 0;
                      }),
        MakeCandidate("c", [&] {
          ++runs[3];
          return 0;
        }));
    for (int r : runs) ASSERT_EQ(r, 1);
  }
}

// result "knows the experiment's name" and "has the context from an
// experiment"
TEST_F(ScientistTest, ResultCarriesNameAndContext) {
  auto config = Config<int>();
  config.context = {{"foo", "bar"}, {"table", "users"}};
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  const ContextEntry run_context[] = {{"table", "users_v2"}, {"id", "7"}};
  run_.context = run_context;
  run_.flag = "users_v2";
  run_.user_id = "u-1";
  run_.stage = Stage::kLive;
  run_.control_side = Side::kNew;
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  const ResultRecord r = Published();
  EXPECT_EQ(r.experiment, "experiment");
  EXPECT_EQ(r.flag, "users_v2");
  EXPECT_EQ(r.user_id, "u-1");
  EXPECT_EQ(r.stage, Stage::kLive);
  EXPECT_EQ(r.control_side, Side::kNew);
  EXPECT_EQ(r.control.side, Side::kNew);
  EXPECT_EQ(r.candidate.side, Side::kOld);
  ASSERT_EQ(r.context.size(), 4u);
  EXPECT_EQ(r.context[0], (std::pair<std::string, std::string>{"foo", "bar"}));
  EXPECT_EQ(r.context[3], (std::pair<std::string, std::string>{"id", "7"}));
  EXPECT_NE(
      r.ToJson().find(R"("context":{"foo":"bar","table":"users_v2","id":"7"})"),
      std::string::npos)
      << r.ToJson();
}

TEST_F(ScientistTest, TheFlagDefaultsToTheExperimentName) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  EXPECT_EQ(Published().flag, "experiment");
  EXPECT_EQ(publisher_->Totals("experiment").get(StatsCounter::kMatches), 1u);
}

// "raising on mismatches: raises when there is a mismatch if raise on
// mismatches is enabled"
TEST_F(ScientistTest, RaiseOnMismatchThrowsMismatchError) {
  auto config = Config<std::string>();
  config.raise_on_mismatch = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_THROW(ex.Run(
                   run_, [] { return std::string("fine"); },
                   [] { return std::string("not fine"); }),
               MismatchError);
  EXPECT_EQ(Published().outcome, Outcome::kMismatch)
      << "the mismatch is published before it is raised";
}

// "cleans values when raising on observation mismatch"
TEST_F(ScientistTest, RaiseOnMismatchUsesCleanedValues) {
  auto config = Config<std::string>();
  config.raise_on_mismatch = true;
  config.clean_control = [](const std::string&) {
    return std::string("So Clean");
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  try {
    ex.Run(
        run_, [] { return std::string("fine"); },
        [] { return std::string("not fine"); });
    FAIL() << "no MismatchError";
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("So Clean"), std::string::npos)
        << e.what();
  }
}

// "doesn't raise when there is a mismatch if raise on mismatches is disabled"
TEST_F(ScientistTest, NoRaiseOnMismatchByDefault) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<std::string>()));
  EXPECT_EQ(ex.Run(
                run_, [] { return std::string("fine"); },
                [] { return std::string("not fine"); }),
            "fine");
}

// "raises a mismatch error if the control raises and candidate doesn't"
TEST_F(ScientistTest, RaiseOnMismatchWhenOnlyTheControlRaises) {
  auto config = Config<std::string>();
  config.raise_on_mismatch = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_THROW(
      ex.Run(
          run_, []() -> std::string { throw std::runtime_error("control"); },
          [] { return std::string("candidate"); }),
      MismatchError);
}

// "raises a mismatch error if the candidate raises and the control doesn't"
TEST_F(ScientistTest, RaiseOnMismatchWhenOnlyTheCandidateRaises) {
  auto config = Config<std::string>();
  config.raise_on_mismatch = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_THROW(
      ex.Run(
          run_, [] { return std::string("control"); },
          []() -> std::string { throw std::runtime_error("candidate"); }),
      MismatchError);
}

TEST_F(ScientistTest, RaiseOnMismatchDoesNotRaiseForIgnored) {
  auto config = Config<int>();
  config.raise_on_mismatch = true;
  config.ignore.push_back([](const int&, const int&) { return true; });
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; }, [] { return 2; }),
            1);
}

// "MismatchError has the name of the experiment", "includes the experiments'
// results", "formats nicely as a string"
TEST_F(ScientistTest, MismatchErrorCarriesNameResultAndAReadableMessage) {
  auto config = Config<std::string>();
  config.raise_on_mismatch = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  try {
    ex.Run(
        run_, [] { return std::string("foo"); },
        [] { return std::string("bar"); });
    FAIL() << "no MismatchError";
  } catch (const MismatchError& e) {
    EXPECT_EQ(e.name(), "experiment");
    EXPECT_EQ(e.result().outcome, Outcome::kMismatch);
    EXPECT_EQ(e.result().ToJson(), Published().ToJson());
    EXPECT_STREQ(e.what(),
                 "experiment 'experiment' observations mismatched:\n"
                 "control:\n  foo\ncandidate:\n  bar\n");
  }
}

// "includes the backtrace when an observation raises" (C++ exceptions carry no
// backtrace: the type and message are shown)
TEST_F(ScientistTest, MismatchErrorShowsTheCandidateException) {
  auto config = Config<std::string>();
  config.raise_on_mismatch = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  try {
    ex.Run(
        run_, [] { return std::string("value"); },
        []() -> std::string { throw std::runtime_error("error"); });
    FAIL() << "no MismatchError";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(),
                 "experiment 'experiment' observations mismatched:\n"
                 "control:\n  value\ncandidate:\n"
                 "  #<std::runtime_error: error>\n");
  }
}

// "before run block runs when an experiment is enabled"
TEST_F(ScientistTest, BeforeRunRunsBeforeBothBehaviours) {
  bool before = false;
  auto config = Config<bool>();
  config.before_run = [&] { before = true; };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  bool control_ok = false;
  bool candidate_ok = false;
  ex.Run(
      run_,
      [&] {
        control_ok = before;
        return true;
      },
      [&] {
        candidate_ok = before;
        return true;
      });
  EXPECT_TRUE(before);
  EXPECT_TRUE(control_ok);
  EXPECT_TRUE(candidate_ok);
}

// "before run block does not run when an experiment is disabled"
TEST_F(ScientistTest, BeforeRunDoesNotRunWhenNotSampled) {
  bool before = false;
  auto config = Config<int>();
  config.sample_rate = 0;
  config.before_run = [&] { before = true; };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  EXPECT_FALSE(before);
}

TEST_F(ScientistTest, BeforeRunDoesNotRunWhenRunIfSaysNo) {
  bool before = false;
  auto config = Config<int>();
  config.run_if = [] { return false; };
  config.before_run = [&] { before = true; };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  EXPECT_FALSE(before);
}

// observation "observes and records the execution of a block": wall time per
// observation (a lower bound only: sleeping guarantees at least that long).
TEST_F(ScientistTest, RecordsWallTimePerObservation) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(Config<int>()));
  ex.Run(
      run_, [] { return 1; },
      [] {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return 1;
      });
  const ResultRecord r = Published();
  EXPECT_GE(r.control.wall_ns, 0);
  EXPECT_GE(r.candidate.wall_ns, 5'000'000);
  EXPECT_EQ(r.candidate.cpu_ns, -1) << "CPU time is off by default";
}

TEST_F(ScientistTest, RecordsCpuTimeWhenAsked) {
  auto config = Config<int>();
  config.measure_cpu_time = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  const ResultRecord r = Published();
  EXPECT_GE(r.control.cpu_ns, 0);
  EXPECT_GE(r.candidate.cpu_ns, 0);
}

// A detailed compare's diff travels with the mismatch.
TEST_F(ScientistTest, DetailedCompareAttachesItsDiffToTheMismatch) {
  auto config = Config<int>();
  config.compare_detailed = [](const int& a, const int& b) {
    Comparison c;
    c.equal = a == b;
    if (!c.equal) c.diff_json = R"({"changed":{"value":[1,2]}})";
    return c;
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  ex.Run(
      run_, [] { return 1; }, [] { return 2; });
  const ResultRecord r = Published();
  EXPECT_EQ(r.outcome, Outcome::kMismatch);
  EXPECT_EQ(r.diff_json, R"({"changed":{"value":[1,2]}})");
  EXPECT_NE(r.ToJson().find(R"("diff":{"changed":{"value":[1,2]}})"),
            std::string::npos);
}

// Every callback's exception goes to `raised`, none escapes Run().
struct CallbackCase {
  const char* name;
  Operation operation;
  std::function<void(ExperimentConfig<int>*)> break_it;
  bool control_throws = false;
};

class CallbackFailureTest : public ScientistTest,
                            public ::testing::WithParamInterface<CallbackCase> {
};

TEST_P(CallbackFailureTest, GoesToRaisedAndNeverEscapes) {
  auto config = Config<int>();
  GetParam().break_it(&config);
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  const bool control_throws = GetParam().control_throws;
  auto control = [control_throws]() -> int {
    if (control_throws) throw std::logic_error("control");
    return 1;
  };
  auto candidate = [control_throws]() -> int {
    if (control_throws) throw std::logic_error("candidate");
    return 2;
  };
  if (control_throws) {
    EXPECT_THROW(ex.Run(run_, control, candidate), std::logic_error);
  } else {
    EXPECT_EQ(ex.Run(run_, control, candidate), 1);
  }
  const auto entries = raised_.entries();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().operation, GetParam().operation);
  EXPECT_EQ(entries.front().message, "broken");
  EXPECT_GE(ex.raised_count(), 1u);
}

void Broken() { throw std::runtime_error("broken"); }

INSTANTIATE_TEST_SUITE_P(
    EveryCallback, CallbackFailureTest,
    ::testing::Values(
        CallbackCase{"run_if", Operation::kRunIf,
                     [](ExperimentConfig<int>* c) {
                       c->run_if = []() -> bool {
                         Broken();
                         return true;
                       };
                     }},
        CallbackCase{
            "before_run", Operation::kBeforeRun,
            [](ExperimentConfig<int>* c) { c->before_run = [] { Broken(); }; }},
        CallbackCase{"compare", Operation::kCompare,
                     [](ExperimentConfig<int>* c) {
                       c->compare = [](const int&, const int&) -> bool {
                         Broken();
                         return true;
                       };
                     }},
        CallbackCase{"compare_detailed", Operation::kCompare,
                     [](ExperimentConfig<int>* c) {
                       c->compare_detailed = [](const int&,
                                                const int&) -> Comparison {
                         Broken();
                         return {};
                       };
                     }},
        CallbackCase{"compare_errors", Operation::kCompareErrors,
                     [](ExperimentConfig<int>* c) {
                       c->compare_errors = [](const ErrorInfo&,
                                              const ErrorInfo&) -> bool {
                         Broken();
                         return true;
                       };
                     },
                     /*control_throws=*/true},
        CallbackCase{"ignore", Operation::kIgnore,
                     [](ExperimentConfig<int>* c) {
                       c->ignore.push_back([](const int&, const int&) -> bool {
                         Broken();
                         return true;
                       });
                     }},
        CallbackCase{"clean", Operation::kClean,
                     [](ExperimentConfig<int>* c) {
                       c->clean_control = [](const int&) -> std::string {
                         Broken();
                         return "";
                       };
                     }},
        CallbackCase{"publish", Operation::kPublish,
                     [](ExperimentConfig<int>* c) {
                       class Throwing : public Publisher {
                        public:
                         void Publish(const ExperimentResult&) override {
                           Broken();
                         }
                       };
                       c->publisher = std::make_shared<Throwing>();
                     }}),
    [](const ::testing::TestParamInfo<CallbackCase>& info) {
      return std::string(info.param.name);
    });

TEST_F(ScientistTest, AThrowingRaisedHookDoesNotEscape) {
  auto config = Config<int>();
  config.compare = [](const int&, const int&) -> bool {
    throw std::runtime_error("compare");
  };
  config.raised = [](Operation, const ErrorInfo&) {
    throw std::runtime_error("hook");
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; }, [] { return 2; }),
            1);
  EXPECT_EQ(ex.raised_count(), 1u);
}

TEST_F(ScientistTest, DefaultRaisedHookCountsAndSwallows) {
  auto config = Config<int>();
  config.raised = nullptr;
  config.compare = [](const int&, const int&) -> bool {
    throw std::runtime_error("compare");
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto ex, Make(std::move(config)));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ex.Run(
                  run_, [] { return 1; }, [] { return 2; }),
              1);
  }
  EXPECT_EQ(ex.raised_count(), 3u);
}

}  // namespace
}  // namespace cutover
