#include "cutover/in_memory_flag_store.h"

#include <chrono>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cutover/internal/strings.h"
#include "cutover/json_text.h"
#include "nlohmann/json.hpp"

namespace cutover {
inline namespace sdk {

std::int64_t StoredDocumentVersion(const std::optional<std::string>& document) {
  if (!document) return 0;
  auto doc =
      nlohmann::json::parse(*document, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return -1;
  auto it = doc.find("version");
  if (it == doc.end() || !it->is_number_integer()) return -1;
  return it->get<std::int64_t>();
}

// Wakes when the store version moves past the one it last saw.
class InMemoryFlagStore::Subscription final : public ChangeSubscription {
 public:
  explicit Subscription(InMemoryFlagStore* store) : store_(store) {
    MutexLock lock(&store_->mu_);
    seen_ = store_->version_;
  }
  absl::StatusOr<bool> WaitForChange(
      std::chrono::milliseconds timeout) override {
    MutexLock lock(&store_->mu_);
    auto changed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(store_->mu_) {
      return store_->version_ != seen_ || interrupted_;
    };
    store_->mu_.AwaitWithTimeout(absl::Condition(&changed),
                                 absl::Milliseconds(timeout.count()));
    interrupted_ = false;
    if (store_->version_ == seen_) return false;
    seen_ = store_->version_;
    return true;
  }
  void Interrupt() override {
    MutexLock lock(&store_->mu_);
    interrupted_ = true;
  }

 private:
  InMemoryFlagStore* store_;
  std::int64_t seen_;
  bool interrupted_ = false;  // guarded by store_->mu_
};

void InMemoryFlagStore::PutRawDocument(std::string_view name,
                                       std::string_view document) {
  MutexLock lock(&mu_);
  documents_[std::string(name)] = std::string(document);
  ++version_;
}

absl::StatusOr<StoreContents> InMemoryFlagStore::LoadAll() {
  MutexLock lock(&mu_);
  StoreContents out;
  out.version = version_;
  out.documents.assign(documents_.begin(), documents_.end());
  // Like the Redis loader, hand over every group; unnamed ones cost nothing
  // here.
  for (const auto& [name, members] : groups_) {
    out.groups.emplace_back(
        name, std::vector<std::string>(members.begin(), members.end()));
  }
  return out;
}

absl::StatusOr<std::int64_t> InMemoryFlagStore::Version() {
  MutexLock lock(&mu_);
  return version_;
}

absl::StatusOr<std::optional<std::string>> InMemoryFlagStore::GetDocument(
    std::string_view name) {
  MutexLock lock(&mu_);
  auto it = documents_.find(name);
  if (it == documents_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
InMemoryFlagStore::ListDocuments() {
  MutexLock lock(&mu_);
  return std::vector<std::pair<std::string, std::string>>(documents_.begin(),
                                                          documents_.end());
}

void InMemoryFlagStore::RecordLocked(AuditEntry entry) {
  entry.id = StrCat(audit_.size() + 1, "-0");
  entry.at_ms = absl::ToUnixMillis(absl::Now());
  entry.version = version_;
  audit_.push_back(std::move(entry));
}

absl::StatusOr<std::int64_t> InMemoryFlagStore::CompareAndSet(
    const FlagWrite& write) {
  MutexLock lock(&mu_);
  auto it = documents_.find(write.name);
  std::optional<std::string> before;
  if (it != documents_.end()) before = it->second;
  const std::int64_t stored = StoredDocumentVersion(before);
  if (stored != write.expected_version) {
    return absl::AbortedError(
        StrCat("flag ", write.name, " changed concurrently (stored version ",
               stored, ", expected ", write.expected_version, ")"));
  }
  if (write.document.empty()) {
    documents_.erase(write.name);
  } else {
    documents_[write.name] = write.document;
  }
  ++version_;
  RecordLocked(AuditEntry{"", 0, write.name, write.action, write.actor,
                          write.forced, before.value_or(""), write.document,
                          0});
  return version_;
}

absl::StatusOr<std::int64_t> InMemoryFlagStore::ChangeGroup(
    std::string_view group, const std::vector<std::string>& user_ids,
    std::string_view actor, bool add) {
  MutexLock lock(&mu_);
  auto& members = groups_[std::string(group)];
  for (const auto& id : user_ids) {
    if (add) {
      members.insert(id);
    } else {
      members.erase(id);
    }
  }
  ++version_;
  nlohmann::json ids = user_ids;
  RecordLocked(AuditEntry{"", 0, StrCat("group:", group),
                          add ? "group-add" : "group-remove",
                          std::string(actor), false, "", ToJsonText(ids), 0});
  return version_;
}

absl::StatusOr<std::int64_t> InMemoryFlagStore::AddToGroup(
    std::string_view group, const std::vector<std::string>& ids,
    std::string_view actor) {
  return ChangeGroup(group, ids, actor, true);
}

absl::StatusOr<std::int64_t> InMemoryFlagStore::RemoveFromGroup(
    std::string_view group, const std::vector<std::string>& ids,
    std::string_view actor) {
  return ChangeGroup(group, ids, actor, false);
}

absl::StatusOr<std::vector<std::string>> InMemoryFlagStore::GroupMembers(
    std::string_view group) {
  MutexLock lock(&mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::vector<std::string>();
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

absl::StatusOr<std::vector<AuditEntry>> InMemoryFlagStore::History(
    std::string_view subject, size_t limit) {
  MutexLock lock(&mu_);
  std::vector<AuditEntry> out;
  for (auto it = audit_.rbegin(); it != audit_.rend() && out.size() < limit;
       ++it) {
    if (it->subject == subject) out.push_back(*it);
  }
  return std::vector<AuditEntry>(out.rbegin(), out.rend());
}

absl::StatusOr<std::unique_ptr<ChangeSubscription>>
InMemoryFlagStore::Subscribe() {
  return std::unique_ptr<ChangeSubscription>(
      std::make_unique<Subscription>(this));
}

}  // namespace sdk
}  // namespace cutover
