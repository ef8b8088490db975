// RedisReconcileLog when its queue overflows (no Redis needed: the URL points
// at a port nothing listens on, so nothing drains the queue): every drop is
// counted exactly, the request thread never logs, and the writer thread
// reports the drops in aggregate, at most once per drop_report_interval.
#include "cutover/redis_reconcile_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cutover/internal/strings.h"
#include "cutover/mutex.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kReport =
    "reconcile entries dropped since last report";

// Remembers every line and the thread that logged it.
class RecordingLogger : public Logger {
 public:
  struct Line {
    std::thread::id thread;
    std::string text;
  };

  void Log(LogLevel, std::string_view message) override {
    MutexLock lock(&mu_);
    lines_.push_back(Line{std::this_thread::get_id(), std::string(message)});
  }

  std::size_t LinesFrom(std::thread::id thread) {
    MutexLock lock(&mu_);
    std::size_t n = 0;
    for (const Line& line : lines_) n += line.thread == thread ? 1 : 0;
    return n;
  }

  // The drop reports so far, in order.
  std::vector<Line> Reports() {
    MutexLock lock(&mu_);
    std::vector<Line> out;
    for (const Line& line : lines_) {
      if (line.text.find(kReport) != std::string::npos) out.push_back(line);
    }
    return out;
  }

 private:
  Mutex mu_;
  std::vector<Line> lines_ ABSL_GUARDED_BY(mu_);
};

ReconcileEntry Entry(int i) {
  ReconcileEntry e;
  e.flag = "pair_membership";
  e.key = std::to_string(i);
  e.operation = "join_pair";
  e.error = "insert or update on table \"user_pair\" violates foreign key";
  e.stage = Stage::kShadow;
  e.side = Side::kNew;
  return e;
}

// Polls `done` until it holds or a generous deadline passes.
template <typename Done>
bool Eventually(Done done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(RedisReconcileLogTest,
     DropsAreCountedOnTheRequestPathAndReportedByTheWriter) {
  auto logger = std::make_shared<RecordingLogger>();
  RedisReconcileLog::Options options;
  options.redis_url = "redis://127.0.0.1:1";
  options.queue_capacity = 2;
  // Only Flush and the retry delays run rounds, and only one report fits in
  // the test's lifetime until the destructor's final one.
  options.flush_interval = milliseconds(3'600'000);
  options.drop_report_interval = milliseconds(3'600'000);
  options.shutdown_timeout = milliseconds(100);
  options.redis.connect_timeout = milliseconds(200);
  options.logger = logger;
  auto created = RedisReconcileLog::Create(options);
  ASSERT_TRUE(created.ok()) << created.status();
  std::shared_ptr<RedisReconcileLog> log = *std::move(created);
  const std::thread::id request_thread = std::this_thread::get_id();

  for (int i = 0; i < 1000; ++i) log->Append(Entry(i));
  EXPECT_EQ(log->stats().appended, 2u);
  EXPECT_EQ(log->stats().dropped, 998u);
  EXPECT_EQ(logger->LinesFrom(request_thread), 0u)
      << "Append logged on the request thread";

  // A round reports the drops so far, once, from the writer thread.
  (void)log->Flush(milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return !logger->Reports().empty(); }));
  std::vector<RecordingLogger::Line> reports = logger->Reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].thread, request_thread);
  EXPECT_NE(reports[0].text.find("998 reconcile entries dropped"),
            std::string::npos)
      << reports[0].text;

  // More drops (the writer's retry rounds may make room for a few): every
  // Append is accepted or counted as dropped, and the drops are not reported
  // again within the interval however many rounds run. The second failed
  // round after this point started after the drops, so it collected them.
  const std::uint64_t failures_before = log->stats().write_failures;
  for (int i = 0; i < 500; ++i) log->Append(Entry(i));
  const RedisReconcileLog::Stats stats = log->stats();
  EXPECT_EQ(stats.appended + stats.dropped, 1500u);
  EXPECT_GE(stats.dropped, 998u + 400u);
  (void)log->Flush(milliseconds(1));
  ASSERT_TRUE(Eventually(
      [&] { return log->stats().write_failures >= failures_before + 2; }));
  EXPECT_EQ(logger->Reports().size(), 1u);
  EXPECT_EQ(logger->LinesFrom(request_thread), 0u);

  // Shutting down reports what was not reported yet.
  log.reset();
  reports = logger->Reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_NE(reports[1].text.find(
                StrCat(stats.dropped - 998, " reconcile entries dropped")),
            std::string::npos)
      << reports[1].text;
}

}  // namespace
}  // namespace cutover
