#include "render/rule_text.h"

#include "cutover/internal/strings.h"

namespace cutover::report {

std::string DescribeRuleMatcher(const Flag& flag, const Rule& rule) {
  switch (rule.kind) {
    case RuleKind::kUsers: {
      // A users rule can list thousands of ids; a reason must stay readable.
      constexpr std::size_t kShown = 5;
      std::string list;
      for (std::size_t i = 0; i < rule.users.size() && i < kShown; ++i) {
        list += StrCat(i ? "," : "", rule.users[i]);
      }
      if (rule.users.size() > kShown) {
        list += StrCat(",... (", rule.users.size(), " users)");
      }
      return StrCat("users ", list);
    }
    case RuleKind::kGroup:
      return StrCat("group ", rule.group);
    case RuleKind::kPercent:
      return StrCat(rule.percent, "% of users (salt ",
                    EffectiveSalt(flag, rule), ")");
  }
  return "unknown rule";
}

std::string DescribeRule(const Flag& flag, const Rule& rule) {
  return StrCat(DescribeRuleMatcher(flag, rule), " -> ", StageName(rule.stage));
}

}  // namespace cutover::report
