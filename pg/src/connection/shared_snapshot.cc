#include "connection/shared_snapshot.h"

#include <pqxx/pqxx>

#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"

namespace cutover::pg {
namespace {

constexpr char kBegin[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

void Rollback(pqxx::connection_base& conn) {
  try {
    pqxx::nontransaction tx(conn);
    tx.exec("ROLLBACK");
  } catch (const std::exception&) {
    // The connection is gone; so is its transaction.
  }
}

}  // namespace

SharedSnapshot::SharedSnapshot(Passkey, pqxx::connection_base& first,
                               pqxx::connection_base& second)
    : first_(first), second_(second) {}

absl::StatusOr<std::unique_ptr<SharedSnapshot>> SharedSnapshot::Begin(
    pqxx::connection_base& first, pqxx::connection_base& second) {
  std::string snapshot;
  try {
    pqxx::nontransaction tx(first);
    tx.exec(kBegin);
    snapshot = tx.exec("SELECT pg_export_snapshot()")[0][0].c_str();
  } catch (const std::exception& e) {
    Rollback(first);
    return StatusFromException(e, "opening a snapshot");
  }
  try {
    pqxx::nontransaction tx(second);
    tx.exec(kBegin);
    // SET TRANSACTION SNAPSHOT takes no parameters; the id comes from the
    // server and is quoted as a literal all the same.
    tx.exec(StrCat("SET TRANSACTION SNAPSHOT ", tx.quote(snapshot)));
  } catch (const std::exception& e) {
    Rollback(second);
    Rollback(first);
    return StatusFromException(e, "sharing the snapshot");
  }
  return std::make_unique<SharedSnapshot>(Passkey{}, first, second);
}

absl::Status SharedSnapshot::Finish() {
  if (!open_) return absl::OkStatus();
  open_ = false;
  absl::Status status;
  for (pqxx::connection_base* conn : {&second_, &first_}) {
    try {
      pqxx::nontransaction tx(*conn);
      tx.exec("COMMIT");
    } catch (const std::exception& e) {
      if (status.ok()) status = StatusFromException(e, "closing the snapshot");
    }
  }
  return status;
}

SharedSnapshot::~SharedSnapshot() {
  if (open_) {
    Rollback(second_);
    Rollback(first_);
  }
}

}  // namespace cutover::pg
