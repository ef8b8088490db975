#include "cutover/pg_dual_write.h"

#include <pqxx/pqxx>

#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/status_exception.h"

namespace cutover::pg {
namespace {

// Sent as plain SQL rather than through pqxx::subtransaction: a successful
// write then needs no RELEASE SAVEPOINT round trip (COMMIT releases it).
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

PgDualWrite::PgDualWrite(pqxx::connection& connection, DualWritePolicy policy)
    : policy_(policy) {
  try {
    tx_ = std::make_unique<pqxx::work>(connection, "cutover_dual_write");
  } catch (const std::exception& e) {
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

absl::Status PgDualWrite::Authoritative(PgWriteFn write) {
  if (!begin_.ok()) return begin_;
  authoritative_ = RunWrite(write, *tx_, "authoritative write");
  return *authoritative_;
}

absl::Status PgDualWrite::Other(PgWriteFn write) {
  if (!begin_.ok()) return begin_;
  if (!authoritative_.has_value() || !authoritative_->ok()) {
    return absl::FailedPreconditionError(
        "dual write: the other side is written only after the authoritative "
        "write succeeded");
  }
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
  if (!other_->ok()) {
    try {
      tx_->exec(kRollbackToSavepoint);
    } catch (const std::exception& e) {
      // Without the savepoint the authoritative write cannot commit either.
      authoritative_ = StatusFromException(
          e, StrCat("dual write: rolling back the failed other-side write (",
                    FromAbsl(other_->message()), ")"));
    }
  }
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

DualWriteOutcome RunDualWrite(pqxx::connection& connection,
                              DualWritePolicy policy, PgWriteFn authoritative,
                              PgWriteFn other) {
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

}  // namespace cutover::pg
