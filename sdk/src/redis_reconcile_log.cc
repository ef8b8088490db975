#include "cutover/redis_reconcile_log.h"

#include <algorithm>
#include <utility>

#include "absl/time/time.h"
#include "cutover/reconcile_stream.h"
#include "cutover/strings.h"

namespace cutover {
namespace {

absl::Duration ToAbsl(std::chrono::milliseconds ms) {
  return absl::Milliseconds(ms.count());
}

}  // namespace

absl::StatusOr<std::shared_ptr<RedisReconcileLog>> RedisReconcileLog::Create(
    Options options) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(options.redis_url);
  if (!endpoint.ok()) return endpoint.status();
  auto positive = [](std::chrono::milliseconds d) { return d.count() > 0; };
  if (options.queue_capacity == 0 || options.queue_capacity > (1u << 24)) {
    return absl::InvalidArgumentError(
        "RedisReconcileLog: queue_capacity must be 1..16777216");
  }
  if (options.max_pending == 0) {
    return absl::InvalidArgumentError(
        "RedisReconcileLog: max_pending must be at least 1");
  }
  if (!positive(options.flush_interval) ||
      !positive(options.reconnect_min_backoff) ||
      options.reconnect_max_backoff < options.reconnect_min_backoff) {
    return absl::InvalidArgumentError(
        "RedisReconcileLog: flush_interval and reconnect_min_backoff must be "
        "positive and reconnect_max_backoff at least reconnect_min_backoff");
  }
  return std::make_shared<RedisReconcileLog>(Passkey{}, std::move(options),
                                             *std::move(endpoint));
}

RedisReconcileLog::RedisReconcileLog(Passkey, Options options,
                                     RedisEndpoint endpoint)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      keys_(options_.prefix),
      logger_(options_.logger ? options_.logger : DefaultLogger()),
      queue_(options_.queue_capacity) {
  thread_ = std::thread([this] { Run(); });
}

RedisReconcileLog::~RedisReconcileLog() {
  absl::Status flushed = Flush(options_.shutdown_timeout);
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  thread_.join();
  // The writer has stopped: whatever it did not write is lost; say which keys.
  ReconcileEntry entry;
  while (queue_.TryPop(&entry)) pending_.push_back(std::move(entry));
  for (const ReconcileEntry& e : pending_) {
    DropLogged(e, "the reconcile log shut down before Redis took it");
  }
  if (!flushed.ok() && !pending_.empty()) {
    logger_->Log(LogLevel::kError,
                 StrCat("reconcile log: ", pending_.size(),
                        " entries were not written to Redis: ",
                        FromAbsl(flushed.message())));
  }
}

void RedisReconcileLog::DropLogged(const ReconcileEntry& entry,
                                   std::string_view why) {
  dropped_.fetch_add(1, std::memory_order_relaxed);
  logger_->Log(LogLevel::kError,
               StrCat("reconcile entry lost (", why, "): flag '", entry.flag,
                      "' key '", entry.key, "' side ", SideName(entry.side),
                      " error: ", entry.error,
                      "; re-sync this row by hand or with cutover reconcile"));
}

