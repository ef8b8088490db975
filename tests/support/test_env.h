// What integration tests need from their surroundings: the servers' URLs, a key
// prefix of their own, the built binaries, and a way to run them.
#ifndef CUTOVER_TESTS_SUPPORT_TEST_ENV_H_
#define CUTOVER_TESTS_SUPPORT_TEST_ENV_H_

#include <string>
#include <vector>

namespace cutover::testing {

// $CUTOVER_REDIS_URL / $DATABASE_URL. Fails the current test (ADD_FAILURE) with
// a message saying how to start the servers when unset, and returns "".
std::string RedisUrl();
std::string DatabaseUrl();

// A Redis key prefix no other test (or parallel run) uses:
// "test:<name>:<pid>:<n>:".
std::string UniquePrefix(const std::string& name);

// build/bin/<name>: $CUTOVER_BIN_DIR, else the build tree the tests were built in.
std::string BinaryPath(const std::string& name);

// The source tree: $CUTOVER_SOURCE_DIR, else the one the tests were built from.
std::string SourceDir();

// scripts/services, for fault tests that stop and restart Redis.
std::string ServicesScript();

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `argv` (argv[0] is a path) to completion without a shell, capturing both
// streams.
CommandResult RunCommand(const std::vector<std::string>& argv);

// Runs the `cutover` CLI with the given arguments (the global options are
// passed as given).
CommandResult RunCutover(const std::vector<std::string>& args);

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SUPPORT_TEST_ENV_H_
