// Publishes experiment results to Redis (docs/design.md, Results pipeline):
// exact per-minute counters (HINCRBY on <prefix>stats:<flag>:<minute>, with a
// TTL) and capped event streams (XADD <prefix>events:<flag> MAXLEN ~ N) for
// mismatches, errors and timeouts. Names: stats_schema.h.
//
// The caller's side is a ResultPipeline: counting is a few atomic increments,
// an event is copied into a bounded lock-free queue, and nothing ever waits
// for Redis. One background thread harvests the counters and drains the
// queue every flush_interval (sooner when the queue is half full or Flush is
// called) and pipelines everything to Redis in one round trip per batch.
//
// When Redis is unreachable the caller notices nothing: counters keep
// accumulating in memory (at most max_pending_counter_blocks flag-minutes,
// oldest dropped first), events wait in the queue and in the one batch the
// writer holds and beyond that are dropped and counted, and the thread
// reconnects with the retry policy (retry_policy.h: exponential, capped, full
// jitter). Everything pending is written when Redis returns.
//
// Thread-safety: Publish, Flush and stats may be called from any thread.
#ifndef CUTOVER_REDIS_PUBLISHER_H_
#define CUTOVER_REDIS_PUBLISHER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/logger.h"
#include "cutover/publisher.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_url.h"
#include "cutover/result_pipeline.h"
#include "cutover/retry_policy.h"
#include "cutover/stats_schema.h"

namespace cutover {
inline namespace sdk {

class RedisBackgroundWriter;

class RedisPublisher : public Publisher {
 public:
  struct Options {
    // redis://[user:password@]host:port[/db]
    std::string redis_url = std::string(kDefaultRedisUrl);
    std::string prefix = std::string(kDefaultPrefix);
    // Events waiting for the writer (rounded up to a power of two); beyond
    // that they are dropped and counted.
    std::size_t queue_capacity = 8192;
    // Bytes kept of each value, error message and diff in an event.
    std::size_t max_text_bytes = 16 * 1024;
    // How often counters and events are written when nothing hurries them.
    std::chrono::milliseconds flush_interval{250};
    std::chrono::seconds stats_ttl = kDefaultStatsTtl;
    std::size_t stream_max_len = kDefaultEventStreamMaxLen;
    // Events per pipelined round trip.
    std::size_t max_batch_events = 4096;
    // Flag-minutes of counters kept while Redis is unreachable (each about
    // 2 KB); beyond that the oldest minutes are dropped, counted and logged.
    std::size_t max_pending_counter_blocks = 4096;
    // How the writer waits before reconnecting after a failure.
    RetryOptions reconnect;
    // The destructor's Flush timeout.
    std::chrono::milliseconds shutdown_timeout{2000};
    // Connect and per-command timeouts.
    RedisOptions redis;
    std::size_t max_flags = StatsAggregator::kDefaultMaxFlags;
    // Where connection trouble is reported; unset: DefaultLogger().
    std::shared_ptr<Logger> logger;
  };

  struct Stats {
    std::uint64_t events_written = 0;
    std::uint64_t events_dropped = 0;  // queue full (also in events_dropped)
    std::uint64_t counter_blocks_written = 0;
    std::uint64_t counter_blocks_lost = 0;  // pending limit while Redis down
    std::uint64_t commands_rejected = 0;    // refused by Redis, not retried
    std::uint64_t write_failures = 0;  // connects or round trips that failed
    std::uint64_t reconnects = 0;      // successful connections
    std::size_t queued_events = 0;     // in the queue now
    std::size_t pending_events = 0;    // taken from the queue, unwritten
    std::size_t pending_counter_blocks = 0;
    bool connected = false;
  };

  // Validates `options` (InvalidArgument naming the option, or the URL's
  // parse error) and starts the writer thread. Does not need Redis to be up:
  // it connects in the background.
  static absl::StatusOr<std::shared_ptr<RedisPublisher>> Create(
      Options options);

  // Flush(shutdown_timeout), then stops the writer thread (which may take up
  // to one Redis command timeout if a write is in flight). What could not be
  // written by then is lost; a warning says how much.
  ~RedisPublisher() override;
  RedisPublisher(const RedisPublisher&) = delete;
  RedisPublisher& operator=(const RedisPublisher&) = delete;

  // Counts `result` and queues it if it is an event. Never blocks, never
  // throws; allocation-free once the queue is warm.
  void Publish(const ExperimentResult& result) override;

  // Writes everything published before the call, waiting at most `timeout`.
  // OK once it is in Redis; Unavailable (Redis unreachable, with the last
  // error) or DeadlineExceeded (still writing) otherwise, naming what is
  // pending. Also makes a disconnected writer retry at once.
  absl::Status Flush(std::chrono::milliseconds timeout) override;

  Stats stats() const;

 private:
  struct Passkey {};

 public:
  RedisPublisher(Passkey, Options options, RedisEndpoint endpoint);

 private:
  // What the writer thread took from the pipeline and has not written yet.
  class Outbox;

  const Options options_;
  ResultPipeline pipeline_;
  std::unique_ptr<Outbox> outbox_;
  // Last: it stops before the members its rounds use are destroyed.
  std::unique_ptr<RedisBackgroundWriter> writer_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_PUBLISHER_H_
