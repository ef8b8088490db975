#include "cutover/flag_snapshot.h"

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

std::shared_ptr<const FlagSnapshot> FlagSnapshot::Build(std::int64_t version,
                                                        std::vector<Flag> flags,
                                                        GroupSets groups,
                                                        const SlotMap& slots) {
  auto snap = std::make_shared<FlagSnapshot>(Passkey{});
  snap->version_ = version;
  snap->groups_ = std::make_unique<GroupSets>(std::move(groups));
  for (Flag& flag : flags) {
    std::string name = flag.name;
    snap->flags_[name] =
        std::make_unique<CompiledFlag>(std::move(flag), *snap->groups_);
  }
  snap->by_slot_.assign(slots.size(), nullptr);
  for (const auto& [name, slot] : slots) {
    if (slot >= 0 && static_cast<size_t>(slot) < snap->by_slot_.size()) {
      snap->by_slot_[slot] = snap->Find(name);
    }
  }
  return snap;
}

const CompiledFlag* FlagSnapshot::Find(std::string_view name) const {
  auto it = flags_.find(ToAbsl(name));
  return it == flags_.end() ? nullptr : it->second.get();
}

std::vector<const Flag*> FlagSnapshot::flags() const {
  std::vector<const Flag*> out;
  out.reserve(flags_.size());
  for (const auto& [name, compiled] : flags_) out.push_back(&compiled->flag());
  return out;
}

}  // namespace sdk
}  // namespace cutover
