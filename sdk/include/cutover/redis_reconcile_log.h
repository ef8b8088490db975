// The reconcile log in Redis: every entry is appended (XADD) to
// <prefix>reconcile:<flag> (reconcile_entry.h has the fields) by a background
// thread, so a request thread that records a failed write never waits for
// Redis.
//
// Append copies the entry into a bounded lock-free queue. The writer thread
// drains it every flush_interval (or when Flush is called) and pipelines the
// XADDs in one round trip per batch. When Redis is unreachable the entries
// wait (up to queue_capacity in the queue plus max_pending taken out of it)
// and are written once it is back; the writer reconnects with the retry
// policy (retry_policy.h). Beyond those limits an entry is dropped and
// counted (stats().dropped); Append never logs, since a request thread must
// not pay for a log line per drop while the queue is full. The writer thread
// reports the drops instead, at error level and at most once per
// drop_report_interval ("N reconcile entries dropped since last report"):
// the rows they named are found again by `cutover verify`. The stream is
// never trimmed: every entry is a row that may differ.
//
// Thread-safety: every method may be called from any thread.
#ifndef CUTOVER_REDIS_RECONCILE_LOG_H_
#define CUTOVER_REDIS_RECONCILE_LOG_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cutover/bounded_queue.h"
#include "cutover/logger.h"
#include "cutover/reconcile_log.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_keys.h"
#include "cutover/redis_url.h"
#include "cutover/retry_policy.h"

namespace cutover {
inline namespace sdk {

class RedisBackgroundWriter;

class RedisReconcileLog : public ReconcileLog {
 public:
  struct Options {
    std::string redis_url = std::string(kDefaultRedisUrl);
    std::string prefix = std::string(kDefaultPrefix);
    // Entries waiting for the writer (rounded up to a power of two).
    std::size_t queue_capacity = 4096;
    // Entries taken from the queue but not yet written (Redis down).
    std::size_t max_pending = 65536;
    std::chrono::milliseconds flush_interval{100};
    // How the writer waits before reconnecting after a failure.
    RetryOptions reconnect;
    // Dropped entries are reported at most once per interval.
    std::chrono::milliseconds drop_report_interval{10000};
    // The destructor's Flush timeout.
    std::chrono::milliseconds shutdown_timeout{2000};
    RedisOptions redis;
    std::shared_ptr<Logger> logger;  // unset: DefaultLogger()
  };

  struct Stats {
    std::uint64_t appended = 0;        // accepted by Append
    std::uint64_t written = 0;         // stored in Redis
    std::uint64_t dropped = 0;         // queue or pending limit full: lost
    std::uint64_t write_failures = 0;  // round trips that failed
    std::size_t pending = 0;           // accepted, not yet written
    bool connected = false;
  };

  // Validates the options (InvalidArgument naming the option or the URL's
  // error) and starts the writer thread; Redis need not be up yet.
  static absl::StatusOr<std::shared_ptr<RedisReconcileLog>> Create(
      Options options);

  // Flush(shutdown_timeout), then stops the writer; what is still unwritten is
  // logged (count and keys) as lost, and drops not reported yet are.
  ~RedisReconcileLog() override;
  RedisReconcileLog(const RedisReconcileLog&) = delete;
  RedisReconcileLog& operator=(const RedisReconcileLog&) = delete;

  // Queues the entry; never blocks and never logs. A full queue drops it:
  // counted here, reported by the writer thread.
  void Append(ReconcileEntry entry) override;

  // Waits until every entry appended before the call is in Redis, at most
  // `timeout`. Unavailable (with the last Redis error) or DeadlineExceeded,
  // naming how many are pending, when not.
  absl::Status Flush(std::chrono::milliseconds timeout) override;

  Stats stats() const;

 private:
  struct Passkey {};

 public:
  RedisReconcileLog(Passkey, Options options, RedisEndpoint endpoint);

 private:
  // The writer's collect step: takes queued entries, reports drops; true
  // when entries wait to be written.
  bool Collect();
  // The writer's write step: writes pending_ and whatever arrives meanwhile.
  absl::Status Write(RedisConnection& connection);
  // Moves queued entries into pending_; returns how many.
  std::size_t Drain();
  absl::Status WritePending(RedisConnection& connection);
  // Writer thread: logs the drops not reported yet, if there are any and
  // `force` or drop_report_interval has passed since the last report.
  void ReportDrops(bool force);
  // Writer thread: an entry that will never reach Redis, logged with its key.
  void DropLogged(const ReconcileEntry& entry, std::string_view why);

  const Options options_;
  const RedisKeys keys_;
  const std::shared_ptr<Logger> logger_;
  BoundedQueue<ReconcileEntry> queue_;

  std::atomic<std::uint64_t> appended_{0};
  std::atomic<std::uint64_t> written_{0};
  // Drops on the request path (queue full), reported in aggregate.
  std::atomic<std::uint64_t> queue_full_drops_{0};
  // Drops on the writer thread, each logged with its key.
  std::atomic<std::uint64_t> writer_drops_{0};
  std::atomic<std::size_t> pending_count_{0};

  // Owned by the writer thread (and the destructor once it stopped).
  std::vector<ReconcileEntry> pending_;
  std::uint64_t drops_reported_ = 0;
  absl::Time last_drop_report_ = absl::InfinitePast();
  // Last: it stops before the members its rounds use are destroyed.
  std::unique_ptr<RedisBackgroundWriter> writer_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_RECONCILE_LOG_H_
