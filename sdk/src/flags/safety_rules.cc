#include "cutover/safety_rules.h"

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

// The lowest and highest stage any user can evaluate to (kill switch included).
struct Reach {
  Stage lowest;
  Stage highest;
};

Reach ReachableStages(const Flag& flag) {
  if (flag.killed) return {KillSwitchStage(flag), KillSwitchStage(flag)};
  Reach reach{flag.default_stage, flag.default_stage};
  for (const Rule& rule : flag.rules) {
    if (rule.stage < reach.lowest) reach.lowest = rule.stage;
    if (rule.stage > reach.highest) reach.highest = rule.stage;
  }
  return reach;
}

}  // namespace

std::vector<SafetyViolation> CheckSafetyRules(const Flag* before,
                                              const Flag& after) {
  std::vector<SafetyViolation> out;
  const Reach reach = ReachableStages(after);

  if ((reach.highest == Stage::kLive || reach.highest == Stage::kRampDown ||
       (reach.highest == Stage::kComplete &&
        reach.lowest < Stage::kComplete)) &&
      reach.lowest < Stage::kDualWrite) {
    out.push_back(
        {1,
         StrCat("some users would read the new schema (",
                StageName(reach.highest),
                ") while others write only the old one (off); move the default "
                "stage and every rule to dualwrite or later first")});
  }

  if (!after.killed) {
    bool rule_assigns_complete = false;
    bool rule_assigns_earlier = false;
    for (const Rule& rule : after.rules) {
      if (rule.stage == Stage::kComplete) rule_assigns_complete = true;
      if (rule.stage < Stage::kComplete) rule_assigns_earlier = true;
    }
    if (rule_assigns_complete && after.default_stage != Stage::kComplete) {
      out.push_back({2,
                     "complete is flag-wide: set it as the default stage "
                     "(cutover flag stage NAME complete), not in a rule"});
    } else if (after.default_stage == Stage::kComplete &&
               rule_assigns_earlier) {
      out.push_back({2,
                     "complete is flag-wide: remove the rules that assign an "
                     "earlier stage "
                     "(cutover flag untarget NAME INDEX) before completing"});
    }
  }

  if (before != nullptr && !before->killed &&
      before->default_stage == Stage::kComplete &&
      (after.default_stage < Stage::kComplete ||
       reach.lowest < Stage::kComplete) &&
      !after.killed) {
    out.push_back({3,
                   "the flag is complete: the old schema has no recent writes, "
                   "so no user "
                   "may go back to an earlier stage"});
  }

  if (after.killed && after.default_stage == Stage::kComplete) {
    out.push_back(
        {5,
         "the kill switch cannot be used on a complete flag: the old schema no "
         "longer has recent writes"});
  }
  return out;
}

absl::Status EnforceSafetyRules(const Flag* before, const Flag& after,
                                bool force) {
  const std::vector<SafetyViolation> violations =
      CheckSafetyRules(before, after);
  std::string message;
  bool forceable = true;
  for (const SafetyViolation& v : violations) {
    if (v.rule == 5) forceable = false;
    if (force && v.rule != 5) continue;
    message += StrCat(message.empty() ? "" : "; ", "refused by safety rule ",
                      v.rule, ": ", v.message);
  }
  if (message.empty()) return absl::OkStatus();
  if (forceable)
    message += " (use --force to override in an emergency; it is audited)";
  return absl::FailedPreconditionError(message);
}

}  // namespace sdk
}  // namespace cutover
