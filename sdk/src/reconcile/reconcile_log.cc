#include "cutover/reconcile_log.h"

#include <utility>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

void InMemoryReconcileLog::Append(ReconcileEntry entry) {
  MutexLock lock(&mu_);
  entry.id = StrCat(next_id_++, "-0");
  entries_.push_back(std::move(entry));
  while (entries_.size() > max_entries_) {
    entries_.pop_front();
    ++dropped_;
  }
}

std::vector<ReconcileEntry> InMemoryReconcileLog::Entries(
    std::string_view flag) const {
  MutexLock lock(&mu_);
  std::vector<ReconcileEntry> out;
  for (const ReconcileEntry& e : entries_) {
    if (flag.empty() || e.flag == flag) out.push_back(e);
  }
  return out;
}

bool InMemoryReconcileLog::Acknowledge(std::string_view id) {
  MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->id == id) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

std::size_t InMemoryReconcileLog::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

std::uint64_t InMemoryReconcileLog::dropped() const {
  MutexLock lock(&mu_);
  return dropped_;
}

}  // namespace sdk
}  // namespace cutover
