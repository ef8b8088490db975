// Writes one batch of experiment results to Redis in a single pipelined round
// trip: the per-minute counters as HINCRBY inside one MULTI/EXEC (so a batch
// of counters is applied entirely or not at all) with an EXPIRE per key, then
// one XADD ... MAXLEN ~ N per event. Key and field names: stats_schema.h.
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
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cutover/experiment_result.h"
#include "cutover/minute_counters.h"
#include "cutover/redis_connection.h"

namespace cutover {

// One flag's counters for one minute, waiting to be written.
struct CounterBlock {
  std::string flag;
  std::int64_t unix_minute = 0;
  MinuteCounters counters;
};

class RedisStatsWriter {
 public:
  struct Options {
    std::string prefix = "cutover:";
    std::chrono::seconds stats_ttl{30 * 24 * 60 * 60};
    std::size_t stream_max_len = 10000;
  };

  struct Outcome {
    // Redis refused some commands (a key of the wrong type, say); those writes
    // are lost and retrying would not help. The rest of the batch is written.
    std::size_t rejected_commands = 0;
    std::string first_rejection;
  };

  explicit RedisStatsWriter(Options options) : options_(std::move(options)) {}

  // Writes `counters` and `events` over `connection` and reads every reply.
  // OK (with `*outcome` telling about commands Redis refused) once Redis
  // answered for the whole batch. An I/O or timeout error (Unavailable,
  // DeadlineExceeded) leaves the connection broken: then nothing can be
  // assumed written and the caller retries the batch on a new connection
  // (counters applied just before the connection broke may be applied twice;
  // see docs/experiments.md).
  absl::Status Write(RedisConnection& connection,
                     absl::Span<const CounterBlock> counters,
                     absl::Span<const ResultRecord> events, Outcome* outcome);

 private:
  const Options options_;
  // Reused between batches: argument storage and the JSON of one event.
  std::vector<std::string_view> args_;
  std::string json_;
};

}  // namespace cutover

#endif  // CUTOVER_REDIS_STATS_WRITER_H_
