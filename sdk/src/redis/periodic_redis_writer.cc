#include "cutover/periodic_redis_writer.h"

#include <algorithm>
#include <utility>

#include "absl/time/time.h"
#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

absl::Duration Millis(std::chrono::milliseconds ms) {
  return absl::Milliseconds(ms.count());
}

}  // namespace

PeriodicRedisWriter::PeriodicRedisWriter(Options options, Round round)
    : options_(std::move(options)),
      round_(std::move(round)),
      logger_(options_.logger ? options_.logger : DefaultLogger()) {
  thread_ = std::thread([this] { Run(); });
}

PeriodicRedisWriter::~PeriodicRedisWriter() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  thread_.join();
}

absl::Status PeriodicRedisWriter::RoundWithConnection() {
  if (connection_ == nullptr || connection_->broken()) {
    connection_.reset();
    connected_.store(false, std::memory_order_relaxed);
    absl::StatusOr<std::unique_ptr<RedisConnection>> conn =
        RedisConnection::Connect(options_.endpoint, options_.redis);
    if (!conn.ok()) return conn.status();
    connection_ = *std::move(conn);
    connected_.store(true, std::memory_order_relaxed);
  }
  absl::Status status = round_(*connection_);
  if (connection_->broken()) connected_.store(false, std::memory_order_relaxed);
  return status;
}

void PeriodicRedisWriter::Run() {
  std::chrono::milliseconds backoff = options_.min_backoff;
  bool failing = false;
  for (;;) {
    std::uint64_t target = 0;
    {
      MutexLock lock(&mu_);
      const absl::Time deadline =
          absl::Now() + Millis(failing ? backoff : options_.interval);
      while (!stop_ && !wake_) {
        if (cv_.WaitWithDeadline(&mu_, deadline)) break;
      }
      if (stop_) return;
      wake_ = false;
      target = requested_;
    }
    absl::Status status = RoundWithConnection();
    if (status.ok()) {
      failing = false;
      backoff = options_.min_backoff;
    } else {
      failures_.fetch_add(1, std::memory_order_relaxed);
      if (!failing) {
        logger_->Log(LogLevel::kWarning,
                     StrCat(options_.what, ": cannot write to Redis at ",
                            options_.endpoint.Redacted(), " (",
                            FromAbsl(status.message()), "); retrying"));
      }
      failing = true;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    MutexLock lock(&mu_);
    covered_ = std::max(covered_, target);
    covered_status_ = status;
    cv_.SignalAll();
  }
}

absl::Status PeriodicRedisWriter::Flush(std::chrono::milliseconds timeout) {
  const absl::Time deadline = absl::Now() + Millis(timeout);
  MutexLock lock(&mu_);
  const std::uint64_t target = ++requested_;
  wake_ = true;
  cv_.SignalAll();
  while (covered_ < target && !stop_) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  if (covered_ >= target) return covered_status_;
  return absl::DeadlineExceededError(StrCat(options_.what,
                                            ": still writing to Redis after ",
                                            timeout.count(), " ms"));
}

}  // namespace sdk
}  // namespace cutover
