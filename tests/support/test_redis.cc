#include "support/test_redis.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "cutover/redis_url.h"
#include "support/test_env.h"

namespace cutover::testing {

std::unique_ptr<RedisConnection> ConnectForTest(const std::string& url) {
  auto endpoint = ParseRedisUrl(url);
  if (!endpoint.ok()) {
    ADD_FAILURE() << endpoint.status();
    return nullptr;
  }
  auto connection = RedisConnection::Connect(*endpoint);
  if (!connection.ok()) {
    ADD_FAILURE() << connection.status();
    return nullptr;
  }
  return *std::move(connection);
}

std::unique_ptr<RedisConnection> ConnectForTest() {
  return ConnectForTest(RedisUrl());
}

std::vector<std::string> ScanKeys(RedisConnection& redis,
                                  const std::string& pattern) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto reply =
        redis.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!reply.ok()) {
      ADD_FAILURE() << reply.status();
      break;
    }
    const redisReply* r = reply->get();
    cursor = std::string(ReplyString(ReplyElement(r, 0)));
    const redisReply* batch = ReplyElement(r, 1);
    for (size_t i = 0; i < ReplyElementCount(batch); ++i) {
      keys.emplace_back(ReplyString(ReplyElement(batch, i)));
    }
  } while (cursor != "0");
  return keys;
}

void DeleteKeysUnder(RedisConnection& redis, const std::string& prefix) {
  for (const std::string& key : ScanKeys(redis, prefix + "*")) {
    (void)redis.Command({"DEL", key});
  }
}

}  // namespace cutover::testing
