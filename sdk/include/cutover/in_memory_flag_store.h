// A FlagStore held in process memory: the embedded default for applications
// without Redis, and the store unit tests use. Same semantics as RedisFlagStore
// (compare-and-set on the document's version, audit entries, change
// announcements), nothing persisted.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef CUTOVER_IN_MEMORY_FLAG_STORE_H_
#define CUTOVER_IN_MEMORY_FLAG_STORE_H_

#include <map>
#include <set>

#include "absl/base/thread_annotations.h"
#include "cutover/flag_store.h"
#include "cutover/mutex.h"

namespace cutover {
inline namespace sdk {

class InMemoryFlagStore final : public FlagStore {
 public:
  InMemoryFlagStore() = default;

  // Stores a raw document without any check, as `redis-cli HSET` would: for
  // tests of how readers cope with corrupt documents.
  void PutRawDocument(std::string_view name, std::string_view document);

  absl::StatusOr<StoreContents> LoadAll() override;
  absl::StatusOr<std::int64_t> Version() override;
  absl::StatusOr<std::optional<std::string>> GetDocument(
      std::string_view name) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  ListDocuments() override;
  absl::StatusOr<std::int64_t> CompareAndSet(const FlagWrite& write) override;
  absl::StatusOr<std::int64_t> AddToGroup(
      std::string_view group, const std::vector<std::string>& user_ids,
      std::string_view actor) override;
  absl::StatusOr<std::int64_t> RemoveFromGroup(
      std::string_view group, const std::vector<std::string>& user_ids,
      std::string_view actor) override;
  absl::StatusOr<std::vector<std::string>> GroupMembers(
      std::string_view group) override;
  absl::StatusOr<std::vector<AuditEntry>> History(std::string_view subject,
                                                  size_t limit) override;
  absl::StatusOr<std::unique_ptr<ChangeSubscription>> Subscribe() override;

 private:
  class Subscription;
  absl::StatusOr<std::int64_t> ChangeGroup(
      std::string_view group, const std::vector<std::string>& user_ids,
      std::string_view actor, bool add);
  void RecordLocked(AuditEntry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Mutex mu_;
  std::int64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::string, std::less<>> documents_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<std::string>, std::less<>> groups_
      ABSL_GUARDED_BY(mu_);
  std::vector<AuditEntry> audit_ ABSL_GUARDED_BY(mu_);
};

// The per-flag version stored inside a raw document: 0 if absent, -1 if
// corrupt.
std::int64_t StoredDocumentVersion(const std::optional<std::string>& document);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_IN_MEMORY_FLAG_STORE_H_
