#include "cutover/pg_dual_write.h"

#include <pqxx/pqxx>

#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/status_exception.h"
#include "migration/pg_pipeline.h"

namespace cutover::pg {
namespace {

// Sent as plain SQL rather than through pqxx::subtransaction: a successful
// write then needs no RELEASE SAVEPOINT round trip (COMMIT releases it). A
// write given as statements gets it in the same pipeline as its statements.
constexpr const char* kSavepoint = "SAVEPOINT cutover_other_write";
constexpr const char* kRollbackToSavepoint =
    "ROLLBACK TO SAVEPOINT cutover_other_write";

absl::Status RunWrite(PgWriteFn write, pqxx::transaction_base& tx,
                      std::string_view what) {
  try {
    return write(tx);
  } catch (const std::exception& e) {
    return StatusFromException(e, what);
  } catch (...) {
    return StatusFromCurrentException(what);
  }
}

}  // namespace

std::string_view DualWritePolicyName(DualWritePolicy policy) {
  return policy == DualWritePolicy::kStrict ? "strict" : "tolerant";
}

PgDualWrite::PgDualWrite(pqxx::connection& connection, DualWritePolicy policy,
                         DualWriteMarker marker)
    : policy_(policy) {
  try {
    // The marker must precede every write, including a callable's and
    // statements run through transaction(): it rides with BEGIN whichever
    // way BEGIN is sent (pg_pipeline.h).
    tx_ = std::make_unique<PipelineTransaction>(
        connection, "cutover_dual_write",
        marker == DualWriteMarker::kMark ? kMarkDualWriteSql : nullptr);
  } catch (const std::exception& e) {
    // Another transaction is open on the connection (pqxx allows one).
    begin_ = StatusFromException(e, "dual write: BEGIN");
  }
}

PgDualWrite::~PgDualWrite() {
  if (tx_ != nullptr && !finished_) {
    try {
      tx_->abort();
    } catch (...) {
      // The connection is gone; the server rolls back on its own.
    }
  }
}

absl::Status PgDualWrite::BeginNow() {
  if (!begin_.ok() || tx_->begun()) return begin_;
  try {
    tx_->BeginNow();
  } catch (const std::exception& e) {
    begin_ = StatusFromException(e, "dual write: BEGIN");
  }
  return begin_;
}

pqxx::transaction_base* PgDualWrite::transaction() {
  return BeginNow().ok() ? tx_.get() : nullptr;
}

absl::Status PgDualWrite::Authoritative(PgWriteFn write) {
  if (absl::Status s = BeginNow(); !s.ok()) return s;
  authoritative_ = RunWrite(write, *tx_, "authoritative write");
  return *authoritative_;
}

absl::Status PgDualWrite::Authoritative(
    absl::Span<const PgStatement> statements) {
  if (!begin_.ok()) return begin_;
  if (tx_->begun()) {
    authoritative_ =
        RunPipelined(*tx_, {}, statements, "authoritative write").status();
    return *authoritative_;
  }
  // BEGIN (and the marker after it) rides in the statements' round trip. If
  // the server opened the transaction (even one a statement then aborted),
  // pqxx must know, so that Finish and the destructor end it.
  const PipelinedWrite run =
      tx_->after_begin() != nullptr
          ? RunPipelined(*tx_, {"BEGIN", tx_->after_begin()}, statements,
                         "authoritative write")
          : RunPipelined(*tx_, {"BEGIN"}, statements, "authoritative write");
  authoritative_ = run.status();
  if (run.server == ServerTransaction::kActive ||
      run.server == ServerTransaction::kFailed) {
    try {
      tx_->AdoptBegun();
    } catch (const std::exception& e) {
      authoritative_ = StatusFromException(e, "dual write: BEGIN");
    }
  }
  return *authoritative_;
}

absl::Status PgDualWrite::CheckOtherMayRun() const {
  if (!begin_.ok()) return begin_;
  if (!authoritative_.has_value() || !authoritative_->ok()) {
    return absl::FailedPreconditionError(
        "dual write: the other side is written only after the authoritative "
        "write succeeded");
  }
  return absl::OkStatus();
}

void PgDualWrite::RollBackOther() {
  try {
    tx_->exec(kRollbackToSavepoint);
  } catch (const std::exception& e) {
    // Without the savepoint the authoritative write cannot commit either.
    authoritative_ = StatusFromException(
        e, StrCat("dual write: rolling back the failed other-side write (",
                  FromAbsl(other_->message()), ")"));
  }
}

absl::Status PgDualWrite::Other(PgWriteFn write) {
  if (absl::Status s = CheckOtherMayRun(); !s.ok()) return s;
  if (policy_ == DualWritePolicy::kStrict) {
    other_ = RunWrite(write, *tx_, "other-side write");
    return *other_;
  }
  try {
    tx_->exec(kSavepoint);
  } catch (const std::exception& e) {
    other_ = StatusFromException(e, "dual write: SAVEPOINT");
    return *other_;
  }
  other_ = RunWrite(write, *tx_, "other-side write");
  if (!other_->ok()) RollBackOther();
  return *other_;
}

absl::Status PgDualWrite::Other(absl::Span<const PgStatement> statements) {
  if (absl::Status s = CheckOtherMayRun(); !s.ok()) return s;
  if (policy_ == DualWritePolicy::kStrict) {
    other_ = RunPipelined(*tx_, {}, statements, "other-side write").status();
    return *other_;
  }
  // One round trip: SAVEPOINT, the statements, Sync. The savepoint is
  // established before any of them runs, as with a separate SAVEPOINT.
  const PipelinedWrite run =
      RunPipelined(*tx_, {kSavepoint}, statements, "other-side write");
  if (!run.setup.ok()) {
    // Nothing of the other write ran; but a failure on the server (the
    // SAVEPOINT itself, registering a prepared statement) has aborted the
    // transaction, and the authoritative write with it.
    other_ = run.setup;
    if (run.server != ServerTransaction::kActive) {
      authoritative_ = PrefixStatus(
          "dual write: the transaction failed before the other-side write",
          run.setup);
    }
    return *other_;
  }
  other_ = run.statements;
  if (!other_->ok()) RollBackOther();
  return *other_;
}

absl::Status PgDualWrite::Finish() {
  if (!begin_.ok()) return begin_;
  if (finished_) return absl::FailedPreconditionError("dual write: finished");
  finished_ = true;
  absl::Status refuse;
  if (!authoritative_.has_value()) {
    refuse = absl::AbortedError(
        "dual write rolled back: no authoritative write was made");
  } else if (!authoritative_->ok()) {
    refuse =
        PrefixStatus("dual write rolled back: the authoritative write failed",
                     *authoritative_);
  } else if (policy_ == DualWritePolicy::kStrict && other_.has_value() &&
             !other_->ok()) {
    refuse = absl::AbortedError(
        StrCat("dual write rolled back (strict): the other-side write failed: ",
               FromAbsl(other_->message())));
  }
  try {
    if (!refuse.ok()) {
      tx_->abort();
      return refuse;
    }
    tx_->commit();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    if (!refuse.ok()) return refuse;
    return StatusFromException(e, "dual write: COMMIT");
  }
}

absl::Status DualWriteOutcome::status() const {
  if (!authoritative.ok()) return authoritative;
  return commit;
}

namespace {

template <typename Write>
DualWriteOutcome RunBoth(pqxx::connection& connection, DualWritePolicy policy,
                         Write authoritative, Write other) {
  DualWriteOutcome out;
  PgDualWrite dual(connection, policy);
  out.authoritative = dual.Authoritative(authoritative);
  if (out.authoritative.ok()) {
    out.other = dual.Other(other);
    out.other_ran = true;
  }
  out.commit = dual.Finish();
  out.committed = out.commit.ok();
  return out;
}

}  // namespace

DualWriteOutcome RunDualWrite(pqxx::connection& connection,
                              DualWritePolicy policy, PgWriteFn authoritative,
                              PgWriteFn other) {
  return RunBoth(connection, policy, authoritative, other);
}

DualWriteOutcome RunDualWrite(pqxx::connection& connection,
                              DualWritePolicy policy,
                              absl::Span<const PgStatement> authoritative,
                              absl::Span<const PgStatement> other) {
  return RunBoth(connection, policy, authoritative, other);
}

}  // namespace cutover::pg
