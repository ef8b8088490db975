// The production FlagStore: flags, groups, version, audit and change
// announcements in Redis under a key prefix (docs/design.md, Redis layout,
// redis_keys.h). Every write is one Lua script, so the flag, the version, the
// audit entry and the announcement change together or not at all.
//
// Thread-safety: all methods are safe to call concurrently; commands share one
// connection under a mutex (writes are rare), re-established on the next call
// after a failure. Subscriptions own their own connection.
#ifndef CUTOVER_REDIS_FLAG_STORE_H_
#define CUTOVER_REDIS_FLAG_STORE_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "cutover/flag_store.h"
#include "cutover/mutex.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_keys.h"

namespace cutover {
inline namespace sdk {

class RedisFlagStore final : public FlagStore {
 public:
  // Connects lazily: construction never fails because Redis is down; the first
  // call does.
  RedisFlagStore(RedisEndpoint endpoint, std::string prefix,
                 RedisOptions options = {});

  // Parses `url` (see redis_url.h) and builds a store. InvalidArgument for a
  // bad URL.
  static absl::StatusOr<std::unique_ptr<RedisFlagStore>> FromUrl(
      std::string_view url, std::string prefix, RedisOptions options = {});

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

  const RedisKeys& keys() const { return keys_; }
  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  // Runs one command on the shared connection, connecting first if needed.
  absl::StatusOr<RedisReplyPtr> Run(const std::vector<std::string_view>& args);
  absl::StatusOr<std::int64_t> ChangeGroup(
      std::string_view group, const std::vector<std::string>& user_ids,
      std::string_view actor, bool add);

  const RedisEndpoint endpoint_;
  const RedisKeys keys_;
  const RedisOptions options_;
  Mutex mu_;
  std::unique_ptr<RedisConnection> conn_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_FLAG_STORE_H_
