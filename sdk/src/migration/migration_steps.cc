#include "cutover/internal/migration_steps.h"

#include <exception>
#include <utility>

#include "cutover/flag.h"
#include "cutover/internal/strings.h"
#include "cutover/status_exception.h"

namespace cutover {
inline namespace sdk {
namespace migration_internal {
namespace {

// The status code carried by an error the experiment observed.
absl::StatusCode CodeOf(const ErrorInfo& error) noexcept {
  if (!error.exception) return absl::StatusCode::kUnknown;
  try {
    std::rethrow_exception(error.exception);
  } catch (const StatusError& e) {
    return e.status().code();
  } catch (...) {
    return absl::StatusCode::kInternal;
  }
}

void FillOrigin(const ObservationView& view, OriginOutcome* origin) {
  origin->queued = false;
  if (!view.ran) return;
  origin->ran = true;
  origin->latency_ns = view.wall_ns;
  if (view.error != nullptr) {
    origin->code = CodeOf(*view.error);
    origin->error = view.error->message;
  }
}

}  // namespace

void ResultTap::Publish(const ExperimentResult& result) {
  ReadInProgress* read = tls_read_in_progress;
  if (read != nullptr && read->tap == this) {
    // Serial and random order, or a concurrent candidate dropped on the
    // caller's thread. The caller's code fills in errors from the statuses
    // it kept; the experiment knows the latencies and the outcome.
    OperationRecord& r = *read->record;
    if (IsCompared(result.outcome)) {
      r.compared = true;
      r.outcome = result.outcome;
      r.origin(result.control_side).latency_ns = result.control.wall_ns;
      r.origin(result.control_side).ran = result.control.ran;
      OriginOutcome& other = r.origin(Other(result.control_side));
      other.ran = result.candidate.ran;
      other.latency_ns = result.candidate.wall_ns;
    } else if (result.outcome == Outcome::kDropped) {
      r.origin(Other(result.control_side)).queued = false;
    }
  } else if (tracker_ != nullptr) {
    // A concurrent-mode candidate, finished (or timed out) on the executor.
    OperationRecord r;
    r.flag = result.flag;
    r.operation = MigrationOperation::kRead;
    r.evaluation.stage = result.stage;
    r.user_id = result.user_id;
    r.authoritative = result.control_side;
    r.async_candidate = true;
    r.at_ms = result.timestamp_ms;
    r.compared = IsCompared(result.outcome);
    r.outcome = result.outcome;
    FillOrigin(result.candidate, &r.origin(Other(result.control_side)));
    try {
      tracker_->Record(r);
    } catch (...) {
      // A throwing tracker loses this record only; the result still goes on.
    }
  }
  inner_->Publish(result);
}

absl::Status ValidateOptions(const MigrationOptions& options) {
  if (!IsValidFlagName(options.flag)) {
    return absl::InvalidArgumentError(StrCat(
        "migration: flag '", options.flag,
        "' is not a valid flag name: use 1-64 characters of [a-z0-9_.-] (the "
        "name given to `cutover flag create`)"));
  }
  if (!IsValidFlagName(options.write_operation)) {
    return absl::InvalidArgumentError(
        StrCat("migration '", options.flag, "': write_operation '",
               options.write_operation,
               "' must be 1-64 characters of [a-z0-9_.-], e.g. \"set_name\""));
  }
  if (options.candidate_deadline.count() <= 0) {
    return absl::InvalidArgumentError(StrCat(
        "migration '", options.flag, "': candidate_deadline must be positive"));
  }
  return absl::OkStatus();
}

absl::Status RequireCallables(
    std::string_view flag,
    std::initializer_list<std::pair<const char*, bool>> callables) {
  for (const auto& [name, set] : callables) {
    if (!set) {
      return absl::InvalidArgumentError(
          StrCat("migration '", flag, "': ", name,
                 " is not set; give all four callables and entity_key"));
    }
  }
  return absl::OkStatus();
}

bool SameStatusCode(const ErrorInfo& a, const ErrorInfo& b) noexcept {
  return CodeOf(a) == CodeOf(b);
}

void RecordGuarded(OperationTracker& tracker, const OperationRecord& record,
                   Logger& logger, std::atomic<bool>* logged) noexcept {
  try {
    tracker.Record(record);
  } catch (...) {
    if (!logged->exchange(true)) {
      try {
        logger.Log(
            LogLevel::kError,
            StrCat("migration '", record.flag,
                   "': the operation tracker threw: ",
                   FromAbsl(StatusFromCurrentException("Record").message()),
                   " (records are dropped; further failures are not "
                   "logged)"));
      } catch (...) {
      }
    }
  }
}

void RecordReconcile(ReconcileLog& log, const MigrationOptions& options,
                     const OperationRecord& record, std::string key,
                     const absl::Status& error, Logger& logger,
                     std::atomic<bool>* logged) noexcept {
  const Side failed = Other(record.authoritative);
  try {
    if (!logged->exchange(true)) {
      logger.Log(LogLevel::kWarning,
                 StrCat("migration '", record.flag, "': the ", SideName(failed),
                        "-side ", options.write_operation, " of key '", key,
                        "' failed (", FromAbsl(error.message()),
                        "); recorded for `cutover reconcile ", record.flag,
                        "`. Further failures are counted, not logged"));
    }
    ReconcileEntry entry;
    entry.flag = std::string(record.flag);
    entry.key = std::move(key);
    entry.operation = options.write_operation;
    entry.error = std::string(error.message());
    entry.at_ms = record.at_ms;
    entry.stage = record.evaluation.stage;
    entry.side = failed;
    entry.user = std::string(record.user_id);
    log.Append(std::move(entry));
  } catch (...) {
    try {
      logger.Log(
          LogLevel::kError,
          StrCat(
              "migration '", record.flag,
              "': could not record a reconcile entry for a failed ",
              SideName(failed), "-side write: ",
              FromAbsl(StatusFromCurrentException("ReconcileLog").message())));
    } catch (...) {
    }
  }
}

absl::Status StrictWriteError(const OperationRecord& record,
                              const absl::Status& error, bool applied) {
  const Side failed = Other(record.authoritative);
  return PrefixStatus(
      StrCat("migration '", record.flag, "' (",
             StageName(record.evaluation.stage), ", strict): the ",
             SideName(failed), "-side write failed",
             applied ? StrCat("; the ", SideName(record.authoritative),
                              "-side write was applied and the key recorded "
                              "for reconcile")
                     : std::string("; both writes were rolled back")),
      error);
}

}  // namespace migration_internal
}  // namespace sdk
}  // namespace cutover
