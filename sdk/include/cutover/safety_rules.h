// The stage safety rules (docs/design.md, Stages), as one pure function every
// writer calls: the CLI, the admin API and the tests all refuse the same
// changes with the same words.
//
// Why they exist: per-user stages are safe for reads, not for writes. If user A
// reads the new schema while user B still writes only the old one, A reads
// stale data.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_SAFETY_RULES_H_
#define CUTOVER_SAFETY_RULES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cutover/flag.h"

namespace cutover {
inline namespace sdk {

struct SafetyViolation {
  // 1: live/rampdown reachable while someone can still be below dualwrite.
  // 2: complete used other than as the flag-wide default.
  // 3: leaving complete for an earlier stage.
  // 5: kill switch engaged on a complete flag.
  int rule = 0;
  std::string message;  // says what is wrong and what to do instead
};

// Every rule that `after` breaks, given the stored `before` (nullptr when the
// flag is being created). Empty when the change is safe.
std::vector<SafetyViolation> CheckSafetyRules(const Flag* before,
                                              const Flag& after);

// OK when the change is safe or `force` overrides the violations (rules 1-3
// only; rule 5 cannot be forced). Otherwise FailedPrecondition naming each
// broken rule, e.g. "refused by safety rule 1: ...; use --force to override in
// an emergency".
absl::Status EnforceSafetyRules(const Flag* before, const Flag& after,
                                bool force);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_SAFETY_RULES_H_
