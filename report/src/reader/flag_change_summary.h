// Which of a flag's audit entries matter to a contract review: the newest
// change of any kind, and the newest change that moved users between stages.
//
// A stage change is any entry whose before and after documents differ in the
// default stage, the kill switch or the rules (a rule change moves the users it
// matches, even when the stages named stay the same). Creating or deleting the
// flag is one too, and so is an entry whose documents cannot be parsed: when
// in doubt the change counts, so a verification is never trusted across it.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_FLAG_CHANGE_SUMMARY_H_
#define CUTOVER_FLAG_CHANGE_SUMMARY_H_

#include <vector>

#include "cutover/flag_store.h"
#include "cutover/report.h"

namespace cutover::report {

// True when `entry` moved some user to another stage (see above).
bool IsStageChange(const AuditEntry& entry);

// The newest change and the newest stage change among `history` (any order).
// Fields stay empty when `history` holds no such entry.
ChangeSummary SummarizeChanges(const std::vector<AuditEntry>& history);

}  // namespace cutover::report

#endif  // CUTOVER_FLAG_CHANGE_SUMMARY_H_
