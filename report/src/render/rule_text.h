// A flag rule in words, for reports and readiness reasons: "group staff ->
// live", "users u1,u2 -> rampdown", "10% of users (salt pm) -> shadow".
//
// Thread-safety: pure functions.
#ifndef CUTOVER_RULE_TEXT_H_
#define CUTOVER_RULE_TEXT_H_

#include <string>

#include "cutover/flag.h"

namespace cutover::report {

// Who the rule matches, without the stage: "group staff", "users u1,u2" (at
// most five ids, then the count), "10% of users (salt pm)".
std::string DescribeRuleMatcher(const Flag& flag, const Rule& rule);

// DescribeRuleMatcher + " -> " + the stage.
std::string DescribeRule(const Flag& flag, const Rule& rule);

}  // namespace cutover::report

#endif  // CUTOVER_RULE_TEXT_H_
