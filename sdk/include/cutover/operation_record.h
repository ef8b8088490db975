// Per-origin tracking: what one migration operation (a Read or a Write
// through cutover::Migration) did on each origin, the old schema and the new
// one. One OperationRecord is handed to the migration's OperationTracker
// after every operation, whatever the stage, so an operator can see per side
// how often it ran, how long it took and how often it failed, and why this
// user got this stage.
//
// Thread-safety: value types. A record borrows its strings (flag, user id,
// error messages, entity key) from the operation that produced it: it is
// valid only during the OperationTracker::Record call it was passed to.
#ifndef CUTOVER_OPERATION_RECORD_H_
#define CUTOVER_OPERATION_RECORD_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "cutover/evaluation.h"
#include "cutover/experiment_result.h"
#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

enum class MigrationOperation : std::uint8_t { kRead = 0, kWrite = 1 };
inline constexpr int kMigrationOperationCount = 2;

// "read" or "write".
std::string_view MigrationOperationName(MigrationOperation operation);

// One origin's part in one operation.
struct OriginOutcome {
  // The origin's callable was called and returned (or threw).
  bool ran = false;
  // A concurrent-mode candidate handed to the executor: it has not finished
  // when the operation's record is published, and reports its own outcome
  // later in a record with `async_candidate` set.
  bool queued = false;
  // Only meaningful when `ran`: the callable's error; OK on success.
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string_view error;  // the error's message; empty on success
  // Wall time of the callable in nanoseconds; -1 when it did not run.
  std::int64_t latency_ns = -1;

  bool failed() const { return ran && code != absl::StatusCode::kOk; }
};

struct OperationRecord {
  std::string_view flag;
  MigrationOperation operation = MigrationOperation::kRead;
  // The evaluation that chose the stage: stage, reason, rule, sample rate.
  Evaluation evaluation;
  std::string_view user_id;
  // The origin whose result the caller got (read) or whose write decided the
  // outcome (write).
  Side authoritative = Side::kOld;
  OriginOutcome old_origin;
  OriginOutcome new_origin;

  // Reads: the non-authoritative read was sampled for a comparison.
  bool sampled = false;
  // Reads, serial and random-order execution: the comparison's outcome, when
  // `compared`. Concurrent execution compares after the operation, so the
  // outcome arrives with the async_candidate record.
  bool compared = false;
  Outcome outcome = Outcome::kMatch;

  // Writes: the non-authoritative write failed and the key was appended to
  // the reconcile log.
  bool reconcile_recorded = false;
  // Writes: the entity key, when a reconcile entry was recorded; else empty.
  std::string_view entity_key;

  // What the caller got: OK, or the error returned.
  absl::StatusCode result = absl::StatusCode::kOk;

  // A concurrent-mode candidate finishing after its operation: only the
  // candidate's origin is filled in (plus flag, stage, user, comparison).
  bool async_candidate = false;

  // Unix milliseconds when the operation started.
  std::int64_t at_ms = 0;

  const OriginOutcome& origin(Side side) const {
    return side == Side::kOld ? old_origin : new_origin;
  }
  OriginOutcome& origin(Side side) {
    return side == Side::kOld ? old_origin : new_origin;
  }
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_OPERATION_RECORD_H_
