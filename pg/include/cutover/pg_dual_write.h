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
//   cutover::PgDualWrite dual(conn, cutover::DualWritePolicy::kTolerant);
//   absl::Status a = dual.Authoritative([&](pqxx::transaction_base& tx) {
//     tx.exec_params("UPDATE users SET joined_pair_id = $2 WHERE id = $1",
//                    user, pair);
//     return absl::OkStatus();
//   });
//   absl::Status o = dual.Other(...);
//   absl::Status committed = dual.Finish();
//
// Thread-safety: a PgDualWrite is used by one thread, like its connection.
#ifndef CUTOVER_PG_DUAL_WRITE_H_
#define CUTOVER_PG_DUAL_WRITE_H_

#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cutover::pg {

enum class DualWritePolicy { kStrict, kTolerant };

// "strict" or "tolerant".
std::string_view DualWritePolicyName(DualWritePolicy policy);

// One side's write: its statements on `tx`. Returns OK or the error; a pqxx
// exception it throws is turned into a status (StatusFromException).
using PgWriteFn = absl::FunctionRef<absl::Status(pqxx::transaction_base&)>;

class PgDualWrite {
 public:
  // Begins a READ COMMITTED transaction on `connection` (which must outlive
  // this object). If BEGIN fails, every later call returns that error.
  PgDualWrite(pqxx::connection& connection, DualWritePolicy policy);
  // Rolls back unless Finish committed.
  ~PgDualWrite();
  PgDualWrite(const PgDualWrite&) = delete;
  PgDualWrite& operator=(const PgDualWrite&) = delete;

  // The authoritative write, first. Its error is the operation's error: the
  // transaction will be rolled back and Other must not be called.
  absl::Status Authoritative(PgWriteFn write);

  // The other side's write, only after Authoritative succeeded. Strict: in
  // the transaction itself. Tolerant: after a savepoint, rolled back alone on
  // failure. Returns the write's error either way.
  absl::Status Other(PgWriteFn write);

  // Commits, unless a write failed in a way the policy does not tolerate (the
  // authoritative one; the other one in strict mode): then rolls back and
  // returns Aborted saying so, with the failure. A failed COMMIT is returned
  // as its error (nothing was written).
  absl::Status Finish();

  // The transaction, for statements beyond the two writes (e.g. locking the
  // row first). Null when BEGIN failed.
  pqxx::work* transaction() { return tx_.get(); }

 private:
  const DualWritePolicy policy_;
  absl::Status begin_;
  std::unique_ptr<pqxx::work> tx_;
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

// Begin, authoritative write, other write if the first succeeded, Finish.
DualWriteOutcome RunDualWrite(pqxx::connection& connection,
                              DualWritePolicy policy, PgWriteFn authoritative,
                              PgWriteFn other);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_DUAL_WRITE_H_
