#include "redis/redis_background_writer.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

RedisBackgroundWriter::RedisBackgroundWriter(Options options, Task task)
    : options_(std::move(options)),
      task_(std::move(task)),
      logger_(options_.logger ? options_.logger : DefaultLogger()),
      retry_(options_.retry, options_.random) {
  thread_ = std::thread([this] { Run(); });
}

RedisBackgroundWriter::~RedisBackgroundWriter() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  thread_.join();
}

void RedisBackgroundWriter::Wake() {
  MutexLock lock(&mu_);
  wake_ = true;
  cv_.SignalAll();
}

absl::Status RedisBackgroundWriter::ConnectAndWrite() {
  if (connection_ == nullptr) {
    absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
        RedisConnection::Connect(options_.endpoint, options_.redis);
    if (!connection.ok()) return connection.status();
    connection_ = *std::move(connection);
    connected_.store(true, std::memory_order_relaxed);
    connects_.fetch_add(1, std::memory_order_relaxed);
  }
  return task_.write(*connection_);
}

absl::Status RedisBackgroundWriter::Round(bool flush) {
  retry_waiting_ = false;
  if (!task_.collect()) return absl::OkStatus();
  if (!flush && absl::Now() < retry_at_) {
    // Still waiting out the delay after a failure: Redis is left alone.
    retry_waiting_ = true;
    return last_failure_;
  }
  absl::Status status = ConnectAndWrite();
  if (connection_ != nullptr && connection_->broken()) {
    connection_.reset();
    connected_.store(false, std::memory_order_relaxed);
  }
  if (status.ok()) {
    retry_.Reset();
    retry_at_ = absl::InfinitePast();
    if (outage_) {
      outage_ = false;
      logger_->Log(LogLevel::kInfo,
                   StrCat(options_.what, ": writing to Redis at ",
                          options_.endpoint.Redacted(), " again"));
    }
    return status;
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
  if (!outage_) {
    outage_ = true;
    logger_->Log(
        LogLevel::kWarning,
        StrCat(options_.what, ": cannot write to Redis at ",
               options_.endpoint.Redacted(), ": ", FromAbsl(status.message()),
               "; ", options_.while_unreachable));
  }
  retry_at_ = absl::Now() + absl::FromChrono(retry_.NextDelay());
  retry_waiting_ = true;
  last_failure_ = status;
  return status;
}

void RedisBackgroundWriter::Run() {
  // The newest flush request a round already skipped the retry delay for.
  std::uint64_t flush_handled = 0;
  for (;;) {
    std::uint64_t target = 0;
    {
      MutexLock lock(&mu_);
      absl::Time deadline = absl::Now() + absl::FromChrono(options_.interval);
      if (retry_waiting_) deadline = std::min(deadline, retry_at_);
      while (!stop_ && !wake_) {
        if (cv_.WaitWithDeadline(&mu_, deadline)) break;
      }
      if (stop_) return;
      wake_ = false;
      target = flush_requested_;
    }
    const bool flush = target > flush_handled;
    flush_handled = target;
    const absl::Status status = Round(flush);
    MutexLock lock(&mu_);
    if (status.ok()) flush_done_ = std::max(flush_done_, target);
    last_code_ = status.code();
    last_message_ = std::string(status.message());
    cv_.SignalAll();
  }
}

absl::Status RedisBackgroundWriter::Flush(std::chrono::milliseconds timeout) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(timeout);
  MutexLock lock(&mu_);
  const std::uint64_t target = ++flush_requested_;
  wake_ = true;
  cv_.SignalAll();
  while (flush_done_ < target && !stop_) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  if (flush_done_ >= target) return absl::OkStatus();
  if (last_code_ != absl::StatusCode::kOk) {
    return absl::Status(last_code_, last_message_);
  }
  return absl::DeadlineExceededError(StrCat(options_.what,
                                            ": still writing to Redis after ",
                                            timeout.count(), " ms"));
}

}  // namespace sdk
}  // namespace cutover