void RedisReconcileLog::Append(ReconcileEntry entry) {
  if (queue_.TryPush(std::move(entry))) {
    appended_.fetch_add(1, std::memory_order_relaxed);
    pending_count_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  DropLogged(entry, "queue full");
}

std::size_t RedisReconcileLog::Drain() {
  std::size_t taken = 0;
  ReconcileEntry entry;
  while (pending_.size() < options_.max_pending && queue_.TryPop(&entry)) {
    pending_.push_back(std::move(entry));
    ++taken;
  }
  return taken;
}

absl::Status RedisReconcileLog::WritePending() {
  if (pending_.empty()) return absl::OkStatus();
  if (connection_ == nullptr || connection_->broken()) {
    connection_.reset();
    connected_.store(false, std::memory_order_relaxed);
    absl::StatusOr<std::unique_ptr<RedisConnection>> conn =
        RedisConnection::Connect(endpoint_, options_.redis);
    if (!conn.ok()) return conn.status();
    connection_ = *std::move(conn);
    connected_.store(true, std::memory_order_relaxed);
  }
  constexpr std::size_t kMaxBatch = 512;
  while (!pending_.empty()) {
    const std::size_t n = std::min(kMaxBatch, pending_.size());
    std::vector<ReconcileEntry> batch(
        std::make_move_iterator(pending_.begin()),
        std::make_move_iterator(pending_.begin() + static_cast<long>(n)));
    ReconcileStream stream(*connection_, keys_);
    absl::Status status = stream.AppendBatch(&batch);
    if (!status.ok() && connection_->broken()) {
      // Nothing tells which XADDs landed: put the batch back and retry it
      // whole; a duplicate entry only replays one row twice.
      std::move(batch.begin(), batch.end(), pending_.begin());
      connected_.store(false, std::memory_order_relaxed);
      return status;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(n));
    pending_count_.fetch_sub(n, std::memory_order_relaxed);
    if (!status.ok()) {
      // Redis refused an entry (e.g. the key holds another type): retrying
      // cannot help.
      for (const ReconcileEntry& e : batch) {
        if (e.id.empty()) DropLogged(e, FromAbsl(status.message()));
      }
      written_.fetch_add(
          static_cast<std::uint64_t>(std::count_if(
              batch.begin(), batch.end(),
              [](const ReconcileEntry& e) { return !e.id.empty(); })),
          std::memory_order_relaxed);
      continue;
    }
    written_.fetch_add(n, std::memory_order_relaxed);
  }
  return absl::OkStatus();
}

void RedisReconcileLog::Run() {
  std::chrono::milliseconds backoff = options_.reconnect_min_backoff;
  bool failing = false;
  for (;;) {
    std::uint64_t flush_target = 0;
    {
      absl::MutexLock lock(&mu_);
      const absl::Duration wait =
          ToAbsl(failing ? backoff : options_.flush_interval);
      const absl::Time deadline = absl::Now() + wait;
      while (!stop_ && !wake_) {
        if (cv_.WaitWithDeadline(&mu_, deadline)) break;
      }
      if (stop_) return;
      wake_ = false;
      flush_target = flush_requested_;
    }
    Drain();
    absl::Status status = WritePending();
    // Entries may have arrived while writing; a flush waits for those too
    // only if they were appended before it was asked for.
    while (status.ok() && Drain() > 0) status = WritePending();
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      failing = false;
      backoff = options_.reconnect_min_backoff;
      last_error_.clear();
      flush_done_ = std::max(flush_done_, flush_target);
    } else {
      write_failures_.fetch_add(1, std::memory_order_relaxed);
      if (!failing) {
        logger_->Log(LogLevel::kWarning,
                     StrCat("reconcile log: cannot write to Redis (",
                            FromAbsl(status.message()), "); ",
                            pending_count_.load(), " entries wait, retrying"));
      }
      failing = true;
      backoff = std::min(backoff * 2, options_.reconnect_max_backoff);
      last_error_ = std::string(status.message());
      failed_target_ = std::max(failed_target_, flush_target);
    }
    cv_.SignalAll();
  }
}

absl::Status RedisReconcileLog::Flush(std::chrono::milliseconds timeout) {
  const absl::Time deadline = absl::Now() + ToAbsl(timeout);
  absl::MutexLock lock(&mu_);
  const std::uint64_t target = ++flush_requested_;
  wake_ = true;
  cv_.SignalAll();
  // Waits for a round that started after the request: its success covers
  // everything appended before; its failure is the answer.
  while (flush_done_ < target && failed_target_ < target && !stop_) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  if (flush_done_ >= target) return absl::OkStatus();
  const std::size_t pending = pending_count_.load(std::memory_order_relaxed);
  if (!last_error_.empty()) {
    return absl::UnavailableError(
        StrCat("reconcile log: ", pending,
               " entries not yet written to Redis: ", last_error_));
  }
  return absl::DeadlineExceededError(
      StrCat("reconcile log: ", pending, " entries still being written after ",
             timeout.count(), " ms"));
}

RedisReconcileLog::Stats RedisReconcileLog::stats() const {
  Stats s;
  s.appended = appended_.load(std::memory_order_relaxed);
  s.written = written_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.write_failures = write_failures_.load(std::memory_order_relaxed);
  s.pending = pending_count_.load(std::memory_order_relaxed);
  s.connected = connected_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace cutover
