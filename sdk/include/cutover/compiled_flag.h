// A flag prepared for evaluation: user lists become hash sets, group rules
// point at their member sets, percentage rules carry their salt's pre-hashed
// prefix. Built once per change, read by many threads.
//
// Thread-safety: immutable after construction; safe to read from any number of
// threads.
#ifndef CUTOVER_COMPILED_FLAG_H_
#define CUTOVER_COMPILED_FLAG_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "cutover/bucketing.h"
#include "cutover/flag.h"

namespace cutover {
inline namespace sdk {

using GroupMembers = absl::flat_hash_set<std::string>;
// Group name → members, as stored in `<prefix>groups:<group>`.
using GroupSets = absl::flat_hash_map<std::string, GroupMembers>;

class CompiledFlag {
 public:
  // `groups` must outlive the compiled flag (both live in the same snapshot).
  CompiledFlag(Flag flag, const GroupSets& groups);

  const Flag& flag() const { return flag_; }

  struct CompiledRule {
    RuleKind kind;
    Stage stage;
    int percent;
    GroupMembers users;  // kUsers
    std::string group;   // kGroup
    const GroupMembers*
        members;  // kGroup: stored set, or nullptr when none exists
    PrefixedBucketer bucketer;  // kPercent
  };
  const std::vector<CompiledRule>& rules() const { return rules_; }

 private:
  Flag flag_;
  std::vector<CompiledRule> rules_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_COMPILED_FLAG_H_
