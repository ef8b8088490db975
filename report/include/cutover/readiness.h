// Contract readiness: may the old schema be dropped? A pure function of the
// facts a report gathered and the criteria a reviewer chose, so the same
// evidence always gives the same verdict and every criterion can be tested on
// its own.
//
// The verdict is "ready" only when every check passes; each failing check is a
// reason that says what is wrong and what to do about it
// (docs/reviewing-a-migration.md explains each one).
//
// Thread-safety: value types and pure functions.
#ifndef CUTOVER_READINESS_H_
#define CUTOVER_READINESS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "cutover/flag.h"
#include "cutover/stage.h"

namespace cutover::report {

// What must hold before contract. The defaults are deliberately strict: the
// contract step cannot be undone, so relaxing a criterion is a decision a
// reviewer makes on the command line, where it is visible.
struct ReadinessCriteria {
  // At least this many comparisons in the window...
  std::uint64_t min_comparisons = 1000;
  // ...spread over at least this long: from the start of the first minute
  // with a comparison in the window to the report's time.
  std::chrono::seconds min_duration = std::chrono::hours(24);
  // Mismatches allowed in the window, and separately since the last change of
  // the flag.
  std::uint64_t max_mismatches = 0;
  // (candidate errors + timeouts) / (comparisons + timeouts) allowed in the
  // window, 0..1.
  double max_error_rate = 0.0;
  // Reconcile entries (failed non-authoritative writes) allowed to be waiting.
  std::uint64_t max_reconcile_backlog = 0;
  // Whether a passing table verification newer than the last stage change is
  // required. Off only for migrations that have no table to verify.
  bool require_verification = true;
  // Every user must evaluate to at least this stage (and the kill switch must
  // be off). Contract removes the old schema: nobody may still read it.
  Stage min_stage = Stage::kRampDown;
};

// InvalidArgument naming the criterion when a value is out of range
// (max_error_rate outside 0..1 or NaN, min_duration negative, min_stage
// below rampdown).
absl::Status ValidateCriteria(const ReadinessCriteria& criteria);

// The newest table verification (cutover verify), as recorded in
// `<prefix>verify:<flag>`.
struct VerificationFacts {
  std::int64_t at_ms = 0;
  bool equal = false;
  std::int64_t rows_old = 0;
  std::int64_t rows_new = 0;
  std::int64_t difference_count = 0;
  std::int64_t chunks = 0;
};

// Everything the verdict depends on, gathered by the report.
struct ReadinessFacts {
  Flag flag;
  // The report's time and window: [now - window, now].
  std::int64_t now_ms = 0;
  std::chrono::seconds window{0};
  // Exact counters over the window.
  std::uint64_t comparisons = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t candidate_errors = 0;
  std::uint64_t timeouts = 0;
  // Start of the first minute in the window with at least one comparison.
  std::optional<std::int64_t> first_comparison_ms;
  // The newest change of the flag of any kind, and the mismatches counted
  // from the start of its minute on (the whole minute counts, so a mismatch
  // just before the change is never missed).
  std::optional<std::int64_t> last_change_ms;
  std::uint64_t mismatches_since_change = 0;
  // The newest change that moved any user to another stage: default stage,
  // rules or kill switch. Empty when no history was found.
  std::optional<std::int64_t> last_stage_change_ms;
  // Failed non-authoritative writes waiting to be reconciled.
  std::uint64_t reconcile_backlog = 0;
  std::optional<std::int64_t> reconcile_oldest_ms;
  std::optional<VerificationFacts> verification;
};

// The checks, in the order a report lists them.
enum class Criterion : std::uint8_t {
  kComparisons = 0,
  kDuration,
  kMismatches,
  kMismatchesSinceChange,
  kErrors,
  kReconcileBacklog,
  kVerification,
  kStages,
};
inline constexpr int kCriterionCount = 8;

// Stable identifiers for scripts: "comparisons", "duration", "mismatches",
// "mismatches_since_change", "errors", "reconcile_backlog", "verification",
// "stages".
std::string_view CriterionName(Criterion criterion);

struct CheckResult {
  Criterion criterion = Criterion::kComparisons;
  bool passed = false;
  // What was found against what is required, e.g. "3 mismatches in the last
  // 24h (allowed: 0)".
  std::string finding;
  // What a person should do; empty when the check passed.
  std::string action;
};

struct ReadinessVerdict {
  bool ready = false;
  // One entry per criterion, in Criterion order.
  std::vector<CheckResult> checks;

  // The failing checks, in order: the reasons the verdict is "not ready".
  std::vector<CheckResult> Reasons() const;
};

// Decides readiness. Never fails: missing evidence (no comparisons, no
// verification) fails the corresponding check.
ReadinessVerdict EvaluateReadiness(const ReadinessFacts& facts,
                                   const ReadinessCriteria& criteria);

}  // namespace cutover::report

#endif  // CUTOVER_READINESS_H_
