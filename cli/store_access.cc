#include "store_access.h"

#include "cutover/internal/strings.h"

namespace cutover::cli {
namespace {

absl::Status CheckPrefix(const std::string& prefix) {
  if (prefix.empty() || prefix.size() > 128) {
    return absl::InvalidArgumentError(
        "--prefix must be 1-128 characters (default \"cutover:\")");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisFlagStore>> OpenFlagStore(
    const GlobalOptions& options) {
  if (absl::Status s = CheckPrefix(options.prefix); !s.ok()) return s;
  return RedisFlagStore::FromUrl(options.redis_url, options.prefix);
}

absl::StatusOr<std::unique_ptr<RedisConnection>> OpenRedis(
    const GlobalOptions& options) {
  if (absl::Status s = CheckPrefix(options.prefix); !s.ok()) return s;
  auto endpoint = ParseRedisUrl(options.redis_url);
  if (!endpoint.ok()) return endpoint.status();
  return RedisConnection::Connect(*endpoint);
}

}  // namespace cutover::cli
