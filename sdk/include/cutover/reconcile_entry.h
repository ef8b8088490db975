// One entry of a flag's reconcile log: an entity whose non-authoritative
// write failed, so that its row can be re-synced later (docs/design.md, Stages;
// Results pipeline; `cutover reconcile`).
//
// In Redis the log is the stream <prefix>reconcile:<flag> (RedisKeys::
// Reconcile), one entry per failure, with these fields (stable: runbooks and
// scripts read them):
//   key          the entity key the write callable declared (e.g. a user id)
//   operation    the write's name (MigrationOptions::write_operation)
//   error        the failed write's error message
//   at           when it failed, Unix milliseconds
//   stage        the stage the write ran in ("dualwrite", "live", ...)
//   side         the side whose write failed: "old" or "new"
//   user         the user id of the evaluation ("" when none)
//   attempts     reconcile runs that tried this entry and failed (0 at first)
// Repaired entries are deleted (XDEL), so the backlog is XLEN.
//
// Thread-safety: a value type; the functions are pure.
#ifndef CUTOVER_RECONCILE_ENTRY_H_
#define CUTOVER_RECONCILE_ENTRY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

inline constexpr std::string_view kReconcileFieldKey = "key";
inline constexpr std::string_view kReconcileFieldOperation = "operation";
inline constexpr std::string_view kReconcileFieldError = "error";
inline constexpr std::string_view kReconcileFieldAt = "at";
inline constexpr std::string_view kReconcileFieldStage = "stage";
inline constexpr std::string_view kReconcileFieldSide = "side";
inline constexpr std::string_view kReconcileFieldUser = "user";
inline constexpr std::string_view kReconcileFieldAttempts = "attempts";

struct ReconcileEntry {
  std::string flag;  // the stream it belongs to (not a field of the entry)
  std::string key;
  std::string operation;
  std::string error;
  std::int64_t at_ms = 0;
  Stage stage = Stage::kDualWrite;
  Side side = Side::kNew;  // the side whose write failed
  std::string user;
  int attempts = 0;
  // The stream entry id once stored ("1700000000000-0"); empty before.
  std::string id;
};

// The entry's stream fields, in the order above, as field/value pairs.
std::vector<std::pair<std::string_view, std::string>> ReconcileEntryFields(
    const ReconcileEntry& entry);

// Builds an entry from a stream entry's id and fields. Unknown fields are
// ignored (a newer writer may add some); a missing `key`, or an `at`, `stage`,
// `side` or `attempts` that does not parse, is InvalidArgument naming the
// entry id and the field.
absl::StatusOr<ReconcileEntry> ParseReconcileEntry(
    std::string_view flag, std::string_view id,
    const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_RECONCILE_ENTRY_H_
