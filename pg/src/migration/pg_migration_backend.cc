#include "cutover/pg_migration_backend.h"

#include <pqxx/pqxx>
#include <utility>

#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/pg_snapshot_read.h"
#include "cutover/status_exception.h"

namespace cutover::pg {
namespace {

// The operation a backend's hook is running on this thread.
struct PgOperation {
  const PgMigrationBackend* owner = nullptr;
  pqxx::transaction_base* snapshot = nullptr;  // reads
  bool snapshot_failed = false;
  PgDualWrite* dual = nullptr;  // writes
  Side authoritative = Side::kOld;
};

thread_local PgOperation* tls_operation = nullptr;

class ScopedOperation {
 public:
  explicit ScopedOperation(PgOperation* op) : previous_(tls_operation) {
    tls_operation = op;
  }
  ~ScopedOperation() { tls_operation = previous_; }
  ScopedOperation(const ScopedOperation&) = delete;
  ScopedOperation& operator=(const ScopedOperation&) = delete;

 private:
  PgOperation* previous_;
};

PgOperation* CurrentOperation(const PgMigrationBackend* backend) {
  PgOperation* op = tls_operation;
  return op != nullptr && op->owner == backend ? op : nullptr;
}

}  // namespace

PgMigrationBackend::PgMigrationBackend(Passkey, std::shared_ptr<PgPool> pool,
                                       DualWritePolicy policy,
                                       bool snapshot_reads)
    : pool_(std::move(pool)),
      policy_(policy),
      snapshot_reads_(snapshot_reads) {}

std::shared_ptr<PgMigrationBackend> PgMigrationBackend::Create(
    std::shared_ptr<PgPool> pool, DualWritePolicy policy, bool snapshot_reads) {
  return std::make_shared<PgMigrationBackend>(Passkey{}, std::move(pool),
                                              policy, snapshot_reads);
}

MigrationHooks PgMigrationBackend::Hooks() {
  MigrationHooks hooks;
  std::shared_ptr<const PgMigrationBackend> self = shared_from_this();
  hooks.around_reads = [self](const OperationInfo& info,
                              absl::FunctionRef<void()> reads) {
    self->AroundReads(info, reads);
  };
  hooks.around_writes = [self](const OperationInfo& info,
                               absl::FunctionRef<WriteSummary()> writes) {
    return self->AroundWrites(info, writes);
  };
  return hooks;
}

absl::Status PgMigrationBackend::Read(
    Side side,
    absl::FunctionRef<absl::Status(pqxx::transaction_base&)> read) const {
  const std::string what = StrCat(SideName(side), "-side read");
  PgOperation* op = CurrentOperation(this);
  if (op != nullptr && op->snapshot != nullptr && !op->snapshot_failed) {
    try {
      return read(*op->snapshot);
    } catch (const std::exception& e) {
      // The snapshot transaction is aborted now: the other side reads alone.
      op->snapshot_failed = true;
      return StatusFromException(e, what);
    }
  }
  absl::StatusOr<PgPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return PrefixStatus(what, lease.status());
  try {
    pqxx::nontransaction tx(**lease, "cutover_read");
    return read(tx);
  } catch (const std::exception& e) {
    return StatusFromException(e, what);
  }
}

template <typename WriteForm>
absl::Status PgMigrationBackend::WriteAny(Side side, WriteForm write) const {
  PgOperation* op = CurrentOperation(this);
  if (op != nullptr && op->dual != nullptr) {
    return side == op->authoritative ? op->dual->Authoritative(write)
                                     : op->dual->Other(write);
  }
  absl::StatusOr<PgPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  // One side only: a sync trigger must carry it to the other side.
  PgDualWrite alone(**lease, DualWritePolicy::kStrict,
                    DualWriteMarker::kNoMark);
  if (absl::Status s = alone.Authoritative(write); !s.ok()) return s;
  return alone.Finish();
}

absl::Status PgMigrationBackend::Write(
    Side side,
    absl::FunctionRef<absl::Status(pqxx::transaction_base&)> write) const {
  return WriteAny(side, write);
}

absl::Status PgMigrationBackend::Write(
    Side side, absl::Span<const PgStatement> statements) const {
  return WriteAny(side, statements);
}

void PgMigrationBackend::AroundReads(const OperationInfo& info,
                                     absl::FunctionRef<void()> reads) const {
  (void)info;
  if (!snapshot_reads_) return reads();
  absl::StatusOr<PgPool::Lease> lease = pool_->Acquire();
  // Without a connection for the snapshot, each read tries on its own and
  // reports its own error.
  if (!lease.ok()) return reads();
  PgOperation op;
  op.owner = this;
  bool ran = false;
  try {
    PgSnapshotTransaction tx(**lease, "cutover_snapshot_read");
    op.snapshot = &tx;
    {
      ScopedOperation scope(&op);
      ran = true;
      reads();
    }
    op.snapshot = nullptr;
    if (!op.snapshot_failed) tx.commit();
  } catch (const std::exception&) {
    // BEGIN failed (reads not run yet) or COMMIT of a read-only snapshot
    // failed (the reads already have their results).
  }
  if (!ran) reads();
}

absl::Status PgMigrationBackend::AroundWrites(
    const OperationInfo& info, absl::FunctionRef<WriteSummary()> writes) const {
  absl::StatusOr<PgPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) {
    return PrefixStatus(StrCat("migration '", info.flag, "': write"),
                        lease.status());
  }
  // Marked only when this operation writes both sides (docs/sync.md,
  // "Coexistence with the application's dual writes"): in `off` and
  // `complete` the application is a one-side writer like any other, and the
  // sync triggers must carry its write across.
  PgDualWrite dual(**lease, policy_,
                   info.plan.write_other ? DualWriteMarker::kMark
                                         : DualWriteMarker::kNoMark);
  PgOperation op;
  op.owner = this;
  op.dual = &dual;
  op.authoritative = info.plan.authoritative;
  {
    ScopedOperation scope(&op);
    writes();
  }
  return dual.Finish();
}

}  // namespace cutover::pg
