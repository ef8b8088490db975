// A dual write in one PostgreSQL transaction: the authoritative side's
// statements, then the other side's, then one COMMIT. Two policies, the
// trade-off every dual-write guide discusses:
//
//   strict    both writes commit or neither does. A failure on either side
//             rolls everything back and the caller sees the error: the two
//             schemas can never drift apart, but the new schema's bugs
//             (a constraint the old one did not have, a trigger that
//             raises) now fail user requests.
//   tolerant  the other side's write runs after a SAVEPOINT; if it fails,
//             only it is rolled back (ROLLBACK TO SAVEPOINT), the
//             authoritative write commits, and the failure is reported so
//             the key can be recorded for reconcile. Users never notice
//             the new schema; the rows it missed are re-synced later.
//
// Each write is either a callable that runs its statements through pqxx, or
// its statements as data (PgStatement). PgDualWrite sends statements itself,
// in libpq pipeline mode, with the commands that must precede them: BEGIN
// rides with the authoritative write's statements, and in tolerant mode the
// SAVEPOINT with the other side's. Either policy then takes three round
// trips (BEGIN + write, write, COMMIT), as many as a single write through
// pqxx. A callable's statements are sent one by one by pqxx, and BEGIN and
// the SAVEPOINT each alone before them (five round trips when tolerant).
//
// The transaction is marked as a dual write (kMarkDualWriteSql, right after
// BEGIN and in its round trip) so that sync triggers skip it: it writes both
// sides itself (docs/sync.md, "Coexistence with the application's dual
// writes"). With statements the marker is one more command in the first
// pipeline; before a callable it shares BEGIN's simple-query message. Either
// way it costs no round trip.
//
//   using cutover::pg::PgStatement;
//   cutover::pg::PgDualWrite dual(conn,
//                                 cutover::pg::DualWritePolicy::kTolerant);
//   absl::Status a = dual.Authoritative([&](pqxx::transaction_base& tx) {
//     tx.exec_params("UPDATE users SET joined_pair_id = $2 WHERE id = $1",
//                    user, pair);
//     return absl::OkStatus();
//   });
//   absl::Status o = dual.Other({PgStatement::Sql(
//       "UPDATE user_pair SET pair_id = $2 WHERE user_id = $1", user, pair)});
//   absl::Status committed = dual.Finish();
//
// Thread-safety: a PgDualWrite is used by one thread, like its connection.
#ifndef CUTOVER_PG_DUAL_WRITE_H_
#define CUTOVER_PG_DUAL_WRITE_H_

#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cutover/pg_statement.h"

namespace cutover::pg {

enum class DualWritePolicy { kStrict, kTolerant };

// The transaction-local setting that marks a dual-write transaction, and the
// statement that sets it. Every sync trigger (sync_trigger.h) returns at once
// when it is 'on'. Defined here, not in the sync module, because the
// dual-write transaction is what sets it.
inline constexpr std::string_view kDualWriteSetting = "cutover.dual_write";
inline constexpr char kMarkDualWriteSql[] =
    "SET LOCAL cutover.dual_write = 'on'";

// Whether a PgDualWrite marks its transaction for the sync triggers. Only a
// transaction that writes both sides may: a write of one side alone (stages
// `off` and `complete`, docs/design.md, Stages) relies on the trigger to
// carry it to the other side.
enum class DualWriteMarker { kMark, kNoMark };

// "strict" or "tolerant".
std::string_view DualWritePolicyName(DualWritePolicy policy);

// One side's write: its statements on `tx`. Returns OK or the error; a pqxx
// exception it throws is turned into a status (StatusFromException).
using PgWriteFn = absl::FunctionRef<absl::Status(pqxx::transaction_base&)>;

class PipelineTransaction;  // pg/src/migration/pg_pipeline.h

class PgDualWrite {
 public:
  // A READ COMMITTED transaction on `connection` (which must outlive this
  // object). BEGIN goes with the first write (in its round trip when the
  // write is statements), followed by kMarkDualWriteSql unless `marker` is
  // kNoMark; if either fails, every later call returns that error.
  PgDualWrite(pqxx::connection& connection, DualWritePolicy policy,
              DualWriteMarker marker = DualWriteMarker::kMark);
  // Rolls back unless Finish committed.
  ~PgDualWrite();
  PgDualWrite(const PgDualWrite&) = delete;
  PgDualWrite& operator=(const PgDualWrite&) = delete;

  // The authoritative write, first. Its error is the operation's error: the
  // transaction will be rolled back and Other must not be called.
  absl::Status Authoritative(PgWriteFn write);
  // The same, with the write's statements sent in one round trip (after
  // BEGIN, when the transaction is not open yet).
  absl::Status Authoritative(absl::Span<const PgStatement> statements);

  // The other side's write, only after Authoritative succeeded. Strict: in
  // the transaction itself. Tolerant: after a savepoint, rolled back alone on
  // failure. Returns the write's error either way.
  absl::Status Other(PgWriteFn write);
  // The same, with the write's statements sent in one round trip, the
  // tolerant policy's SAVEPOINT first among them. If the SAVEPOINT itself
  // fails (or preparing one of the statements, on its first use on the
  // connection, before the SAVEPOINT), the transaction is lost and the
  // authoritative write with it: Finish then rolls back and says so.
  absl::Status Other(absl::Span<const PgStatement> statements);

  // Commits, unless a write failed in a way the policy does not tolerate (the
  // authoritative one; the other one in strict mode): then rolls back and
  // returns Aborted saying so, with the failure. A failed COMMIT is returned
  // as its error (nothing was written).
  absl::Status Finish();

  // The transaction, for statements beyond the two writes (e.g. locking the
  // row first); sends BEGIN if no write has yet. Null when BEGIN failed.
  pqxx::transaction_base* transaction();

 private:
  // Sends BEGIN unless the transaction is open; begin_ afterwards.
  absl::Status BeginNow();
  // OK when the other side may be written now.
  absl::Status CheckOtherMayRun() const;
  // Tolerant: undoes the failed other-side write back to the savepoint.
  void RollBackOther();

  const DualWritePolicy policy_;
  absl::Status begin_;
  std::unique_ptr<PipelineTransaction> tx_;
  std::optional<absl::Status> authoritative_;
  std::optional<absl::Status> other_;
  bool finished_ = false;
};

// What RunDualWrite did.
struct DualWriteOutcome {
  absl::Status authoritative;  // the authoritative write's result
  bool other_ran = false;
  absl::Status other;   // the other write's result, when it ran
  absl::Status commit;  // Finish()
  bool committed = false;

  // What the caller should see: the authoritative error, else the commit's
  // error (which in strict mode carries the other side's failure), else OK.
  absl::Status status() const;
  // The other side failed but the authoritative write committed: the key
  // must be recorded for reconcile.
  bool needs_reconcile() const { return committed && other_ran && !other.ok(); }
};

// Begin, authoritative write, other write if the first succeeded, Finish. The
// transaction is marked (DualWriteMarker::kMark).
DualWriteOutcome RunDualWrite(pqxx::connection& connection,
                              DualWritePolicy policy, PgWriteFn authoritative,
                              PgWriteFn other);
// The same with both writes as statements: BEGIN and the authoritative
// statements, then the other side's (after the SAVEPOINT when tolerant),
// then COMMIT: three round trips under either policy.
DualWriteOutcome RunDualWrite(pqxx::connection& connection,
                              DualWritePolicy policy,
                              absl::Span<const PgStatement> authoritative,
                              absl::Span<const PgStatement> other);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_DUAL_WRITE_H_
