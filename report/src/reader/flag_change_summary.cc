#include "reader/flag_change_summary.h"

#include "cutover/flag_json.h"

namespace cutover::report {

bool IsStageChange(const AuditEntry& entry) {
  if (entry.before.empty() || entry.after.empty()) return true;
  absl::StatusOr<Flag> before = ParseFlagJson(entry.before);
  absl::StatusOr<Flag> after = ParseFlagJson(entry.after);
  if (!before.ok() || !after.ok()) return true;
  return before->default_stage != after->default_stage ||
         before->killed != after->killed || !(before->rules == after->rules);
}

ChangeSummary SummarizeChanges(const std::vector<AuditEntry>& history) {
  ChangeSummary summary;
  const AuditEntry* newest = nullptr;
  const AuditEntry* newest_stage = nullptr;
  // Two changes can share a millisecond; the store version, bumped by every
  // write, then tells which was last.
  auto newer = [](const AuditEntry& a, const AuditEntry* b) {
    if (b == nullptr) return true;
    if (a.at_ms != b->at_ms) return a.at_ms > b->at_ms;
    return a.version > b->version;
  };
  for (const AuditEntry& e : history) {
    if (newer(e, newest)) newest = &e;
    if (IsStageChange(e) && newer(e, newest_stage)) newest_stage = &e;
  }
  if (newest != nullptr) {
    summary.last_change_ms = newest->at_ms;
    summary.last_change_action = newest->action;
    summary.last_change_actor = newest->actor;
  }
  if (newest_stage != nullptr) {
    summary.last_stage_change_ms = newest_stage->at_ms;
    summary.last_stage_change_action = newest_stage->action;
    summary.last_stage_change_actor = newest_stage->actor;
  }
  return summary;
}

}  // namespace cutover::report
