// The input and output of one flag evaluation (docs/design.md, Flag model).
//
// Thread-safety: value types. An EvaluationContext does not own what it points
// to: the strings it views must outlive the evaluation call (they usually live
// on the caller's stack).
#ifndef CUTOVER_EVALUATION_H_
#define CUTOVER_EVALUATION_H_

#include <initializer_list>
#include <string_view>

#include "absl/types/span.h"
#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

// Who is asking: the user id and the groups the application knows the user is
// in (e.g. "staff" from its own session), in addition to the group sets stored
// in Redis.
struct EvaluationContext {
  std::string_view user_id;
  absl::Span<const std::string_view> groups;

  EvaluationContext() = default;
  explicit EvaluationContext(std::string_view user) : user_id(user) {}
  EvaluationContext(std::string_view user,
                    absl::Span<const std::string_view> user_groups)
      : user_id(user), groups(user_groups) {}

  bool InContextGroup(std::string_view group) const {
    for (std::string_view g : groups) {
      if (g == group) return true;
    }
    return false;
  }
};

// Why an evaluation returned its stage, so `cutover flag eval` can explain any
// decision.
enum class Reason : unsigned char {
  kFlagNotFound,  // no such flag: the caller's default
  kNotReady,      // the client has never loaded flags: the caller's default
  kKilled,        // kill switch engaged
  kUserTarget,    // a users rule matched (rule_index says which)
  kGroup,         // a group rule matched
  kPercent,       // a percentage rule matched
  kDefault,       // no rule matched: the flag's default stage
};

// "FLAG_NOT_FOUND", "NOT_READY", "KILLED", "USER_TARGET", "GROUP", "PERCENT",
// "DEFAULT".
std::string_view ReasonName(Reason reason);

struct Evaluation {
  Stage stage = Stage::kOff;
  Reason reason = Reason::kFlagNotFound;
  int rule_index = -1;  // the matching rule, or -1
  // The flag's comparison sample rate (0 when there is no flag): the migration
  // router samples shadow reads with it.
  double sample_rate = 0.0;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EVALUATION_H_
