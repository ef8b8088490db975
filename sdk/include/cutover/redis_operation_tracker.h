// Per-origin tracking published to Redis: the exact counters of an
// InMemoryOperationTracker, written by a background thread every
// flush_interval as per-minute increments, so operators (and `cutover
// report`) see per side how often each ran, failed, and how long it took,
// and why users got their stage.
//
// Keys (prefix configurable, default "cutover:"):
//   <prefix>ops:<flag>:<minute>   hash, TTL (default 30 days); <minute> is
//       the Unix minute in which the counts were written. Fields, integers,
//       only non-zero ones written, <op> = read | write, <side> = old | new:
//         <op>_operations          operations (Read or Write calls)
//         <op>_stage_<stage>       ... per stage ("read_stage_shadow")
//         <op>_reason_<reason>     ... per reason, lower case
//                                  ("write_reason_user_target")
//         <op>_caller_errors       ... that returned an error to the caller
//         <op>_sampled             reads sampled for a comparison
//         <op>_compared            comparisons with an outcome
//         <op>_disagreements       ... that disagreed (mismatch or error)
//         <op>_reconcile_recorded  writes whose key went to reconcile
//         <op>_<side>_runs         the side's callable ran
//         <op>_<side>_errors       ... and failed
//         <op>_<side>_queued       concurrent candidates handed off
//         <op>_<side>_latency_ns_sum  total wall time of the runs
//
// Thread-safety: Record may be called from any number of threads and never
// blocks (it only counts, see InMemoryOperationTracker); the other methods
// may be called from any thread.
#ifndef CUTOVER_REDIS_OPERATION_TRACKER_H_
#define CUTOVER_REDIS_OPERATION_TRACKER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/logger.h"
#include "cutover/operation_tracker.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_keys.h"
#include "cutover/redis_url.h"
#include "cutover/retry_policy.h"

namespace cutover {
inline namespace sdk {

class RedisBackgroundWriter;

// Calls `fn(field, value)` for every additive counter of `totals`, always in
// the same order, with the field names above (zeros included).
void ForEachOperationField(
    const TrackerTotals& totals,
    absl::FunctionRef<void(std::string_view field, std::uint64_t value)> fn);

class RedisOperationTracker : public OperationTracker {
 public:
  struct Options {
    std::string redis_url = std::string(kDefaultRedisUrl);
    std::string prefix = std::string(kDefaultPrefix);
    // The migration's flag: one tracker per migration.
    std::string flag;
    std::chrono::milliseconds flush_interval{1000};
    std::chrono::seconds ttl{30 * 24 * 60 * 60};
    std::chrono::milliseconds shutdown_timeout{2000};
    // How the writer waits before reconnecting after a failure.
    RetryOptions reconnect;
    RedisOptions redis;
    std::shared_ptr<Logger> logger;  // unset: DefaultLogger()
  };

  // Validates the options (InvalidArgument naming the field or the URL's
  // error) and starts the writer; Redis need not be up yet.
  static absl::StatusOr<std::shared_ptr<RedisOperationTracker>> Create(
      Options options);
  // Flush(shutdown_timeout), then stops the writer.
  ~RedisOperationTracker() override;
  RedisOperationTracker(const RedisOperationTracker&) = delete;
  RedisOperationTracker& operator=(const RedisOperationTracker&) = delete;

  void Record(const OperationRecord& record) override;
  // Everything recorded so far (written to Redis or not).
  TrackerTotals Totals() const { return counts_.Totals(); }
  // Writes what was recorded before the call, waiting at most `timeout`. OK
  // when it is in Redis; the last error otherwise (Unavailable when Redis is
  // unreachable; counts are kept and written later).
  absl::Status Flush(std::chrono::milliseconds timeout);

 private:
  struct Passkey {};

 public:
  RedisOperationTracker(Passkey, Options options, RedisEndpoint endpoint);

 private:
  // The writer's collect step: the counts recorded since the last write, as
  // deltas; true when there are any.
  bool Collect();
  // The writer's write step: the deltas in one transaction.
  absl::Status Write(RedisConnection& connection);

  const Options options_;
  InMemoryOperationTracker counts_;
  // Writer thread only: what Redis holds, what was recorded by the last
  // collect, and the difference as (field, increment).
  TrackerTotals written_;
  TrackerTotals collected_;
  std::vector<std::pair<std::string, std::string>> deltas_;
  // Last: it stops before the members its rounds use are destroyed.
  std::unique_ptr<RedisBackgroundWriter> writer_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_OPERATION_TRACKER_H_
