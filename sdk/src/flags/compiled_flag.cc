#include "cutover/compiled_flag.h"

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

CompiledFlag::CompiledFlag(Flag flag, const GroupSets& groups)
    : flag_(std::move(flag)) {
  rules_.reserve(flag_.rules.size());
  for (const Rule& rule : flag_.rules) {
    CompiledRule compiled{rule.kind,
                          rule.stage,
                          rule.percent,
                          {},
                          {},
                          nullptr,
                          PrefixedBucketer(EffectiveSalt(flag_, rule))};
    switch (rule.kind) {
      case RuleKind::kUsers:
        compiled.users.insert(rule.users.begin(), rule.users.end());
        break;
      case RuleKind::kGroup: {
        compiled.group = rule.group;
        auto it = groups.find(ToAbsl(rule.group));
        if (it != groups.end()) compiled.members = &it->second;
        break;
      }
      case RuleKind::kPercent:
        break;
    }
    rules_.push_back(std::move(compiled));
  }
}

}  // namespace sdk
}  // namespace cutover
