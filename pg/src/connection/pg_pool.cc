#include "cutover/pg_pool.h"

#include <poll.h>

#include <pqxx/pqxx>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"

namespace cutover::pg {
namespace {

// An idle connection whose server process went away (pg_terminate_backend, a
// restart, an idle-session timeout) still reports is_open() until something
// reads from it. A server that ends a session first sends the FATAL message,
// then closes; nothing else arrives unasked on a connection that does not
// LISTEN. So anything to read, or a hang-up, on an idle connection means it is
// going or gone: one non-blocking poll finds it here, before the caller's
// first statement would fail.
bool ServerHungUp(const pqxx::connection& connection) {
  const int fd = connection.sock();
  if (fd < 0) return true;
  pollfd p{};
  p.fd = fd;
  p.events = POLLIN | POLLRDHUP;
  return poll(&p, 1, 0) != 0;  // readable, hung up, or an error
}

}  // namespace

PgPool::Lease& PgPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::move(other.pool_);
    connection_ = std::move(other.connection_);
    discard_ = other.discard_;
  }
  return *this;
}

PgPool::Lease::~Lease() { Release(); }

void PgPool::Lease::Release() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Return(std::move(connection_), discard_);
  }
  pool_.reset();
  connection_.reset();
}

absl::StatusOr<std::shared_ptr<PgPool>> PgPool::Create(std::string url,
                                                       Options options) {
  if (options.max_connections < 1 || options.max_connections > 1000) {
    return absl::InvalidArgumentError(
        StrCat("PgPool: max_connections must be 1..1000, got ",
               options.max_connections));
  }
  if (options.acquire_timeout.count() < 0) {
    return absl::InvalidArgumentError(
        "PgPool: acquire_timeout must not be negative");
  }
  auto pool =
      std::make_shared<PgPool>(Passkey{}, std::move(url), std::move(options));
  // One connection now: configuration errors surface at start-up.
  absl::StatusOr<Lease> first = pool->Acquire();
  if (!first.ok()) return first.status();
  return pool;
}

PgPool::PgPool(Passkey, std::string url, Options options)
    : url_(std::move(url)), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Open() {
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn =
      ConnectPostgres(url_);
  if (!conn.ok()) return conn.status();
  for (const std::string& sql : options_.on_connect) {
    try {
      pqxx::nontransaction tx(**conn);
      tx.exec(sql);
    } catch (const std::exception& e) {
      return StatusFromException(
          e, StrCat("PgPool: on_connect statement '", sql, "'"));
    }
  }
  return conn;
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  return Acquire(options_.acquire_timeout);
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire(
    std::chrono::milliseconds timeout) {
  std::vector<std::unique_ptr<pqxx::connection>> dead;  // closed unlocked
  {
    MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.max_connections;
    };
    if (!available()) {
      ++counters_.waits;
      const absl::Time deadline =
          absl::Now() + absl::Milliseconds(timeout.count());
      if (!mu_.AwaitWithDeadline(absl::Condition(&available), deadline)) {
        ++counters_.timeouts;
        return absl::DeadlineExceededError(
            StrCat("PgPool: all ", options_.max_connections,
                   " connections stayed in use for ", timeout.count(),
                   " ms; raise max_connections or lower the concurrency"));
      }
    }
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (!ServerHungUp(*conn)) {
        return Lease(shared_from_this(), std::move(conn));
      }
      dead.push_back(std::move(conn));
      --open_;
      ++counters_.discarded;
    }
    ++open_;  // reserved while connecting outside the lock
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = Open();
  MutexLock lock(&mu_);
  if (!conn.ok()) {
    --open_;
    return conn.status();
  }
  ++counters_.opened;
  return Lease(shared_from_this(), *std::move(conn));
}

void PgPool::Return(std::unique_ptr<pqxx::connection> connection,
                    bool discard) {
  const bool usable = !discard && connection->is_open();
  if (!usable) connection.reset();  // closes outside the lock
  MutexLock lock(&mu_);
  if (usable) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
    ++counters_.discarded;
  }
}

PgPool::Stats PgPool::stats() const {
  MutexLock lock(&mu_);
  Stats s = counters_;
  s.open = open_;
  s.idle = idle_.size();
  s.leased = open_ - idle_.size();
  return s;
}

}  // namespace cutover::pg
