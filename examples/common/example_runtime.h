// What one example process shares between its request threads, as a real
// application would: the live flag client, a PostgreSQL pool, and the Redis
// sinks for comparison results and reconcile entries.
//
// Thread-safety: all members are safe to use from any number of threads.
#ifndef CUTOVER_EXAMPLES_COMMON_EXAMPLE_RUNTIME_H_
#define CUTOVER_EXAMPLES_COMMON_EXAMPLE_RUNTIME_H_

#include <memory>

#include "absl/status/statusor.h"
#include "cutover/client.h"
#include "cutover/pg_pool.h"
#include "cutover/redis_publisher.h"
#include "cutover/redis_reconcile_log.h"
#include "migration_example.h"

namespace cutover::examples {

class ExampleRuntime {
 public:
  // Connects to PostgreSQL (Unavailable if it is down: the application cannot
  // serve anything without its database) and starts the flag client (which
  // copes with Redis being down by itself) and the Redis sinks.
  static absl::StatusOr<std::unique_ptr<ExampleRuntime>> Start(
      const ExampleEnvironment& env, int connections);
  // Flushes results and reconcile entries (bounded wait), then stops.
  ~ExampleRuntime();

  Client& client() { return *client_; }
  const std::shared_ptr<pg::PgPool>& pool() { return pool_; }
  const std::shared_ptr<RedisPublisher>& publisher() { return publisher_; }
  const std::shared_ptr<RedisReconcileLog>& reconcile_log() {
    return reconcile_log_;
  }

  struct Passkey {};
  explicit ExampleRuntime(Passkey) {}

 private:
  std::unique_ptr<Client> client_;
  std::shared_ptr<pg::PgPool> pool_;
  std::shared_ptr<RedisPublisher> publisher_;
  std::shared_ptr<RedisReconcileLog> reconcile_log_;
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_EXAMPLE_RUNTIME_H_
