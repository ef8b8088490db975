// A small pool of PostgreSQL connections, so that every thread that talks to
// the database (request threads, concurrent-mode experiment candidates on
// the executor) has a connection of its own: a libpq connection must never
// be used by two threads at once.
//
//   auto pool = cutover::pg::PgPool::Create(database_url, {}).value();
//   absl::StatusOr<cutover::pg::PgPool::Lease> lease = pool->Acquire();
//   if (!lease.ok()) return lease.status();
//   pqxx::work tx(**lease);
//
// Connections are opened lazily, up to max_connections; an idle one is
// reused. A lease returns its connection when it goes out of scope; a
// connection found closed (the server went away, on return or while idle) is
// discarded instead of being handed out again, and a new one is opened.
//
// Thread-safety: every method of PgPool may be called from any thread. A
// Lease is used by one thread at a time (it may be moved to another); it
// keeps the pool alive, so it may outlive the caller's reference.
#ifndef CUTOVER_PG_POOL_H_
#define CUTOVER_PG_POOL_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <pqxx/connection>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "cutover/mutex.h"

namespace cutover::pg {

class PgPool : public std::enable_shared_from_this<PgPool> {
 public:
  struct Options {
    // Connections open at most (idle + leased): 1..1000.
    std::size_t max_connections = 8;
    // How long Acquire waits for a connection when all are leased.
    std::chrono::milliseconds acquire_timeout{5000};
    // Run on every new connection, e.g. "SET statement_timeout = '5s'".
    std::vector<std::string> on_connect;
  };

  // Exclusive use of one connection until destroyed (or moved from).
  class Lease {
   public:
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();

    pqxx::connection& operator*() const { return *connection_; }
    pqxx::connection* operator->() const { return connection_.get(); }
    // Closes the connection instead of returning it to the pool: for a
    // connection left in an unknown state (an exception mid-protocol).
    void Discard() { discard_ = true; }

   private:
    friend class PgPool;
    Lease(std::shared_ptr<PgPool> pool,
          std::unique_ptr<pqxx::connection> connection)
        : pool_(std::move(pool)), connection_(std::move(connection)) {}
    void Release();

    std::shared_ptr<PgPool> pool_;
    std::unique_ptr<pqxx::connection> connection_;
    bool discard_ = false;
  };

  // Validates the options (InvalidArgument naming the one out of range; an
  // empty URL says to pass --db or set DATABASE_URL) and opens one
  // connection right away, so a wrong URL or a server that is down is
  // reported here (Unavailable, with the redacted URL) rather than on the
  // first request.
  static absl::StatusOr<std::shared_ptr<PgPool>> Create(std::string url,
                                                        Options options);

  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection for the caller's exclusive use: an idle one, a new one if
  // fewer than max_connections are open, else the first one returned within
  // acquire_timeout. DeadlineExceeded when none came back in time (the
  // message names the pool size: raise max_connections or lower the
  // concurrency); Unavailable when a new connection could not be opened.
  absl::StatusOr<Lease> Acquire();
  // As Acquire, waiting at most `timeout`.
  absl::StatusOr<Lease> Acquire(std::chrono::milliseconds timeout);

  struct Stats {
    std::size_t open = 0;  // idle + leased
    std::size_t idle = 0;
    std::size_t leased = 0;
    std::uint64_t opened = 0;     // connections opened since creation
    std::uint64_t discarded = 0;  // found closed, or discarded by a lease
    std::uint64_t waits = 0;      // Acquire calls that had to wait
    std::uint64_t timeouts = 0;   // ... and gave up
  };
  Stats stats() const;
  std::size_t max_connections() const { return options_.max_connections; }

  // Public only for std::make_shared; use Create.
  struct Passkey {};
  PgPool(Passkey, std::string url, Options options);

 private:
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Open();
  void Return(std::unique_ptr<pqxx::connection> connection, bool discard);

  const std::string url_;
  const Options options_;
  mutable Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  std::size_t open_ ABSL_GUARDED_BY(mu_) = 0;
  Stats counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cutover::pg

#endif  // CUTOVER_PG_POOL_H_
