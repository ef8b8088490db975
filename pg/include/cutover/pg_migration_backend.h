// How a PgMigration runs its callables on PostgreSQL: which connection and
// which transaction each side's read and write gets. Used by pg_migration.h;
// applications normally do not touch it.
//
//  - Writes of one operation share one READ COMMITTED transaction on one
//    pooled connection (PgDualWrite): authoritative write, then the other
//    side's (in a savepoint when tolerant), then COMMIT. When the stage
//    writes both sides the transaction is marked for the sync triggers
//    (kMarkDualWriteSql); a one-side write is not, so that a sync carries it
//    to the other side.
//  - The two reads of a sampled comparison in serial or random-order
//    execution share one REPEATABLE READ READ ONLY snapshot (unless
//    snapshot_reads is off).
//  - Any other read (one side only, or a concurrent-mode candidate on the
//    executor) runs alone on a pooled connection, outside a transaction
//    block: one round trip.
//
// The callables learn their transaction through a thread-local slot that
// the hooks fill for the duration of the operation; it is keyed by the
// backend, so one migration's callables never see another's transaction.
//
// Thread-safety: every method may be called from any thread; each call uses
// connections leased for that call only.
#ifndef CUTOVER_PG_MIGRATION_BACKEND_H_
#define CUTOVER_PG_MIGRATION_BACKEND_H_

#include <memory>
#include <pqxx/transaction_base>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cutover/migration_options.h"
#include "cutover/pg_dual_write.h"
#include "cutover/pg_pool.h"
#include "cutover/pg_statement.h"
#include "cutover/stage.h"

namespace cutover::pg {

class PgMigrationBackend
    : public std::enable_shared_from_this<PgMigrationBackend> {
 public:
  // Public only for std::make_shared; use Create.
  struct Passkey {};
  PgMigrationBackend(Passkey, std::shared_ptr<PgPool> pool,
                     DualWritePolicy policy, bool snapshot_reads);

  // `pool` must not be null.
  static std::shared_ptr<PgMigrationBackend> Create(
      std::shared_ptr<PgPool> pool, DualWritePolicy policy,
      bool snapshot_reads);

  // The hooks to install in the Migration's config. They keep the backend
  // alive.
  MigrationHooks Hooks();

  // Runs one side's read: on the operation's snapshot when this thread is
  // inside one of this backend's (and it is still usable), else alone on a
  // pooled connection. A pqxx exception becomes a status
  // (StatusFromException); a read that fails on the snapshot makes it
  // unusable for the rest of the operation.
  absl::Status Read(
      Side side,
      absl::FunctionRef<absl::Status(pqxx::transaction_base&)> read) const;

  // Runs one side's write in the operation's transaction (opened by the
  // around_writes hook): the authoritative side directly, the other side as
  // the policy says. Outside an operation (no hook ran) the write gets a
  // transaction of its own.
  absl::Status Write(
      Side side,
      absl::FunctionRef<absl::Status(pqxx::transaction_base&)> write) const;
  // The same with the write's statements, which PgDualWrite sends in one
  // pipeline (with BEGIN, or with the tolerant SAVEPOINT).
  absl::Status Write(Side side, absl::Span<const PgStatement> statements) const;

  DualWritePolicy policy() const { return policy_; }
  const std::shared_ptr<PgPool>& pool() const { return pool_; }

 private:
  void AroundReads(const OperationInfo& info,
                   absl::FunctionRef<void()> reads) const;
  absl::Status AroundWrites(const OperationInfo& info,
                            absl::FunctionRef<WriteSummary()> writes) const;
  // Write's body for either form of write.
  template <typename WriteForm>
  absl::Status WriteAny(Side side, WriteForm write) const;

  const std::shared_ptr<PgPool> pool_;
  const DualWritePolicy policy_;
  const bool snapshot_reads_;
};

}  // namespace cutover::pg

#endif  // CUTOVER_PG_MIGRATION_BACKEND_H_
