// The background thread behind every SDK component whose callers must never
// wait for Redis: RedisPublisher, RedisOperationTracker and RedisReconcileLog.
// Request threads hand their data to the owner through lock-free structures;
// this thread runs the owner's Task in rounds, every interval or at once when
// woken or flushed:
//
//   collect()  takes over what request threads handed in, connected or not,
//              so bounded buffers keep draining while Redis is away;
//   write()    writes it over the one connection this thread owns, made on
//              demand.
//
// After a failed round it waits before touching Redis again, for a delay drawn
// by RetryPolicy (exponential, capped, full jitter), so application servers
// that lost Redis together do not all reconnect at the same moment. Collecting
// goes on every interval meanwhile. One warning is logged per outage.
//
// Thread-safety: Wake, Flush and the accessors may be called from any thread;
// Wake only signals the thread (a brief lock, never held while Redis is
// talked to). The task's functions run on the writer thread only, one round
// at a time.
#ifndef CUTOVER_SDK_REDIS_REDIS_BACKGROUND_WRITER_H_
#define CUTOVER_SDK_REDIS_REDIS_BACKGROUND_WRITER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cutover/logger.h"
#include "cutover/mutex.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_url.h"
#include "cutover/retry_policy.h"

namespace cutover {
inline namespace sdk {

class RedisBackgroundWriter {
 public:
  struct Options {
    RedisEndpoint endpoint;
    RedisOptions redis;
    // Time between rounds when nothing hurries them.
    std::chrono::milliseconds interval{100};
    // The wait before reconnecting (or rewriting) after a failed round.
    // max_retries is ignored: the writer retries for as long as it runs.
    RetryOptions retry;
    // Names the owner in log messages and errors ("reconcile log").
    std::string what = "writer";
    // Ends the outage warning: what the owner does until Redis is back.
    std::string while_unreachable = "retrying";
    std::shared_ptr<Logger> logger;  // unset: DefaultLogger()
    RetryRandom random;              // jitter; unset: seeded per writer
  };

  // The owner's half of a round. Both run on the writer thread and must not
  // throw.
  struct Task {
    // Takes over what request threads handed in since the last round and
    // does what needs no Redis (limits, drop reports). Runs every round,
    // connected or not. Returns true when something waits to be written.
    std::function<bool()> collect;
    // Writes what collect took. OK when nothing is left pending; an error
    // keeps the rest for a later round, after the retry delay.
    std::function<absl::Status(RedisConnection&)> write;
  };

  // Starts the thread; the first round runs after one interval unless woken
  // or flushed sooner. The options must be valid (the owners validate them:
  // a positive interval, ValidateRetryOptions).
  RedisBackgroundWriter(Options options, Task task);
  // Stops the thread without a final round (Flush first for one); may wait
  // for a round in flight, at most about one Redis command timeout.
  ~RedisBackgroundWriter();
  RedisBackgroundWriter(const RedisBackgroundWriter&) = delete;
  RedisBackgroundWriter& operator=(const RedisBackgroundWriter&) = delete;

  // Asks for a round now instead of at the next interval; a writer waiting
  // out a retry delay keeps waiting. Returns at once.
  void Wake();

  // Asks for a round now, retrying at once even during a retry delay, and
  // waits at most `timeout` for a round started after this call to leave
  // nothing pending. Failed rounds are retried meanwhile with the policy's
  // delays. OK on success; otherwise the last failed round's error
  // (Unavailable when Redis cannot be reached), or DeadlineExceeded when no
  // round failed but none finished in time.
  absl::Status Flush(std::chrono::milliseconds timeout);

  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  // Rounds whose connecting or writing failed, since creation.
  std::uint64_t failures() const {
    return failures_.load(std::memory_order_relaxed);
  }
  // Successful connections, since creation.
  std::uint64_t connects() const {
    return connects_.load(std::memory_order_relaxed);
  }

 private:
  void Run();
  // One round; `flush` skips the retry delay.
  absl::Status Round(bool flush);
  absl::Status ConnectAndWrite();

  const Options options_;
  const Task task_;
  const std::shared_ptr<Logger> logger_;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> connects_{0};

  // Writer thread only.
  std::unique_ptr<RedisConnection> connection_;
  RetryPolicy retry_;
  absl::Time retry_at_ = absl::InfinitePast();
  bool retry_waiting_ = false;  // the last round left data for a retry
  bool outage_ = false;         // warned, not yet reachable again
  absl::Status last_failure_;

  Mutex mu_;
  CondVar cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  std::uint64_t flush_requested_ ABSL_GUARDED_BY(mu_) = 0;
  // The newest flush request a successful round covered.
  std::uint64_t flush_done_ ABSL_GUARDED_BY(mu_) = 0;
  // The last round's outcome as plain data, not an absl::Status: a Status copied
  // across threads shares its heap rep through a reference count inside Debian's
  // uninstrumented libabsl, which ThreadSanitizer cannot see.
  absl::StatusCode last_code_ ABSL_GUARDED_BY(mu_) = absl::StatusCode::kOk;
  std::string last_message_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_SDK_REDIS_REDIS_BACKGROUND_WRITER_H_
