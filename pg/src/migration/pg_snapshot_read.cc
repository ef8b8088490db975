#include "cutover/pg_snapshot_read.h"

#include <pqxx/pqxx>

namespace cutover::pg {

absl::Status RunOnSnapshot(
    pqxx::connection& connection,
    absl::FunctionRef<absl::Status(pqxx::transaction_base&)> reads) {
  absl::Status status;
  try {
    PgSnapshotTransaction tx(connection, "cutover_snapshot_read");
    status = reads(tx);
    // Read only: COMMIT just ends the snapshot; an aborted one rolls back.
    tx.commit();
  } catch (const std::exception& e) {
    if (status.ok()) status = StatusFromException(e, "snapshot read");
  }
  return status;
}

}  // namespace cutover::pg
