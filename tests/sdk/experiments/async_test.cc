// Concurrent mode: the candidate runs on the bounded executor, the caller
// never waits for it. Every ordering claim here is made with events
// (notifications the test controls), not with timing thresholds; the only
// timeouts are hang guards.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "cutover/experiment.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/mutex.h"
#include "support/notification.h"

namespace cutover {
namespace {

constexpr absl::Duration kHangGuard = absl::Seconds(30);

// An InMemoryPublisher that lets a test wait for the n-th result and tells
// which thread published.
class WaitablePublisher : public Publisher {
 public:
  void Publish(const ExperimentResult& result) override {
    inner_.Publish(result);
    MutexLock lock(&mu_);
    threads_.push_back(std::this_thread::get_id());
    ++count_;
  }

  // Waits until `n` results were published; false after the hang guard.
  bool WaitFor(int n) {
    MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return count_ >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kHangGuard);
  }

  int count() {
    MutexLock lock(&mu_);
    return count_;
  }
  std::vector<std::thread::id> threads() {
    MutexLock lock(&mu_);
    return threads_;
  }
  InMemoryPublisher& inner() { return inner_; }

 private:
  InMemoryPublisher inner_{InMemoryPublisher::Options{1000, true}};
  Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
};

class AsyncExperimentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ExperimentExecutor::Options options;
    options.workers = 1;
    options.queue_capacity = 2;
    executor_ = ExperimentExecutor::Create(options).value();
  }
  void TearDown() override {
    if (executor_) {
      executor_
          ->Shutdown(ExperimentExecutor::ShutdownMode::kCancel,
                     std::chrono::seconds(10))
          .IgnoreError();
    }
  }

  template <typename C = int>
  Experiment<C> Make(
      std::chrono::microseconds deadline = std::chrono::seconds(30)) {
    ExperimentConfig<C> config;
    config.name = "async";
    config.mode = ExecutionMode::kConcurrent;
    config.publisher = publisher_;
    config.executor = executor_;
    config.deadline = deadline;
    return Experiment<C>::Create(std::move(config)).value();
  }

  ResultRecord Last() {
    auto last = publisher_->inner().LastResult();
    EXPECT_TRUE(last.has_value());
    return last.value_or(ResultRecord{});
  }

  std::shared_ptr<WaitablePublisher> publisher_ =
      std::make_shared<WaitablePublisher>();
  std::shared_ptr<ExperimentExecutor> executor_;
  RunContext run_;
};

TEST_F(AsyncExperimentTest, CallerReturnsBeforeASlowCandidateFinishes) {
  auto ex = Make();
  auto release = std::make_shared<cutover::testing::Notification>();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  // The candidate would sleep 200 ms, but cannot finish before the test
  // releases it, which happens only after Run() returned: if Run() waited for
  // it, `finished` would already be true below (after the hang guard).
  const int value = ex.Run(
      run_, [] { return 1; },
      [release, finished] {
        release->WaitForNotificationWithTimeout(absl::Milliseconds(200) +
                                                kHangGuard);
        finished->store(true);
        return 1;
      });
  EXPECT_EQ(value, 1);
  EXPECT_FALSE(finished->load()) << "Run() waited for the candidate";
  EXPECT_EQ(publisher_->count(), 0) << "published before the candidate ran";
  release->Notify();
  ASSERT_TRUE(publisher_->WaitFor(1));
  EXPECT_TRUE(finished->load());
  EXPECT_EQ(Last().outcome, Outcome::kMatch);
}

TEST_F(AsyncExperimentTest, ACandidateSleeping200MsIsComparedLater) {
  auto ex = Make();
  auto returned = std::make_shared<cutover::testing::Notification>();
  auto finished_after_return = std::make_shared<std::atomic<bool>>(false);
  EXPECT_EQ(ex.Run(
                run_, [] { return 7; },
                [returned, finished_after_return] {
                  std::this_thread::sleep_for(std::chrono::milliseconds(200));
                  // Had Run() waited for this candidate, `returned` could not
                  // be notified yet: the wait would end at the hang guard.
                  finished_after_return->store(
                      returned->WaitForNotificationWithTimeout(kHangGuard));
                  return 8;
                }),
            7);
  returned->Notify();
  ASSERT_TRUE(publisher_->WaitFor(1));
  EXPECT_TRUE(finished_after_return->load())
      << "the candidate finished before Run() returned";
  const ResultRecord r = Last();
  EXPECT_EQ(r.outcome, Outcome::kMismatch);
  EXPECT_GE(r.candidate.wall_ns, 200'000'000);
}

TEST_F(AsyncExperimentTest, ComparisonAndPublishingRunOffTheCallersThread) {
  ExperimentConfig<int> config;
  config.name = "async";
  config.mode = ExecutionMode::kConcurrent;
  config.publisher = publisher_;
  config.executor = executor_;
  auto compare_thread = std::make_shared<std::thread::id>();
  config.compare = [compare_thread](const int& a, const int& b) {
    *compare_thread = std::this_thread::get_id();
    return a == b;
  };
  auto ex = Experiment<int>::Create(std::move(config)).value();
  ex.Run(
      run_, [] { return 1; }, [] { return 1; });
  ASSERT_TRUE(publisher_->WaitFor(1));
  EXPECT_NE(*compare_thread, std::this_thread::get_id());
  EXPECT_NE(publisher_->threads()[0], std::this_thread::get_id());
}

