// The parts of a Migration's configuration that do not depend on the
// application's types (migration.h has the typed part: the four callables and
// the comparison), and the hooks a storage backend uses to run the two sides
// of one operation in one database transaction
// (pg/include/cutover/pg_migration.h).
//
// Thread-safety: value types. Hooks are called from every thread that runs
// the migration, concurrently: they must be thread-safe.
#ifndef CUTOVER_MIGRATION_OPTIONS_H_
#define CUTOVER_MIGRATION_OPTIONS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "cutover/evaluation.h"
#include "cutover/experiment_executor.h"
#include "cutover/experiment_options.h"
#include "cutover/logger.h"
#include "cutover/operation_record.h"
#include "cutover/operation_tracker.h"
#include "cutover/publisher.h"
#include "cutover/reconcile_log.h"
#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

struct MigrationOptions {
  // The migration flag (its name also names the experiment, the counters and
  // the reconcile stream). Required; [a-z0-9_.-]{1,64}.
  std::string flag;

  // The stage used when the flag does not exist or the client has not loaded
  // flags yet (docs/design.md, Flag model). `off` keeps an unconfigured
  // migration on the old schema.
  Stage default_stage = Stage::kOff;

  // How the two reads of a compared operation (shadow, live) are scheduled:
  //   kSerial       authoritative first, then the other, on the caller's
  //                 thread (the default; on PostgreSQL both run on one
  //                 snapshot, see pg_migration.h)
  //   kRandomOrder  both on the caller's thread, in a random order
  //   kConcurrent   authoritative on the caller's thread; the other on the
  //                 executor, after it, never waited for
  ExecutionMode execution = ExecutionMode::kSerial;

  // Sampling of comparisons uses the flag's sample_rate. Sticky sampling
  // compares the same users every time (murmur3 of "<flag>:<user>"), random
  // sampling draws per read.
  bool sticky_sampling = false;

  // Writes. Strict: a failed non-authoritative write fails the caller's
  // request too (the authoritative write has already happened unless a
  // backend rolls both back, as PgMigration does). Tolerant (false, the
  // default): the caller succeeds and the key is recorded in the reconcile
  // log.
  bool strict = false;

  // Names the write in reconcile entries ("operation" field), e.g.
  // "set_name". [a-z0-9_.-]{1,64}.
  std::string write_operation = "write";

  // Where comparison results go (unset: DefaultPublisher()).
  std::shared_ptr<Publisher> publisher;
  // Runs concurrent-mode candidates (unset: DefaultExperimentExecutor()).
  std::shared_ptr<ExperimentExecutor> executor;
  // Concurrent mode: a candidate still unfinished this long after it was
  // queued is published as a timeout.
  std::chrono::microseconds candidate_deadline{std::chrono::seconds(1)};

  // Per-origin tracking (unset: a new InMemoryOperationTracker, reachable
  // through Migration::tracker()).
  std::shared_ptr<OperationTracker> tracker;
  // Failed non-authoritative writes (unset: a new InMemoryReconcileLog; use a
  // RedisReconcileLog in production so `cutover reconcile` can replay them).
  std::shared_ptr<ReconcileLog> reconcile_log;
  // Where the migration reports trouble that has no caller to return to
  // (unset: DefaultLogger()).
  std::shared_ptr<Logger> logger;
};

// What a hook is told about the operation it wraps.
struct OperationInfo {
  std::string_view flag;
  MigrationOperation operation = MigrationOperation::kRead;
  Evaluation evaluation;
  StagePlan plan{Side::kOld, false, false};
  ExecutionMode execution = ExecutionMode::kSerial;
  bool strict = false;
  // Reads: the non-authoritative side will run on the caller's thread in this
  // operation (a sampled, non-concurrent compared read).
  bool both_reads_here = false;
};

// What the writes inside an around_writes hook did.
struct WriteSummary {
  bool authoritative_ok = false;
  bool other_ran = false;
  bool other_ok = false;
};

// Lets a storage backend wrap the callables of one operation in one unit of
// work. Both are optional.
struct MigrationHooks {
  // Wraps the reads of an operation in a stage that compares (shadow, live).
  // Must call `reads` exactly once; must not throw.
  std::function<void(const OperationInfo&, absl::FunctionRef<void()> reads)>
      around_reads;
  // Wraps the writes of every operation. Must call `writes` at most once
  // (not calling it fails the operation with the returned status) and return
  // OK only if what the writes did is durable: the migration records a
  // reconcile entry for a failed non-authoritative write only then, and
  // returns a non-OK status to the caller. Must not throw.
  std::function<absl::Status(const OperationInfo&,
                             absl::FunctionRef<WriteSummary()> writes)>
      around_writes;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_MIGRATION_OPTIONS_H_
