// The migration flag document (docs/design.md, Flag model): what operators
// store in Redis and what the evaluator reads.
//
// Thread-safety: plain value types; safe to share read-only between threads.
#ifndef CUTOVER_FLAG_H_
#define CUTOVER_FLAG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

enum class RuleKind : std::uint8_t { kUsers, kGroup, kPercent };

// Assigns `stage` to the users it matches. Exactly one of the matchers is used,
// by `kind`.
struct Rule {
  RuleKind kind = RuleKind::kUsers;
  std::vector<std::string> users;  // kUsers: exact user ids
  std::string group;               // kGroup: context group or stored group set
  int percent = 0;                 // kPercent: 0..100, sticky per user
  std::string salt;  // kPercent: bucketing salt; empty means the flag name
  Stage stage = Stage::kOff;

  bool operator==(const Rule& other) const;
};

struct Flag {
  std::string name;
  std::string description;
  Stage default_stage = Stage::kOff;
  bool killed = false;
  std::vector<Rule> rules;
  // Fraction of reads compared in `shadow` and `live`.
  double sample_rate = 1.0;
  // Set by the store on every write: 1 on creation, +1 on each change. 0: never
  // stored.
  std::int64_t version = 0;
  std::string updated_at;  // RFC 3339, UTC
  std::string updated_by;

  bool operator==(const Flag& other) const;
};

inline constexpr std::size_t kMaxFlagNameLength = 64;

// True for names matching [a-z0-9_.-]{1,64}.
bool IsValidFlagName(std::string_view name);

// Where the kill switch sends everyone: back to reading the old schema while
// writes continue to both (dualwrite) if the flag already dual-writes, else
// `off` (docs/design.md, Stage safety rules, rule 5).
Stage KillSwitchStage(const Flag& flag);

// The salt a percentage rule of `flag` buckets with.
std::string_view EffectiveSalt(const Flag& flag, const Rule& rule);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_FLAG_H_
