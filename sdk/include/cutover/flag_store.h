// Where flags and groups are stored (docs/design.md, Redis layout). The
// evaluator never talks to a store: the live client loads from one into
// snapshots, and the CLI / admin API write through one.
//
// Implementations: InMemoryFlagStore (embedded, tests, apps without Redis) and
// RedisFlagStore (production).
//
// Thread-safety: every method may be called from several threads at once.
#ifndef CUTOVER_FLAG_STORE_H_
#define CUTOVER_FLAG_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cutover {
inline namespace sdk {

// Everything a client needs, read at one store version. Documents are raw JSON:
// parsing (and skipping a corrupt one) is the reader's job, so that one bad
// document cannot hide the others.
struct StoreContents {
  std::int64_t version = 0;
  std::vector<std::pair<std::string, std::string>>
      documents;  // flag name → JSON
  // Every group that some flag's rule names, with its stored members.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
};

// A compare-and-set write of one flag document.
struct FlagWrite {
  std::string name;
  // The per-flag version the writer read: 0 when the flag must not exist yet,
  // -1 to replace a document found corrupt (delete only).
  std::int64_t expected_version = 0;
  std::string document;  // the new JSON; empty deletes the flag
  std::string action;    // for the audit entry: "create", "stage", "target",
                         // "delete", ...
  std::string actor;
  bool forced = false;
};

struct AuditEntry {
  std::string id;  // stream id
  std::int64_t at_ms = 0;
  std::string subject;  // the flag name, or "group:<name>"
  std::string action;
  std::string actor;
  bool forced = false;
  std::string before;  // JSON document before the change; empty if none
  std::string after;   // JSON document after; empty if deleted
  std::int64_t version = 0;
};

// Waits for change notifications. Thread-safety: one thread at a time.
class ChangeSubscription {
 public:
  virtual ~ChangeSubscription() = default;
  // Returns true when a change was announced, false when `timeout` passed
  // quietly. Errors (connection lost) mean the subscription is dead: make a new
  // one.
  virtual absl::StatusOr<bool> WaitForChange(
      std::chrono::milliseconds timeout) = 0;
  // Makes a concurrent WaitForChange return promptly (used at shutdown).
  virtual void Interrupt() = 0;
};

class FlagStore {
 public:
  virtual ~FlagStore() = default;

  // Reads all flags and the groups they name atomically.
  virtual absl::StatusOr<StoreContents> LoadAll() = 0;
  // The store version: increases on every change to any flag or group.
  virtual absl::StatusOr<std::int64_t> Version() = 0;
  // The raw document, or nullopt when the flag does not exist.
  virtual absl::StatusOr<std::optional<std::string>> GetDocument(
      std::string_view name) = 0;
  // All flag names with their raw documents.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  ListDocuments() = 0;

  // Writes one flag if its stored version still equals write.expected_version,
  // bumps the store version, appends an audit entry and announces the change,
  // all or nothing. Returns the new store version. Aborted when the stored
  // version differs (someone else wrote first; re-read and retry); nothing is
  // written then.
  virtual absl::StatusOr<std::int64_t> CompareAndSet(
      const FlagWrite& write) = 0;

  // Adds or removes user ids of an operator-managed group, audited and
  // announced like a flag change. Returns the new store version.
  virtual absl::StatusOr<std::int64_t> AddToGroup(
      std::string_view group, const std::vector<std::string>& user_ids,
      std::string_view actor) = 0;
  virtual absl::StatusOr<std::int64_t> RemoveFromGroup(
      std::string_view group, const std::vector<std::string>& user_ids,
      std::string_view actor) = 0;
  virtual absl::StatusOr<std::vector<std::string>> GroupMembers(
      std::string_view group) = 0;

  // Audit entries about `subject` (a flag name, or "group:<name>"), oldest
  // first, at most `limit` of the newest.
  virtual absl::StatusOr<std::vector<AuditEntry>> History(
      std::string_view subject, size_t limit) = 0;

  // A new subscription to change announcements.
  virtual absl::StatusOr<std::unique_ptr<ChangeSubscription>> Subscribe() = 0;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_FLAG_STORE_H_
