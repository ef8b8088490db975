#include "example_runtime.h"

namespace cutover::examples {

absl::StatusOr<std::unique_ptr<ExampleRuntime>> ExampleRuntime::Start(
    const ExampleEnvironment& env, int connections) {
  auto runtime = std::make_unique<ExampleRuntime>(Passkey{});
  pg::PgPool::Options pool_options;
  // Request threads, plus one each for a compared read's snapshot and an
  // executor worker.
  pool_options.max_connections = static_cast<std::size_t>(connections) * 2 + 2;
  pool_options.on_connect = {"SET statement_timeout = '10s'",
                             "SET lock_timeout = '5s'"};
  auto pool = pg::PgPool::Create(env.database_url, pool_options);
  if (!pool.ok()) return pool.status();
  runtime->pool_ = *std::move(pool);

  ClientOptions client_options;
  client_options.prefix = env.prefix;
  client_options.poll_interval = std::chrono::milliseconds(500);
  auto client = Client::StartRedis(env.redis_url, client_options);
  if (!client.ok()) return client.status();
  runtime->client_ = *std::move(client);

  RedisPublisher::Options publisher_options;
  publisher_options.redis_url = env.redis_url;
  publisher_options.prefix = env.prefix;
  auto publisher = RedisPublisher::Create(publisher_options);
  if (!publisher.ok()) return publisher.status();
  runtime->publisher_ = *std::move(publisher);

  RedisReconcileLog::Options reconcile_options;
  reconcile_options.redis_url = env.redis_url;
  reconcile_options.prefix = env.prefix;
  auto reconcile_log = RedisReconcileLog::Create(reconcile_options);
  if (!reconcile_log.ok()) return reconcile_log.status();
  runtime->reconcile_log_ = *std::move(reconcile_log);
  return runtime;
}

ExampleRuntime::~ExampleRuntime() {
  // Results and reconcile entries are what the operator reads next: write them
  // out.
  if (publisher_) (void)publisher_->Flush(std::chrono::seconds(5));
  if (reconcile_log_) (void)reconcile_log_->Flush(std::chrono::seconds(5));
}

}  // namespace cutover::examples
