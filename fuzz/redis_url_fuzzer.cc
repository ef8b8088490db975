// Any bytes given to the Redis URL parser either fail with a message, or give
// an endpoint whose redacted form parses back to the same server, user and
// database with the password replaced: the redacted URL never carries the
// password, and never points elsewhere.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cutover/redis_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  auto endpoint = cutover::ParseRedisUrl(url);
  if (!endpoint.ok()) {
    if (endpoint.status().message().empty()) std::abort();
    return 0;
  }
  if (endpoint->port <= 0 || endpoint->port > 65535 || endpoint->host.empty())
    std::abort();
  auto again = cutover::ParseRedisUrl(endpoint->Redacted());
  if (!again.ok()) std::abort();
  if (again->host != endpoint->host || again->port != endpoint->port ||
      again->db != endpoint->db || again->user != endpoint->user) {
    std::abort();
  }
  if (again->password != (endpoint->password.empty() ? "" : "***"))
    std::abort();
  return 0;
}
