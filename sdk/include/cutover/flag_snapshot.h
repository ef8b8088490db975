// An immutable picture of every flag and group at one store version: what
// evaluations read. A new snapshot is built on every change and swapped in
// whole, so a reader never sees half of a change.
//
// Thread-safety: immutable after Build(); safe to read from any number of
// threads.
#ifndef CUTOVER_FLAG_SNAPSHOT_H_
#define CUTOVER_FLAG_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "cutover/compiled_flag.h"

namespace cutover {
inline namespace sdk {

class FlagSnapshot {
 public:
  // Slot numbers give pre-resolved handles an index instead of a name lookup. A
  // name absent from `slots` is still found by Find().
  using SlotMap = absl::flat_hash_map<std::string, int>;

  static std::shared_ptr<const FlagSnapshot> Build(std::int64_t version,
                                                   std::vector<Flag> flags,
                                                   GroupSets groups,
                                                   const SlotMap& slots);

  // nullptr when the flag does not exist in this snapshot.
  const CompiledFlag* Find(std::string_view name) const;
  const CompiledFlag* FindBySlot(int slot, std::string_view name) const {
    return slot >= 0 && static_cast<size_t>(slot) < by_slot_.size()
               ? by_slot_[slot]
               : Find(name);
  }

  std::int64_t version() const { return version_; }
  const GroupSets& groups() const { return *groups_; }
  std::vector<const Flag*> flags() const;

 private:
  struct Passkey {};  // only Build() constructs, yet std::make_shared can

 public:
  explicit FlagSnapshot(Passkey) {}

 private:
  std::int64_t version_ = 0;
  // Behind a unique_ptr so compiled group rules can point into it stably.
  std::unique_ptr<GroupSets> groups_;
  absl::flat_hash_map<std::string, std::unique_ptr<CompiledFlag>> flags_;
  std::vector<const CompiledFlag*> by_slot_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_FLAG_SNAPSHOT_H_
