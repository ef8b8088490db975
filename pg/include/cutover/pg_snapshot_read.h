// Shadow reads on one snapshot: the old-side and the new-side read of one
// comparison run inside one REPEATABLE READ READ ONLY transaction, so both
// see the database as of the same instant and a write committed between them
// cannot show up as a mismatch. PgMigration does this by default for serial
// and random-order execution; these functions are the building block, usable
// on their own.
//
//   cutover::SnapshotReads<Pairs> both = cutover::ReadBothOnSnapshot<Pairs>(
//       conn, [&](pqxx::transaction_base& tx) { return OldPairs(tx, id); },
//             [&](pqxx::transaction_base& tx) { return NewPairs(tx, id); });
//
// Thread-safety: the functions are thread-safe; the connection passed in is
// used by the calling thread only, for the duration of the call.
#ifndef CUTOVER_PG_SNAPSHOT_READ_H_
#define CUTOVER_PG_SNAPSHOT_READ_H_

#include <exception>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/pg_connection.h"

namespace cutover::pg {

// The transaction both reads of a comparison share.
using PgSnapshotTransaction =
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// Runs `reads(tx)` inside one REPEATABLE READ READ ONLY transaction on
// `connection` and ends it. Returns what `reads` returned; an exception from
// BEGIN, from `reads` or from COMMIT becomes a status (StatusFromException,
// e.g. Unavailable for a lost connection).
absl::Status RunOnSnapshot(
    pqxx::connection& connection,
    absl::FunctionRef<absl::Status(pqxx::transaction_base&)> reads);

template <typename T>
struct SnapshotReads {
  absl::StatusOr<T> old_value;
  absl::StatusOr<T> new_value;
};

// Reads the old side, then the new side, on one snapshot. Each result is the
// read's value or its error (a pqxx exception becomes a status). When the old
// read throws a database error, the transaction is unusable, so the new
// read runs on a snapshot of its own. `read_old` / `read_new` return T or
// absl::StatusOr<T>.
template <typename T, typename ReadOld, typename ReadNew>
SnapshotReads<T> ReadBothOnSnapshot(pqxx::connection& connection,
                                    ReadOld&& read_old, ReadNew&& read_new) {
  SnapshotReads<T> out{absl::UnknownError("not read"),
                       absl::UnknownError("not read")};
  bool old_threw = false;
  bool new_read = false;
  auto run = [](auto& fn, pqxx::transaction_base& tx, const char* what,
                bool* threw) -> absl::StatusOr<T> {
    try {
      return fn(tx);
    } catch (const std::exception& e) {
      *threw = true;
      return StatusFromException(e, what);
    }
  };
  absl::Status status =
      RunOnSnapshot(connection, [&](pqxx::transaction_base& tx) {
        out.old_value = run(read_old, tx, "old-side read", &old_threw);
        // A database error aborted the transaction: the new side cannot use
        // it.
        if (old_threw) return absl::OkStatus();
        bool ignored = false;
        out.new_value = run(read_new, tx, "new-side read", &ignored);
        new_read = true;
        return absl::OkStatus();
      });
  if (!status.ok() &&
      out.old_value.status().code() == absl::StatusCode::kUnknown) {
    out.old_value = status;
  }
  if (!new_read) {
    absl::Status own =
        RunOnSnapshot(connection, [&](pqxx::transaction_base& tx) {
          bool ignored = false;
          out.new_value = run(read_new, tx, "new-side read", &ignored);
          return absl::OkStatus();
        });
    if (!own.ok() &&
        out.new_value.status().code() == absl::StatusCode::kUnknown) {
      out.new_value = own;
    }
  }
  return out;
}

}  // namespace cutover::pg

#endif  // CUTOVER_PG_SNAPSHOT_READ_H_
