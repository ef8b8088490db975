// The bounded executor that runs concurrent-mode candidates: submission never
// blocks, a full queue refuses, shutdown drains or cancels within its
// deadline and survives a task that never returns.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "cutover/experiment_executor.h"
#include "support/notification.h"
#include "support/status_testing.h"

namespace cutover {
namespace {

constexpr absl::Duration kHangGuard = absl::Seconds(30);
constexpr int kProducers = 4;
constexpr int kTasks = 10'000;

class FnTask : public ExperimentExecutor::Task {
 public:
  FnTask(std::function<void()> run, std::function<void()> cancel = nullptr)
      : run_(std::move(run)), cancel_(std::move(cancel)) {}
  void Run() noexcept override { run_(); }
  void Cancel() noexcept override {
    if (cancel_) cancel_();
  }

 private:
  std::function<void()> run_;
  std::function<void()> cancel_;
};

std::unique_ptr<ExperimentExecutor::Task> Task(
    std::function<void()> run, std::function<void()> cancel = nullptr) {
  return std::make_unique<FnTask>(std::move(run), std::move(cancel));
}

absl::StatusOr<std::shared_ptr<ExperimentExecutor>> MakeExecutor(
    int workers, std::size_t capacity) {
  ExperimentExecutor::Options options;
  options.workers = workers;
  options.queue_capacity = capacity;
  return ExperimentExecutor::Create(options);
}

// Submits a task that holds a worker until `release` is notified.
void OccupyWorker(ExperimentExecutor& executor,
                  std::shared_ptr<cutover::testing::Notification> release) {
  auto started = std::make_shared<cutover::testing::Notification>();
  auto task = Task([started, release] {
    started->Notify();
    release->WaitForNotificationWithTimeout(kHangGuard);
  });
  ASSERT_TRUE(executor.TrySubmit(&task));
  ASSERT_TRUE(started->WaitForNotificationWithTimeout(kHangGuard));
}

TEST(ExperimentExecutorTest, RunsEverySubmittedTaskExactlyOnce) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto executor, MakeExecutor(2, 1024));
  std::vector<std::atomic<int>> runs(kProducers * kTasks);
  std::atomic<int> done{0};
  cutover::testing::Notification all_done;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kTasks; ++i) {
        const int id = p * kTasks + i;
        auto task = Task([&runs, &done, &all_done, id] {
          runs[id].fetch_add(1);
          if (done.fetch_add(1) + 1 == kProducers * kTasks) all_done.Notify();
        });
        // A full queue refuses; this producer retries (an experiment would
        // count a drop instead).
        while (!executor->TrySubmit(&task)) std::this_thread::yield();
        ASSERT_EQ(task, nullptr) << "an accepted task is taken";
      }
    });
  }
  for (auto& t : producers) t.join();
  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(kHangGuard));
  for (const auto& r : runs) ASSERT_EQ(r.load(), 1);
  // `completed` counts after Run() returns: let the workers get there.
  ASSERT_TRUE(executor
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                             std::chrono::seconds(30))
                  .ok());
  const auto stats = executor->stats();
  EXPECT_EQ(stats.submitted, static_cast<std::uint64_t>(kProducers * kTasks));
  EXPECT_EQ(stats.completed, stats.submitted);
}

TEST(ExperimentExecutorTest, AFullQueueRefusesAtOnceAndLeavesTheTask) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto executor, MakeExecutor(1, 2));
  auto release = std::make_shared<cutover::testing::Notification>();
  OccupyWorker(*executor, release);
  for (int i = 0; i < 2; ++i) {
    auto task = Task([] {});
    ASSERT_TRUE(executor->TrySubmit(&task));
  }
  auto refused = Task([] {});
  EXPECT_FALSE(executor->TrySubmit(&refused));
  EXPECT_NE(refused, nullptr) << "a refused task stays with the caller";
  EXPECT_EQ(executor->stats().rejected, 1u);
  EXPECT_EQ(executor->stats().queued, 2u);
  release->Notify();
}

TEST(ExperimentExecutorTest, ShutdownDrainRunsWhatIsQueued) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto executor, MakeExecutor(1, 8));
  auto release = std::make_shared<cutover::testing::Notification>();
  OccupyWorker(*executor, release);
  std::atomic<int> ran{0};
  std::atomic<int> cancelled{0};
  for (int i = 0; i < 3; ++i) {
    auto task = Task([&ran] { ran.fetch_add(1); },
                     [&cancelled] { cancelled.fetch_add(1); });
    ASSERT_TRUE(executor->TrySubmit(&task));
  }
  std::thread releaser([release] { release->Notify(); });
  EXPECT_TRUE(executor
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                             std::chrono::seconds(30))
                  .ok());
  releaser.join();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_EQ(cancelled.load(), 0);
}

TEST(ExperimentExecutorTest, ShutdownCancelCancelsWhatIsQueued) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto executor, MakeExecutor(1, 8));
  auto release = std::make_shared<cutover::testing::Notification>();
  OccupyWorker(*executor, release);
  std::atomic<int> ran{0};
  std::atomic<int> cancelled{0};
  for (int i = 0; i < 3; ++i) {
    auto task = Task([&ran] { ran.fetch_add(1); },
                     [&cancelled] { cancelled.fetch_add(1); });
    ASSERT_TRUE(executor->TrySubmit(&task));
  }
  // The running task may finish only once the queue was cancelled.
  std::thread releaser([release, &cancelled] {
    while (cancelled.load() < 3) std::this_thread::yield();
    release->Notify();
  });
  EXPECT_TRUE(executor
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kCancel,
                             std::chrono::seconds(30))
                  .ok());
  releaser.join();
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(cancelled.load(), 3);
  EXPECT_EQ(executor->stats().cancelled, 3u);
}

