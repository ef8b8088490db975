#include "cutover/flag.h"

namespace cutover {
inline namespace sdk {

bool Rule::operator==(const Rule& o) const {
  return kind == o.kind && users == o.users && group == o.group &&
         percent == o.percent && salt == o.salt && stage == o.stage;
}

bool Flag::operator==(const Flag& o) const {
  return name == o.name && description == o.description &&
         default_stage == o.default_stage && killed == o.killed &&
         rules == o.rules && sample_rate == o.sample_rate &&
         version == o.version && updated_at == o.updated_at &&
         updated_by == o.updated_by;
}

bool IsValidFlagName(std::string_view name) {
  if (name.empty() || name.size() > kMaxFlagNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Stage KillSwitchStage(const Flag& flag) {
  return flag.default_stage >= Stage::kDualWrite ? Stage::kDualWrite
                                                 : Stage::kOff;
}

std::string_view EffectiveSalt(const Flag& flag, const Rule& rule) {
  return rule.salt.empty() ? std::string_view(flag.name)
                           : std::string_view(rule.salt);
}

}  // namespace sdk
}  // namespace cutover
