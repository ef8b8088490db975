// Flag evaluation as a pure function (docs/design.md, Flag model): no I/O, no
// locks, no heap allocation. Data sources (stores, the live client) are
// separate; they hand the evaluator a CompiledFlag from an immutable snapshot.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_EVALUATOR_H_
#define CUTOVER_EVALUATOR_H_

#include "cutover/compiled_flag.h"
#include "cutover/evaluation.h"

namespace cutover {
inline namespace sdk {

// Order: kill switch (KILLED), rules in order with the first match winning
// (USER_TARGET, GROUP, PERCENT, with the rule index), then the default stage
// (DEFAULT). A group rule matches when the context lists the group or the
// stored group set holds the user id.
Evaluation Evaluate(const CompiledFlag& flag, const EvaluationContext& context);

// What the caller gets when there is no flag to evaluate: its own default
// stage.
inline Evaluation FallbackEvaluation(Stage caller_default, Reason reason) {
  return Evaluation{caller_default, reason, -1, 0.0};
}

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EVALUATOR_H_
