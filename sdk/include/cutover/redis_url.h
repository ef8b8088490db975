// Parsing of CUTOVER_REDIS_URL (docs/design.md, Environment):
// redis://[user:password@]host:port[/db].
//
// Thread-safety: pure functions and a value type.
#ifndef CUTOVER_REDIS_URL_H_
#define CUTOVER_REDIS_URL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cutover {
inline namespace sdk {

inline constexpr std::string_view kDefaultRedisUrl = "redis://127.0.0.1:6379";

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // empty: AUTH with the password alone (or no AUTH)
  std::string password;  // empty: no AUTH
  int db = 0;

  // The URL with the password replaced by "***": the only form that may be
  // printed or logged.
  std::string Redacted() const;
};

// Parses a redis:// URL. Returns InvalidArgument naming the part that is wrong
// (scheme, host, port, database) for anything else; `rediss://` is refused with
// "TLS is not supported by this build" rather than silently connecting in plain
// text. Error messages never contain the password.
absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_URL_H_