TEST(ExperimentExecutorTest, ShutdownIsBoundedEvenWithAStuckTask) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto executor, MakeExecutor(1, 8));
  auto release = std::make_shared<cutover::testing::Notification>();
  auto finished = std::make_shared<cutover::testing::Notification>();
  auto started = std::make_shared<cutover::testing::Notification>();
  auto stuck = Task([release, finished, started] {
    started->Notify();
    release->WaitForNotificationWithTimeout(kHangGuard);
    finished->Notify();
  });
  ASSERT_TRUE(executor->TrySubmit(&stuck));
  ASSERT_TRUE(started->WaitForNotificationWithTimeout(kHangGuard));
  std::atomic<int> cancelled{0};
  auto queued = Task([] {}, [&cancelled] { cancelled.fetch_add(1); });
  ASSERT_TRUE(executor->TrySubmit(&queued));

  const absl::Status status = executor->Shutdown(
      ExperimentExecutor::ShutdownMode::kDrain, std::chrono::milliseconds(100));
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_NE(std::string(status.message()).find("1 worker(s)"),
            std::string::npos)
      << status;
  EXPECT_EQ(cancelled.load(), 1) << "queued work that missed the deadline";
  EXPECT_FALSE(finished->HasBeenNotified());
  // The detached worker still finishes its task safely.
  executor.reset();
  release->Notify();
  EXPECT_TRUE(finished->WaitForNotificationWithTimeout(kHangGuard));
}

TEST(ExperimentExecutorTest, SubmitAfterShutdownIsRefused) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(auto executor, MakeExecutor(2, 8));
  ASSERT_TRUE(executor
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                             std::chrono::seconds(10))
                  .ok());
  auto task = Task([] {});
  EXPECT_FALSE(executor->TrySubmit(&task));
  EXPECT_NE(task, nullptr);
  EXPECT_TRUE(executor
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                             std::chrono::seconds(10))
                  .ok())
      << "a second shutdown is a no-op";
}

TEST(ExperimentExecutorTest, DestructionDrainsTheQueue) {
  std::atomic<int> ran{0};
  {
    CUTOVER_ASSERT_OK_AND_ASSIGN(auto executor, MakeExecutor(1, 64));
    for (int i = 0; i < 50; ++i) {
      auto task = Task([&ran] { ran.fetch_add(1); });
      ASSERT_TRUE(executor->TrySubmit(&task));
    }
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(ExperimentExecutorTest, IdleWorkersParkAndWakeForNewWork) {
  ExperimentExecutor::Options options;
  options.workers = 1;
  options.idle_spin = std::chrono::microseconds(0);  // park immediately
  auto executor = ExperimentExecutor::Create(options).value();
  for (int i = 0; i < 20; ++i) {
    cutover::testing::Notification ran;
    auto task = Task([&ran] { ran.Notify(); });
    ASSERT_TRUE(executor->TrySubmit(&task));
    ASSERT_TRUE(ran.WaitForNotificationWithTimeout(kHangGuard));
    // Give the worker time to park again before the next submission.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST(ExperimentExecutorTest, DefaultExecutorIsSharedAndWorks) {
  auto a = DefaultExperimentExecutor();
  auto b = DefaultExperimentExecutor();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->workers(), 2);
  cutover::testing::Notification ran;
  auto task = Task([&ran] { ran.Notify(); });
  ASSERT_TRUE(a->TrySubmit(&task));
  EXPECT_TRUE(ran.WaitForNotificationWithTimeout(kHangGuard));
}

struct BadOptionsCase {
  const char* name;
  ExperimentExecutor::Options options;
  const char* mentions;
};

class ExecutorOptionsTest : public ::testing::TestWithParam<BadOptionsCase> {};

TEST_P(ExecutorOptionsTest, CreateRefusesAndNamesTheOption) {
  auto created = ExperimentExecutor::Create(GetParam().options);
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(created.status()));
  EXPECT_NE(std::string(created.status().message()).find(GetParam().mentions),
            std::string::npos)
      << created.status();
}

ExperimentExecutor::Options With(
    std::function<void(ExperimentExecutor::Options*)> f) {
  ExperimentExecutor::Options o;
  f(&o);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    BadOptions, ExecutorOptionsTest,
    ::testing::Values(
        BadOptionsCase{"no_workers", With([](auto* o) { o->workers = 0; }),
                       "workers"},
        BadOptionsCase{"too_many_workers",
                       With([](auto* o) { o->workers = 1000; }), "workers"},
        BadOptionsCase{"no_queue", With([](auto* o) { o->queue_capacity = 0; }),
                       "queue_capacity"},
        BadOptionsCase{"negative_spin", With([](auto* o) {
                         o->idle_spin = std::chrono::microseconds(-1);
                       }),
                       "idle_spin"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace cutover
