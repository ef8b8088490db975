#include "cutover/evaluator.h"

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kFlagNotFound:
      return "FLAG_NOT_FOUND";
    case Reason::kNotReady:
      return "NOT_READY";
    case Reason::kKilled:
      return "KILLED";
    case Reason::kUserTarget:
      return "USER_TARGET";
    case Reason::kGroup:
      return "GROUP";
    case Reason::kPercent:
      return "PERCENT";
    case Reason::kDefault:
      return "DEFAULT";
  }
  return "UNKNOWN";
}

Evaluation Evaluate(const CompiledFlag& compiled,
                    const EvaluationContext& context) {
  const Flag& flag = compiled.flag();
  if (flag.killed)
    return Evaluation{KillSwitchStage(flag), Reason::kKilled, -1,
                      flag.sample_rate};
  const auto user = ToAbsl(context.user_id);
  int index = 0;
  for (const CompiledFlag::CompiledRule& rule : compiled.rules()) {
    switch (rule.kind) {
      case RuleKind::kUsers:
        if (rule.users.contains(user))
          return Evaluation{rule.stage, Reason::kUserTarget, index,
                            flag.sample_rate};
        break;
      case RuleKind::kGroup:
        if (context.InContextGroup(rule.group) ||
            (rule.members != nullptr && rule.members->contains(user))) {
          return Evaluation{rule.stage, Reason::kGroup, index,
                            flag.sample_rate};
        }
        break;
      case RuleKind::kPercent:
        if (InPercentage(rule.percent, rule.bucketer.Bucket(context.user_id))) {
          return Evaluation{rule.stage, Reason::kPercent, index,
                            flag.sample_rate};
        }
        break;
    }
    ++index;
  }
  return Evaluation{flag.default_stage, Reason::kDefault, -1, flag.sample_rate};
}

}  // namespace sdk
}  // namespace cutover
