// A background thread that writes to Redis in rounds: every interval, or at
// once when Flush asks, it calls the owner's round function with a
// connection; it connects on demand, reconnects with exponential backoff
// while Redis is unreachable, and lets Flush wait for a round that started
// after it was called. RedisReconcileLog and RedisOperationTracker are built
// on it: request threads hand their data over through lock-free structures
// and never wait for Redis; only this thread talks to it.
//
// Thread-safety: Flush and the accessors may be called from any thread. The
// round function runs on the writer thread only, one round at a time.
#ifndef CUTOVER_PERIODIC_REDIS_WRITER_H_
#define CUTOVER_PERIODIC_REDIS_WRITER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "cutover/logger.h"
#include "cutover/mutex.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_url.h"

namespace cutover {
inline namespace sdk {

class PeriodicRedisWriter {
 public:
  struct Options {
    RedisEndpoint endpoint;
    RedisOptions redis;
    std::chrono::milliseconds interval{100};
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    // Names the owner in log messages ("reconcile log").
    std::string what = "writer";
    std::shared_ptr<Logger> logger;  // unset: DefaultLogger()
  };

  // Writes what the owner has so far. OK means all of it is in Redis; an
  // error is retried next round (after a backoff). Must not throw.
  using Round = std::function<absl::Status(RedisConnection&)>;

  // Starts the thread; the first round runs after one interval. The options
  // must be valid (the owners validate them).
  PeriodicRedisWriter(Options options, Round round);
  // Stops the thread without a final round (call Flush first for one); may
  // wait for a round in flight, at most one Redis command timeout.
  ~PeriodicRedisWriter();
  PeriodicRedisWriter(const PeriodicRedisWriter&) = delete;
  PeriodicRedisWriter& operator=(const PeriodicRedisWriter&) = delete;

  // Runs a round now and waits, at most `timeout`, for a round that started
  // after this call. OK when it succeeded; its error (Unavailable when Redis
  // cannot be reached) when it failed; DeadlineExceeded when none finished
  // in time.
  absl::Status Flush(std::chrono::milliseconds timeout);

  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  // Rounds that failed since creation.
  std::uint64_t failures() const {
    return failures_.load(std::memory_order_relaxed);
  }

 private:
  void Run();
  absl::Status RoundWithConnection();

  const Options options_;
  const Round round_;
  const std::shared_ptr<Logger> logger_;
  std::unique_ptr<RedisConnection> connection_;  // writer thread only
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> failures_{0};

  Mutex mu_;
  CondVar cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  std::uint64_t requested_ ABSL_GUARDED_BY(mu_) = 0;
  // The newest request a finished round covered, and how it ended.
  std::uint64_t covered_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status covered_status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_PERIODIC_REDIS_WRITER_H_
