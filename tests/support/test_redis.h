// Talking to the test Redis from a test: a connection, the keys under a
// pattern, and clean-up of a test's own prefix. Failures are reported with
// ADD_FAILURE, so a helper never hides a broken server.
#ifndef CUTOVER_TESTS_SUPPORT_TEST_REDIS_H_
#define CUTOVER_TESTS_SUPPORT_TEST_REDIS_H_

#include <memory>
#include <string>
#include <vector>

#include "cutover/redis_connection.h"

namespace cutover::testing {

// A connection to `url` (default: the test Redis), or nullptr.
std::unique_ptr<RedisConnection> ConnectForTest(const std::string& url);
std::unique_ptr<RedisConnection> ConnectForTest();

// Every key matching `pattern`, by SCAN.
std::vector<std::string> ScanKeys(RedisConnection& redis,
                                  const std::string& pattern);

// Deletes every key under `prefix` (a test's UniquePrefix).
void DeleteKeysUnder(RedisConnection& redis, const std::string& prefix);

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SUPPORT_TEST_REDIS_H_
