// Opening Redis from the CLI's global options (--redis, --prefix), with errors
// an operator can act on and the password never shown.
#ifndef CUTOVER_CLI_STORE_ACCESS_H_
#define CUTOVER_CLI_STORE_ACCESS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "cli_app.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"

namespace cutover::cli {

// A flag store for the options' URL and prefix. InvalidArgument for a bad URL
// or prefix.
absl::StatusOr<std::unique_ptr<RedisFlagStore>> OpenFlagStore(
    const GlobalOptions& options);

// A plain connection (for commands that read streams and counters), connected
// now.
absl::StatusOr<std::unique_ptr<RedisConnection>> OpenRedis(
    const GlobalOptions& options);

}  // namespace cutover::cli

#endif  // CUTOVER_CLI_STORE_ACCESS_H_
