// Two PostgreSQL sessions reading the same snapshot of the database.
//
// Verify reads the old side on one connection and the new side on another, in
// parallel. If each used its own snapshot, a write committed between the two
// would look like a divergence. The first session opens a REPEATABLE READ READ
// ONLY transaction and exports its snapshot (pg_export_snapshot); the second
// imports it (SET TRANSACTION SNAPSHOT), so both see exactly the same
// committed data: an application that writes old and new in one transaction
// is never caught half-way.
//
// The snapshot holds back VACUUM's horizon while it lives; keep it for one
// verification pass, not longer.
//
// Thread-safety: not thread-safe; after Begin, each connection may be used by
// its own thread until Finish.
#ifndef CUTOVER_SHARED_SNAPSHOT_H_
#define CUTOVER_SHARED_SNAPSHOT_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

class SharedSnapshot {
 public:
  // Opens the transactions on both connections (distinct, same database).
  // Unavailable when a connection is lost; Internal for other server errors.
  static absl::StatusOr<std::unique_ptr<SharedSnapshot>> Begin(
      pqxx::connection_base& first, pqxx::connection_base& second);

  // Ends both read-only transactions. Idempotent.
  absl::Status Finish();
  // Finishes (ignoring errors) if Finish was not called.
  ~SharedSnapshot();

  SharedSnapshot(const SharedSnapshot&) = delete;
  SharedSnapshot& operator=(const SharedSnapshot&) = delete;

 private:
  struct Passkey {};

 public:
  SharedSnapshot(Passkey, pqxx::connection_base& first,
                 pqxx::connection_base& second);

 private:
  pqxx::connection_base& first_;
  pqxx::connection_base& second_;
  bool open_ = true;
};

}  // namespace cutover::pg

#endif  // CUTOVER_SHARED_SNAPSHOT_H_
