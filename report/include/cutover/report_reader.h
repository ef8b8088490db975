// Gathers a MigrationReport from Redis: the exact per-minute counters and
// latency histograms (`<prefix>stats:<flag>:<minute>`), the event stream
// (`<prefix>events:<flag>`), the reconcile backlog
// (`<prefix>reconcile:<flag>`), the newest verification
// (`<prefix>verify:<flag>`), and the flag with its audit history from a
// FlagStore.
//
// Cost: one HGETALL per minute read (1,440 for a 24 h window, more when the
// flag's last change is older than the window), sent pipelined in batches so
// a day costs a few round trips; one XREVRANGE per 500 events (at most
// max_events); four small commands for the reconcile and verify streams; the
// audit history (RedisFlagStore::History).
//
// Thread-safety: a ReportReader uses its RedisConnection, so one thread at a
// time; separate readers may run concurrently.
#ifndef CUTOVER_REPORT_READER_H_
#define CUTOVER_REPORT_READER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cutover/event_summary.h"
#include "cutover/flag_store.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_keys.h"
#include "cutover/report.h"

namespace cutover::report {

struct ReportRequest {
  std::string flag;
  // The report covers [now - window, now], in whole minutes.
  std::chrono::seconds window = std::chrono::hours(24);
  // The report's time, Unix milliseconds; nullopt means the system clock.
  std::optional<std::int64_t> now_ms;
  // Event stream entries examined at most (the stream itself is capped, by
  // default at 10,000 entries).
  std::size_t max_events = 10000;
  EventSummaryOptions events;
  // How far back counters are read to count mismatches since the flag's last
  // change when that change is older than the window. Counters expire after
  // this long anyway (kDefaultStatsTtl).
  std::chrono::seconds max_lookback = kDefaultStatsTtl;
  // Audit entries of the flag examined for its last (stage) change.
  std::size_t history_limit = 1000;
  // HGETALLs per pipelined batch.
  std::size_t pipeline_batch = 500;
};

class ReportReader {
 public:
  // `redis` and `store` are borrowed and must outlive the reader. `keys`
  // names the keys under the deployment's prefix.
  ReportReader(RedisConnection& redis, FlagStore& store, RedisKeys keys);

  // Reads everything the report shows. Errors: InvalidArgument for a bad flag
  // name or a non-positive window; NotFound when the flag does not exist
  // (nothing else is read then); DataLoss when its stored document is
  // corrupt; Unavailable / DeadlineExceeded when Redis cannot be reached;
  // FailedPrecondition when a key holds the wrong type or a counter is not a
  // number (the message names the key).
  absl::StatusOr<MigrationReport> Read(const ReportRequest& request);

 private:
  absl::Status ReadCounters(const ReportRequest& request,
                            MigrationReport* report);
  absl::Status ReadEvents(const ReportRequest& request,
                          MigrationReport* report);
  absl::Status ReadReconcile(MigrationReport* report);
  absl::Status ReadVerification(MigrationReport* report);

  RedisConnection& redis_;
  FlagStore& store_;
  const RedisKeys keys_;
};

}  // namespace cutover::report

#endif  // CUTOVER_REPORT_READER_H_