TEST_F(AsyncExperimentTest, ALateCandidateIsPublishedAsATimeout) {
  auto ex = Make(std::chrono::milliseconds(20));
  auto started = std::make_shared<cutover::testing::Notification>();
  auto release = std::make_shared<cutover::testing::Notification>();
  ex.Run(
      run_, [] { return 1; },
      [started, release] {
        started->Notify();
        release->WaitForNotificationWithTimeout(kHangGuard);
        return 1;
      });
  // Whether or not the worker got to it in time, the candidate cannot finish
  // before this sleep ends, which is well past its deadline.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release->Notify();
  ASSERT_TRUE(publisher_->WaitFor(1));
  const ResultRecord r = Last();
  EXPECT_EQ(r.outcome, Outcome::kTimeout);
  // It ran (late) if it started; on a very busy machine it may have expired
  // in the queue instead. Either way it is a timeout.
  EXPECT_EQ(r.candidate.ran, started->HasBeenNotified());
  EXPECT_EQ(publisher_->inner().Totals("async").get(StatsCounter::kTimeouts),
            1u);
  EXPECT_EQ(publisher_->inner().Totals("async").get(StatsCounter::kComparisons),
            0u)
      << "a timeout is not compared";
}

TEST_F(AsyncExperimentTest, ACandidateThatExpiredInTheQueueNeverRuns) {
  auto blocking = Make();  // a generous deadline: it must get to run
  auto hasty = Make(std::chrono::milliseconds(1));
  auto started = std::make_shared<cutover::testing::Notification>();
  auto release = std::make_shared<cutover::testing::Notification>();
  // Occupies the only worker.
  blocking.Run(
      run_, [] { return 1; },
      [started, release] {
        started->Notify();
        release->WaitForNotificationWithTimeout(kHangGuard);
        return 1;
      });
  ASSERT_TRUE(started->WaitForNotificationWithTimeout(kHangGuard));
  auto second_ran = std::make_shared<std::atomic<bool>>(false);
  hasty.Run(
      run_, [] { return 2; },
      [second_ran] {
        second_ran->store(true);
        return 2;
      });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release->Notify();
  ASSERT_TRUE(publisher_->WaitFor(2));
  const auto results = publisher_->inner().RecentResults();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, Outcome::kMatch);
  EXPECT_EQ(results[1].outcome, Outcome::kTimeout);
  EXPECT_FALSE(results[1].candidate.ran);
  EXPECT_FALSE(second_ran->load());
}

TEST_F(AsyncExperimentTest, ASaturatedQueueDropsAndCounts) {
  auto ex = Make();
  auto started = std::make_shared<cutover::testing::Notification>();
  auto release = std::make_shared<cutover::testing::Notification>();
  auto blocker = [started, release] {
    started->Notify();
    release->WaitForNotificationWithTimeout(kHangGuard);
    return 1;
  };
  ex.Run(
      run_, [] { return 1; }, blocker);
  ASSERT_TRUE(started->WaitForNotificationWithTimeout(kHangGuard));
  // The worker is busy: two candidates fill the queue (capacity 2), three more
  // are dropped at once, on this thread.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ex.Run(
                  run_, [i] { return i; }, [i] { return i; }),
              i);
  }
  EXPECT_EQ(executor_->stats().rejected, 3u);
  EXPECT_EQ(publisher_->count(), 3) << "drops are published immediately";
  EXPECT_EQ(publisher_->inner().Totals("async").get(StatsCounter::kDropped),
            3u);
  for (const ResultRecord& r : publisher_->inner().RecentResults()) {
    EXPECT_EQ(r.outcome, Outcome::kDropped);
    EXPECT_FALSE(r.candidate.ran);
  }
  release->Notify();
  ASSERT_TRUE(publisher_->WaitFor(6));
  EXPECT_EQ(publisher_->inner().Totals("async").get(StatsCounter::kMatches),
            3u);
}

TEST_F(AsyncExperimentTest, TheControlExceptionIsRethrownAtOnce) {
  auto ex = Make();
  auto release = std::make_shared<cutover::testing::Notification>();
  EXPECT_THROW(ex.Run(
                   run_, []() -> int { throw std::runtime_error("control"); },
                   [release] {
                     release->WaitForNotificationWithTimeout(kHangGuard);
                     return 1;
                   }),
               std::runtime_error);
  release->Notify();
  ASSERT_TRUE(publisher_->WaitFor(1));
  EXPECT_EQ(Last().outcome, Outcome::kControlError);
}

