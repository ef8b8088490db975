// cutover::Mutex and friends: abseil's types in a normal build, a standard
// library implementation under ThreadSanitizer. The same tests run in both.
#include "cutover/mutex.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "support/notification.h"

namespace cutover {
namespace {

// Long enough that a broken wake-up fails the test instead of hanging it.
constexpr absl::Duration kHangGuard = absl::Seconds(10);

TEST(MutexTest, GuardsACounterAcrossThreads) {
  Mutex mu;
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        MutexLock lock(&mu);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ReaderMutexLock lock(&mu);
  EXPECT_EQ(counter, 40000);
}

TEST(MutexTest, AwaitReturnsOnceAnotherThreadMakesTheConditionTrue) {
  Mutex mu;
  bool ready = false;
  std::thread setter([&] {
    absl::SleepFor(absl::Milliseconds(20));
    MutexLock lock(&mu);
    ready = true;
  });
  {
    MutexLock lock(&mu);
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&ready), kHangGuard));
    EXPECT_TRUE(ready);  // still held: reading is safe
  }
  setter.join();
}

TEST(MutexTest, AwaitTimesOutWhenTheConditionNeverHolds) {
  Mutex mu;
  bool never = false;
  MutexLock lock(&mu);
  EXPECT_FALSE(
      mu.AwaitWithTimeout(absl::Condition(&never), absl::Milliseconds(30)));
  EXPECT_FALSE(mu.AwaitWithDeadline(absl::Condition(&never),
                                    absl::Now() - absl::Seconds(1)));
}

TEST(MutexTest, AwaitWithAnAlreadyTrueConditionReturnsAtOnce) {
  Mutex mu;
  bool ready = true;
  MutexLock lock(&mu);
  EXPECT_TRUE(
      mu.AwaitWithDeadline(absl::Condition(&ready), absl::InfiniteFuture()));
}

TEST(CondVarTest, SignalWakesAWaiter) {
  Mutex mu;
  CondVar cv;
  bool signalled = false;
  std::thread signaller([&] {
    absl::SleepFor(absl::Milliseconds(20));
    MutexLock lock(&mu);
    signalled = true;
    cv.Signal();
  });
  {
    MutexLock lock(&mu);
    const absl::Time deadline = absl::Now() + kHangGuard;
    while (!signalled && absl::Now() < deadline) {
      cv.WaitWithDeadline(&mu, deadline);
    }
    EXPECT_TRUE(signalled);
  }
  signaller.join();
}

TEST(CondVarTest, WaitWithTimeoutReportsExpiryWithoutASignal) {
  Mutex mu;
  CondVar cv;
  MutexLock lock(&mu);
  EXPECT_TRUE(cv.WaitWithTimeout(&mu, absl::Milliseconds(10)));
}

TEST(NotificationTest, WaitSeesANotifyFromAnotherThread) {
  testing::Notification done;
  EXPECT_FALSE(done.HasBeenNotified());
  EXPECT_FALSE(done.WaitForNotificationWithTimeout(absl::Milliseconds(5)));
  std::thread notifier([&] { done.Notify(); });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(kHangGuard));
  EXPECT_TRUE(done.HasBeenNotified());
  notifier.join();
}

}  // namespace
}  // namespace cutover
