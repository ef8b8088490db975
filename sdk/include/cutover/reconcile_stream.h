// The Redis side of the reconcile log: appending, reading, replacing and
// acknowledging entries of <prefix>reconcile:<flag> (reconcile_entry.h) over
// one RedisConnection. RedisReconcileLog appends through it; `cutover
// reconcile` reads and acknowledges through it.
//
// Thread-safety: a ReconcileStream borrows a RedisConnection, which is used
// by one thread at a time; so is the stream.
#ifndef CUTOVER_RECONCILE_STREAM_H_
#define CUTOVER_RECONCILE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/reconcile_entry.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_keys.h"

namespace cutover {
inline namespace sdk {

class ReconcileStream {
 public:
  // `connection` must outlive the stream.
  ReconcileStream(RedisConnection& connection, RedisKeys keys)
      : connection_(connection), keys_(std::move(keys)) {}

  // XADDs each entry to its flag's stream in one pipelined round trip and
  // stores the new ids in the entries. On error nothing tells which entries
  // were stored: callers retry the batch only when the connection broke
  // before anything was sent, and accept the rare duplicate otherwise
  // (replaying an entry twice is harmless).
  absl::Status AppendBatch(std::vector<ReconcileEntry>* entries);

  // Up to `count` entries of `flag` with ids in (after_id, last_id], oldest
  // first; after_id "" means from the start, last_id "" means to the end.
  // Entries that do not parse are skipped and described in `*invalid` (if
  // given), so one bad entry does not stop a reconcile run.
  absl::StatusOr<std::vector<ReconcileEntry>> Range(
      std::string_view flag, std::string_view after_id,
      std::string_view last_id, std::size_t count,
      std::vector<std::string>* invalid = nullptr);

  // The newest entry's id, or "" when the stream is empty or missing.
  absl::StatusOr<std::string> LastId(std::string_view flag);

  // XDEL: acknowledges repaired entries. Returns how many were deleted.
  absl::StatusOr<std::int64_t> Acknowledge(std::string_view flag,
                                           const std::vector<std::string>& ids);

  // Atomically (MULTI/EXEC) appends `replacement` (its id is set) and deletes
  // the entry `old_id`: how a failed replay leaves the entry in place with its
  // newest error.
  absl::Status Replace(std::string_view old_id, ReconcileEntry* replacement);

  // XLEN: the backlog of `flag`.
  absl::StatusOr<std::int64_t> Length(std::string_view flag);

 private:
  RedisConnection& connection_;
  const RedisKeys keys_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_RECONCILE_STREAM_H_
