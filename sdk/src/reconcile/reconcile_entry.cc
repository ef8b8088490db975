#include "cutover/reconcile_entry.h"

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

std::vector<std::pair<std::string_view, std::string>> ReconcileEntryFields(
    const ReconcileEntry& entry) {
  return {
      {kReconcileFieldKey, entry.key},
      {kReconcileFieldOperation, entry.operation},
      {kReconcileFieldError, entry.error},
      {kReconcileFieldAt, StrCat(entry.at_ms)},
      {kReconcileFieldStage, std::string(StageName(entry.stage))},
      {kReconcileFieldSide, std::string(SideName(entry.side))},
      {kReconcileFieldUser, entry.user},
      {kReconcileFieldAttempts, StrCat(entry.attempts)},
  };
}

absl::StatusOr<ReconcileEntry> ParseReconcileEntry(
    std::string_view flag, std::string_view id,
    const std::vector<std::pair<std::string, std::string>>& fields) {
  ReconcileEntry entry;
  entry.flag = std::string(flag);
  entry.id = std::string(id);
  bool has_key = false;
  auto bad = [&](std::string_view field, std::string_view value) {
    return absl::InvalidArgumentError(
        StrCat("reconcile entry ", id, " of flag '", flag, "': field '", field,
               "' has an invalid value '", value,
               "'; delete or fix the entry (XDEL / XADD)"));
  };
  for (const auto& [field, value] : fields) {
    if (field == kReconcileFieldKey) {
      entry.key = value;
      has_key = true;
    } else if (field == kReconcileFieldOperation) {
      entry.operation = value;
    } else if (field == kReconcileFieldError) {
      entry.error = value;
    } else if (field == kReconcileFieldAt) {
      if (!ParseInteger(value, &entry.at_ms)) return bad(field, value);
    } else if (field == kReconcileFieldStage) {
      std::optional<Stage> stage = ParseStage(value);
      if (!stage) return bad(field, value);
      entry.stage = *stage;
    } else if (field == kReconcileFieldSide) {
      if (value == "old") {
        entry.side = Side::kOld;
      } else if (value == "new") {
        entry.side = Side::kNew;
      } else {
        return bad(field, value);
      }
    } else if (field == kReconcileFieldUser) {
      entry.user = value;
    } else if (field == kReconcileFieldAttempts) {
      if (!ParseInteger(value, &entry.attempts) || entry.attempts < 0) {
        return bad(field, value);
      }
    }
  }
  if (!has_key) {
    return absl::InvalidArgumentError(
        StrCat("reconcile entry ", id, " of flag '", flag,
               "' has no 'key' field; it cannot be replayed (delete it with "
               "XDEL once the row is checked by hand)"));
  }
  return entry;
}

}  // namespace sdk
}  // namespace cutover
