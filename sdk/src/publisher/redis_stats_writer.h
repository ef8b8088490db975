// Writes one batch of experiment results to Redis in a single pipelined round
// trip: all per-minute counters as one EVAL of a small script (HINCRBY per
// field and EXPIRE per key, applied by Redis atomically: entirely or not at
// all), then one XADD per event, the last one per stream with MAXLEN ~ N.
// Key and field names: stats_schema.h.
//
// Why a script rather than MULTI/EXEC: a server that is still loading its
// dataset refuses MULTI but may accept the commands that follow it, which
// would apply half a transaction outside it; a single EVAL is refused or
// applied as a whole, so a refused batch can be retried without counting
// anything twice.
//
// Thread-safety: a RedisStatsWriter is used by one thread at a time, like the
// connection it writes to.
#ifndef CUTOVER_REDIS_STATS_WRITER_H_
#define CUTOVER_REDIS_STATS_WRITER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cutover/experiment_result.h"
#include "cutover/minute_counters.h"
#include "cutover/redis_connection.h"

namespace cutover {
inline namespace sdk {

// One flag's counters for one minute, waiting to be written.
struct CounterBlock {
  std::string flag;
  std::int64_t unix_minute = 0;
  MinuteCounters counters;
};

// True for error replies that mean "not now" (LOADING, BUSY, TRYAGAIN,
// MASTERDOWN, CLUSTERDOWN, READONLY, OOM, NOREPLICAS): the command was not
// applied and may succeed later.
bool IsTransientRedisError(std::string_view message);

class RedisStatsWriter {
 public:
  struct Options {
    std::string prefix = "cutover:";
    std::chrono::seconds stats_ttl{30 * 24 * 60 * 60};
    std::size_t stream_max_len = 10000;
  };

  struct Outcome {
    // Redis answered "not now" for the counters: none were applied; keep
    // them and retry.
    bool retry_counters = false;
    // Indices (into `events`) of events Redis answered "not now" for; the
    // others were written (or rejected for good).
    std::vector<std::size_t> retry_events;
    // The first "not now" answer, when there was one.
    std::string transient_error;
    // Commands Redis refused for good (a key of the wrong type, say): lost,
    // since retrying would fail the same way.
    std::size_t rejected_commands = 0;
    std::string first_rejection;
  };

  explicit RedisStatsWriter(Options options) : options_(std::move(options)) {}

  // Writes `counters` and `events` over `connection` and reads every reply.
  // OK, with `*outcome` saying what to retry or what was refused, once Redis
  // answered for the whole batch. An I/O or timeout error (Unavailable,
  // DeadlineExceeded) leaves the connection broken: then nothing can be
  // assumed written and the caller retries the batch on a new connection.
  // (If the connection broke after Redis applied the batch but before its
  // reply arrived, the retry counts it twice: see docs/experiments.md.)
  absl::Status Write(RedisConnection& connection,
                     absl::Span<const CounterBlock> counters,
                     absl::Span<const ResultRecord> events, Outcome* outcome);

 private:
  const Options options_;
  // Reused between batches.
  std::vector<std::string> strings_;
  std::vector<std::string_view> args_;
  std::vector<std::pair<std::string_view, std::size_t>> last_of_stream_;
  std::string key_;
  std::string json_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_STATS_WRITER_H_
