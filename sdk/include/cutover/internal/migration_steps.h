// The parts of cutover::Migration that do not depend on the application's
// types. Internal to migration.h: use cutover::Migration.
//
// Thread-safety: ResultTap may be called from any thread (as any Publisher);
// the functions are thread-safe.
#ifndef CUTOVER_MIGRATION_INTERNAL_H_
#define CUTOVER_MIGRATION_INTERNAL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "cutover/experiment_error.h"
#include "cutover/experiment_result.h"
#include "cutover/logger.h"
#include "cutover/migration_options.h"
#include "cutover/operation_record.h"
#include "cutover/operation_tracker.h"
#include "cutover/publisher.h"
#include "cutover/reconcile_log.h"

namespace cutover {
inline namespace sdk {
namespace migration_internal {

// The read whose sampled comparison is running on this thread, so that the
// tap can fill in what the experiment measured (latency per side, outcome)
// without reading the clock again. Set only around Experiment::Run; nested
// migrations save and restore it.
struct ReadInProgress {
  const void* tap = nullptr;
  OperationRecord* record = nullptr;
};
inline thread_local ReadInProgress* tls_read_in_progress
    __attribute__((tls_model("initial-exec"))) = nullptr;

// Sets tls_read_in_progress for a scope.
class ScopedReadInProgress {
 public:
  explicit ScopedReadInProgress(ReadInProgress* read)
      : previous_(tls_read_in_progress) {
    tls_read_in_progress = read;
  }
  ~ScopedReadInProgress() { tls_read_in_progress = previous_; }
  ScopedReadInProgress(const ScopedReadInProgress&) = delete;
  ScopedReadInProgress& operator=(const ScopedReadInProgress&) = delete;

 private:
  ReadInProgress* previous_;
};

// The publisher a migration gives its experiment: forwards every result to
// the application's publisher, and turns what the experiment measured into
// per-origin tracking: into the running read's record (serial and random
// order: Publish runs inside Experiment::Run on the caller's thread), or
// into an async_candidate record of its own (concurrent mode: Publish runs
// on the executor after the read returned).
class ResultTap : public Publisher {
 public:
  ResultTap(std::shared_ptr<Publisher> inner,
            std::shared_ptr<OperationTracker> tracker)
      : inner_(std::move(inner)), tracker_(std::move(tracker)) {}

  void Publish(const ExperimentResult& result) override;
  absl::Status Flush(std::chrono::milliseconds timeout) override {
    return inner_->Flush(timeout);
  }
  const std::shared_ptr<Publisher>& inner() const { return inner_; }

 private:
  const std::shared_ptr<Publisher> inner_;
  const std::shared_ptr<OperationTracker> tracker_;
};

// Validates the type-independent options: InvalidArgument naming the field.
absl::Status ValidateOptions(const MigrationOptions& options);

// InvalidArgument naming the first callable of `callables` (name, is set)
// that is not set.
absl::Status RequireCallables(
    std::string_view flag,
    std::initializer_list<std::pair<const char*, bool>> callables);

// Equivalence of two read errors that both sides returned: the same status
// code (the messages name different tables, so they rarely match).
bool SameStatusCode(const ErrorInfo& a, const ErrorInfo& b) noexcept;

// Hands `record` to the tracker; what the tracker throws is logged once and
// dropped.
void RecordGuarded(OperationTracker& tracker, const OperationRecord& record,
                   Logger& logger, std::atomic<bool>* logged) noexcept;

// The non-authoritative write of `record` failed with `error`: appends the
// reconcile entry (never throws; a failure to build or append it is logged
// with the key) and logs the first such failure of the migration.
void RecordReconcile(ReconcileLog& log, const MigrationOptions& options,
                     const OperationRecord& record, std::string key,
                     const absl::Status& error, Logger& logger,
                     std::atomic<bool>* logged) noexcept;

// The status a strict migration returns for a failed non-authoritative write.
absl::Status StrictWriteError(const OperationRecord& record,
                              const absl::Status& error, bool applied);

// Fills `origin` from a finished callable.
inline void SetOrigin(OriginOutcome* origin, const absl::Status& status,
                      std::int64_t latency_ns) {
  origin->ran = true;
  origin->code = status.code();
  origin->latency_ns = latency_ns;
}

}  // namespace migration_internal
}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_MIGRATION_INTERNAL_H_
