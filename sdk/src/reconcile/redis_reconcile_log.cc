#include "cutover/redis_reconcile_log.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "cutover/internal/strings.h"
#include "cutover/reconcile_stream.h"
#include "redis/redis_background_writer.h"

namespace cutover {
inline namespace sdk {

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
      !positive(options.drop_report_interval)) {
    return absl::InvalidArgumentError(
        "RedisReconcileLog: flush_interval and drop_report_interval must be "
        "positive");
  }
  if (absl::Status s = ValidateRetryOptions(options.reconnect,
                                            "RedisReconcileLog: reconnect");
      !s.ok()) {
    return s;
  }
  return std::make_shared<RedisReconcileLog>(Passkey{}, std::move(options),
                                             *std::move(endpoint));
}

RedisReconcileLog::RedisReconcileLog(Passkey, Options options,
                                     RedisEndpoint endpoint)
    : options_(std::move(options)),
      keys_(options_.prefix),
      logger_(options_.logger ? options_.logger : DefaultLogger()),
      queue_(options_.queue_capacity) {
  RedisBackgroundWriter::Options w;
  w.endpoint = std::move(endpoint);
  w.redis = options_.redis;
  w.interval = options_.flush_interval;
  w.retry = options_.reconnect;
  w.what = "reconcile log";
  w.while_unreachable =
      "reconcile entries wait in memory (bounded) until Redis is back";
  w.logger = logger_;
  writer_ = std::make_unique<RedisBackgroundWriter>(
      std::move(w),
      RedisBackgroundWriter::Task{
          [this] { return Collect(); },
          [this](RedisConnection& connection) { return Write(connection); }});
}

RedisReconcileLog::~RedisReconcileLog() {
  absl::Status flushed = Flush(options_.shutdown_timeout);
  writer_.reset();
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
  ReportDrops(/*force=*/true);
}

void RedisReconcileLog::ReportDrops(bool force) {
  const std::uint64_t dropped =
      queue_full_drops_.load(std::memory_order_relaxed);
  if (dropped == drops_reported_) return;
  const absl::Time now = absl::Now();
  if (!force && now - last_drop_report_ <
                    absl::FromChrono(options_.drop_report_interval)) {
    return;
  }
  logger_->Log(
      LogLevel::kError,
      StrCat("reconcile log: ", dropped - drops_reported_,
             " reconcile entries dropped since last report (the queue of ",
             queue_.capacity(),
             " was full: Redis slow or unreachable, or queue_capacity too "
             "small); their rows may differ between the schemas: find them "
             "with cutover verify"));
  drops_reported_ = dropped;
  last_drop_report_ = now;
}

void RedisReconcileLog::DropLogged(const ReconcileEntry& entry,
                                   std::string_view why) {
  writer_drops_.fetch_add(1, std::memory_order_relaxed);
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
  // Counted only: a log line per drop would make every request pay for
  // formatting and I/O exactly when the writer is already behind.
  queue_full_drops_.fetch_add(1, std::memory_order_relaxed);
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

absl::Status RedisReconcileLog::WritePending(RedisConnection& connection) {
  constexpr std::size_t kMaxBatch = 512;
  while (!pending_.empty()) {
    const std::size_t n = std::min(kMaxBatch, pending_.size());
    std::vector<ReconcileEntry> batch(
        std::make_move_iterator(pending_.begin()),
        std::make_move_iterator(pending_.begin() + static_cast<long>(n)));
    ReconcileStream stream(connection, keys_);
    absl::Status status = stream.AppendBatch(&batch);
    if (!status.ok() && connection.broken()) {
      // Nothing tells which XADDs landed: put the batch back and retry it
      // whole; a duplicate entry only replays one row twice.
      std::move(batch.begin(), batch.end(), pending_.begin());
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

bool RedisReconcileLog::Collect() {
  Drain();
  ReportDrops(/*force=*/false);
  return !pending_.empty();
}

absl::Status RedisReconcileLog::Write(RedisConnection& connection) {
  absl::Status status = WritePending(connection);
  // Entries that arrived while writing go out in the same round.
  while (status.ok() && Drain() > 0) status = WritePending(connection);
  return status;
}

absl::Status RedisReconcileLog::Flush(std::chrono::milliseconds timeout) {
  absl::Status status = writer_->Flush(timeout);
  if (status.ok()) return status;
  return absl::Status(
      status.code(),
      StrCat(
          "reconcile log: ", pending_count_.load(std::memory_order_relaxed),
          " entries not yet written to Redis: ", FromAbsl(status.message())));
}

RedisReconcileLog::Stats RedisReconcileLog::stats() const {
  Stats s;
  s.appended = appended_.load(std::memory_order_relaxed);
  s.written = written_.load(std::memory_order_relaxed);
  s.dropped = queue_full_drops_.load(std::memory_order_relaxed) +
              writer_drops_.load(std::memory_order_relaxed);
  s.write_failures = writer_->failures();
  s.pending = pending_count_.load(std::memory_order_relaxed);
  s.connected = writer_->connected();
  return s;
}

}  // namespace sdk
}  // namespace cutover