TEST_F(AsyncExperimentTest, ACandidateExceptionIsContained) {
  auto ex = Make();
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; },
                []() -> int { throw std::runtime_error("candidate"); }),
            1);
  ASSERT_TRUE(publisher_->WaitFor(1));
  EXPECT_EQ(Last().outcome, Outcome::kCandidateError);
  EXPECT_EQ(Last().candidate.error_message, "candidate");
}

TEST_F(AsyncExperimentTest, TheRunIsCopiedForTheCandidate) {
  auto ex = Make();
  auto release = std::make_shared<cutover::testing::Notification>();
  {
    // Everything the run borrows dies before the candidate runs.
    std::string flag = "flag_copied_for_the_candidate";
    std::string user = "user-with-a-long-id-0123456789";
    std::string key = "table";
    std::string value = "users";
    const ContextEntry context[] = {{key, value}};
    RunContext run;
    run.flag = flag;
    run.user_id = user;
    run.stage = Stage::kLive;
    run.control_side = Side::kNew;
    run.context = context;
    ex.Run(
        run, [] { return 1; },
        [release] {
          release->WaitForNotificationWithTimeout(kHangGuard);
          return 1;
        });
    flag.assign(flag.size(), 'x');
    user.assign(user.size(), 'x');
    key.assign(key.size(), 'x');
    value.assign(value.size(), 'x');
  }
  release->Notify();
  ASSERT_TRUE(publisher_->WaitFor(1));
  const ResultRecord r = Last();
  EXPECT_EQ(r.flag, "flag_copied_for_the_candidate");
  EXPECT_EQ(r.user_id, "user-with-a-long-id-0123456789");
  EXPECT_EQ(r.stage, Stage::kLive);
  EXPECT_EQ(r.control_side, Side::kNew);
  ASSERT_EQ(r.context.size(), 1u);
  EXPECT_EQ(r.context[0].first, "table");
  EXPECT_EQ(r.context[0].second, "users");
}

TEST_F(AsyncExperimentTest, ARunCanAskForConcurrentModeItself) {
  ExperimentConfig<int> config;
  config.name = "async";
  config.mode = ExecutionMode::kSerial;
  config.publisher = publisher_;
  config.executor = executor_;
  auto ex = Experiment<int>::Create(std::move(config)).value();
  auto release = std::make_shared<cutover::testing::Notification>();
  run_.mode = ExecutionMode::kConcurrent;
  ex.Run(
      run_, [] { return 1; },
      [release] {
        release->WaitForNotificationWithTimeout(kHangGuard);
        return 1;
      });
  EXPECT_EQ(publisher_->count(), 0);
  release->Notify();
  ASSERT_TRUE(publisher_->WaitFor(1));
}

TEST_F(AsyncExperimentTest, RaiseOnMismatchDoesNotApplyToConcurrentRuns) {
  ExperimentConfig<int> config;
  config.name = "async";
  config.mode = ExecutionMode::kConcurrent;
  config.raise_on_mismatch = true;
  config.publisher = publisher_;
  config.executor = executor_;
  auto ex = Experiment<int>::Create(std::move(config)).value();
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; }, [] { return 2; }),
            1);
  ASSERT_TRUE(publisher_->WaitFor(1));
  EXPECT_EQ(Last().outcome, Outcome::kMismatch);
}

TEST_F(AsyncExperimentTest, AfterShutdownCandidatesAreDropped) {
  auto ex = Make();
  ASSERT_TRUE(executor_
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                             std::chrono::seconds(10))
                  .ok());
  EXPECT_EQ(ex.Run(
                run_, [] { return 1; }, [] { return 1; }),
            1);
  EXPECT_EQ(publisher_->count(), 1);
  EXPECT_EQ(Last().outcome, Outcome::kDropped);
}

TEST_F(AsyncExperimentTest, ShutdownCancelPublishesQueuedCandidatesAsDropped) {
  auto ex = Make();
  auto started = std::make_shared<cutover::testing::Notification>();
  auto release = std::make_shared<cutover::testing::Notification>();
  ex.Run(
      run_, [] { return 1; },
      [started, release] {
        started->Notify();
        release->WaitForNotificationWithTimeout(kHangGuard);
        return 1;
      });
  ASSERT_TRUE(started->WaitForNotificationWithTimeout(kHangGuard));
  ex.Run(
      run_, [] { return 2; }, [] { return 2; });
  ex.Run(
      run_, [] { return 3; }, [] { return 3; });
  // The running candidate may finish only once the queue was cancelled.
  std::thread releaser([this, release] {
    while (publisher_->inner().Totals("async").get(StatsCounter::kDropped) <
           2) {
      std::this_thread::yield();
    }
    release->Notify();
  });
  EXPECT_TRUE(executor_
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kCancel,
                             std::chrono::seconds(10))
                  .ok());
  releaser.join();
  ASSERT_TRUE(publisher_->WaitFor(3));
  const MinuteCounters totals = publisher_->inner().Totals("async");
  EXPECT_EQ(totals.get(StatsCounter::kDropped), 2u);
  EXPECT_EQ(totals.get(StatsCounter::kMatches), 1u)
      << "the running candidate finished and was compared";
}

}  // namespace
}  // namespace cutover
