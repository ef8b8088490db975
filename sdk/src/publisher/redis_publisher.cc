#include "cutover/redis_publisher.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cutover/internal/experiment_sampling.h"
#include "cutover/internal/strings.h"
#include "publisher/redis_stats_writer.h"

namespace cutover {
inline namespace sdk {
namespace {

// Counter blocks per round trip: bounds one EVAL after a long outage.
constexpr std::size_t kMaxBlocksPerRound = 512;

}  // namespace

// Everything the background thread owns, plus the atomics stats() reads.
class RedisPublisher::Writer {
 public:
  Writer(const Options& options, RedisEndpoint endpoint,
         ResultPipeline* pipeline)
      : options_(options),
        endpoint_(std::move(endpoint)),
        pipeline_(pipeline),
        logger_(options.logger ? options.logger : DefaultLogger()),
        stats_writer_(RedisStatsWriter::Options{
            options.prefix, options.stats_ttl, options.stream_max_len}),
        backoff_(absl::FromChrono(options.reconnect_min_backoff)) {}

  // Takes what is waiting (counters, then events) and writes all of it. OK
  // when nothing is left pending; otherwise why not (Redis unreachable, or
  // waiting for the next reconnect attempt).
  absl::Status Pass() {
    TakeCounters();
    // Enough to include everything queued before this pass began even if the
    // queue was full, without chasing producers forever.
    std::size_t budget = 2 * pipeline_->queue_capacity();
    TakeEvents(&budget);
    while (!counters_.empty() || pending_ > 0) {
      if (connection_ == nullptr) {
        if (absl::Status s = Connect(); !s.ok()) return s;
      }
      if (absl::Status s = WriteOneRound(); !s.ok()) return s;
      TakeEvents(&budget);
    }
    return absl::OkStatus();
  }

  // Makes the next Pass try to connect at once (Flush asked for it).
  void AllowReconnectNow() { next_connect_ = absl::InfinitePast(); }

  // How long the thread may sleep before it has something to retry.
  absl::Duration RetryIn() const {
    if (connection_ != nullptr) return absl::InfiniteDuration();
    return std::max(absl::ZeroDuration(), next_connect_ - absl::Now());
  }

  void FillStats(Stats* st) const {
    st->events_written = events_written_.load(std::memory_order_relaxed);
    st->counter_blocks_written =
        counter_blocks_written_.load(std::memory_order_relaxed);
    st->counter_blocks_lost =
        counter_blocks_lost_.load(std::memory_order_relaxed);
    st->commands_rejected = commands_rejected_.load(std::memory_order_relaxed);
    st->write_failures = write_failures_.load(std::memory_order_relaxed);
    st->reconnects = reconnects_.load(std::memory_order_relaxed);
    st->pending_events = pending_events_.load(std::memory_order_relaxed);
    st->pending_counter_blocks =
        pending_blocks_.load(std::memory_order_relaxed);
    st->connected = connected_.load(std::memory_order_relaxed);
  }

  // Logged by the destructor when shutting down with data still pending.
  std::string PendingSummary() const {
    return StrCat(pending_ + pipeline_->queued(), " event(s) and ",
                  counters_.size(), " counter block(s)");
  }

 private:
  // Ordered by minute first, so the oldest minutes are dropped first when the
  // pending limit is reached.
  using CounterKey = std::pair<std::int64_t, std::string>;

  void TakeCounters() {
    pipeline_->HarvestCounters([this](std::string_view flag,
                                      std::int64_t minute,
                                      const MinuteCounters& counts) {
      counters_[CounterKey(minute, std::string(flag))].Add(counts);
    });
    std::size_t lost = 0;
    while (counters_.size() > options_.max_pending_counter_blocks) {
      counters_.erase(counters_.begin());
      ++lost;
    }
    if (lost > 0) {
      counter_blocks_lost_.fetch_add(lost, std::memory_order_relaxed);
      logger_->Log(LogLevel::kError,
                   StrCat("redis publisher: ", lost,
                          " flag-minute(s) of experiment counters dropped: "
                          "Redis at ",
                          endpoint_.Redacted(), " has been unreachable for ",
                          "longer than max_pending_counter_blocks (",
                          options_.max_pending_counter_blocks,
                          ") minutes of counters can cover"));
    }
    pending_blocks_.store(counters_.size(), std::memory_order_relaxed);
  }

  void TakeEvents(std::size_t* budget) {
    // Hold one batch at most: while Redis is down the queue fills behind it
    // and drops (counted) instead of memory growing.
    const std::size_t room = options_.max_batch_events - pending_;
    const std::size_t want = std::min(room, *budget);
    if (want == 0) return;
    const std::size_t got = pipeline_->PopEvents(want, &events_, pending_);
    *budget -= got;
    pending_ += got;
    pending_events_.store(pending_, std::memory_order_relaxed);
  }

  absl::Status Connect() {
    if (absl::Now() < next_connect_) {
      return absl::UnavailableError(StrCat("Redis at ", endpoint_.Redacted(),
                                           " is unreachable: ", last_error_));
    }
    absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
        RedisConnection::Connect(endpoint_, options_.redis);
    if (!connection.ok()) {
      Disconnected(connection.status());
      return connection.status();
    }
    connection_ = *std::move(connection);
    connected_.store(true, std::memory_order_relaxed);
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    backoff_ = absl::FromChrono(options_.reconnect_min_backoff);
    if (outage_reported_) {
      logger_->Log(
          LogLevel::kInfo,
          StrCat("redis publisher: reconnected to ", endpoint_.Redacted(),
                 "; writing ", PendingSummary(), " kept while it was away"));
      outage_reported_ = false;
    }
    return absl::OkStatus();
  }

  void Disconnected(const absl::Status& why) {
    connection_.reset();
    connected_.store(false, std::memory_order_relaxed);
    last_error_ = std::string(why.message());
    // Jitter (+-20%) keeps many application servers from reconnecting in
    // lockstep after Redis returns.
    const double jitter = 0.8 + 0.4 *
                                    static_cast<double>(ThreadRandom() >> 11) /
                                    static_cast<double>(1ull << 53);
    next_connect_ = absl::Now() + backoff_ * jitter;
    backoff_ = std::min(backoff_ * 2,
                        absl::FromChrono(options_.reconnect_max_backoff));
    if (!outage_reported_) {
      logger_->Log(LogLevel::kWarning,
                   StrCat("redis publisher: ", last_error_,
                          "; experiment counters are kept in memory and "
                          "events queue (bounded, then dropped and counted) "
                          "until Redis is back"));
      outage_reported_ = true;
    }
  }

  absl::Status WriteOneRound() {
    blocks_.clear();
    for (auto it = counters_.begin();
         it != counters_.end() && blocks_.size() < kMaxBlocksPerRound; ++it) {
      blocks_.push_back(
          CounterBlock{it->first.second, it->first.first, it->second});
    }
    const std::size_t n_events = pending_;
    RedisStatsWriter::Outcome outcome;
    absl::Status status = stats_writer_.Write(
        *connection_, blocks_,
        absl::Span<const ResultRecord>(events_.data(), n_events), &outcome);
    if (!status.ok()) {
      write_failures_.fetch_add(1, std::memory_order_relaxed);
      Disconnected(status);
      return status;
    }
    if (outcome.rejected_commands > 0) {
      commands_rejected_.fetch_add(outcome.rejected_commands,
                                   std::memory_order_relaxed);
      logger_->Log(
          LogLevel::kError,
          StrCat("redis publisher: Redis refused ", outcome.rejected_commands,
                 " command(s), not retried: ", outcome.first_rejection));
    }
    if (!outcome.retry_counters) {
      for (std::size_t i = 0; i < blocks_.size(); ++i) {
        counters_.erase(counters_.begin());
      }
    }
    // Keep the events Redis said "not now" to, in order, at the front. The
    // written records stay behind them in the vector: their buffers go back
    // to the queue with the next PopEvents.
    std::size_t kept = 0;
    for (std::size_t i : outcome.retry_events) {
      if (i != kept) swap(events_[kept], events_[i]);
      ++kept;
    }
    pending_ = kept;
    const std::size_t written_events = n_events - kept;
    const std::size_t written_blocks =
        outcome.retry_counters ? 0 : blocks_.size();
    counter_blocks_written_.fetch_add(written_blocks,
                                      std::memory_order_relaxed);
    events_written_.fetch_add(written_events, std::memory_order_relaxed);
    pending_events_.store(pending_, std::memory_order_relaxed);
    pending_blocks_.store(counters_.size(), std::memory_order_relaxed);
    if (!outcome.transient_error.empty()) {
      // Redis is up but not ready (loading its data, busy, read-only...):
      // back off as if disconnected and retry what it refused.
      const absl::Status not_now = absl::UnavailableError(
          StrCat("Redis at ", endpoint_.Redacted(),
                 " is not accepting writes yet: ", outcome.transient_error));
      Disconnected(not_now);
      return not_now;
    }
    return absl::OkStatus();
  }

  const Options& options_;
  const RedisEndpoint endpoint_;
  ResultPipeline* const pipeline_;
  const std::shared_ptr<Logger> logger_;
  RedisStatsWriter stats_writer_;

  std::unique_ptr<RedisConnection> connection_;
  std::map<CounterKey, MinuteCounters> counters_;
  // The first pending_ records are events taken from the queue and not yet
  // written; the rest are spare records whose buffers are reused.
  std::vector<ResultRecord> events_;
  std::size_t pending_ = 0;
  std::vector<CounterBlock> blocks_;
  absl::Duration backoff_;
  absl::Time next_connect_ = absl::InfinitePast();
  std::string last_error_;
  bool outage_reported_ = false;

  std::atomic<std::uint64_t> events_written_{0};
  std::atomic<std::uint64_t> counter_blocks_written_{0};
  std::atomic<std::uint64_t> counter_blocks_lost_{0};
  std::atomic<std::uint64_t> commands_rejected_{0};
  std::atomic<std::uint64_t> write_failures_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::size_t> pending_events_{0};
  std::atomic<std::size_t> pending_blocks_{0};
  std::atomic<bool> connected_{false};
};

absl::StatusOr<std::shared_ptr<RedisPublisher>> RedisPublisher::Create(
    Options options) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(options.redis_url);
  if (!endpoint.ok()) return endpoint.status();
  auto invalid = [](std::string_view what) {
    return absl::InvalidArgumentError(StrCat("redis publisher: ", what));
  };
  if (options.queue_capacity < 1 || options.queue_capacity > (1u << 22)) {
    return invalid(StrCat("queue_capacity must be between 1 and 4194304, not ",
                          options.queue_capacity));
  }
  if (options.flush_interval.count() <= 0) {
    return invalid("flush_interval must be positive");
  }
  if (options.stats_ttl.count() <= 0) {
    return invalid(
        "stats_ttl must be positive (counters without a TTL would never "
        "expire)");
  }
  if (options.stream_max_len < 1) {
    return invalid("stream_max_len must be at least 1");
  }
  if (options.max_batch_events < 1) {
    return invalid("max_batch_events must be at least 1");
  }
  if (options.max_pending_counter_blocks < 1) {
    return invalid("max_pending_counter_blocks must be at least 1");
  }
  if (options.reconnect_min_backoff.count() <= 0 ||
      options.reconnect_max_backoff < options.reconnect_min_backoff) {
    return invalid(
        "reconnect_min_backoff must be positive and not above "
        "reconnect_max_backoff");
  }
  if (options.max_text_bytes < 64) {
    return invalid("max_text_bytes must be at least 64");
  }
  return std::make_shared<RedisPublisher>(Passkey{}, std::move(options),
                                          *std::move(endpoint));
}

RedisPublisher::RedisPublisher(Passkey, Options options, RedisEndpoint endpoint)
    : options_(std::move(options)),
      pipeline_(ResultPipeline::Options{options_.queue_capacity,
                                        options_.max_text_bytes,
                                        options_.max_flags}),
      writer_(
          std::make_unique<Writer>(options_, std::move(endpoint), &pipeline_)) {
  thread_ = std::thread([this] {
    std::uint64_t handled = 0;
    for (;;) {
      std::uint64_t requested = 0;
      {
        MutexLock lock(&mu_);
        if (!stop_ && !wake_) {
          const absl::Duration wait = std::min(
              absl::FromChrono(options_.flush_interval), writer_->RetryIn());
          cv_.WaitWithTimeout(&mu_, wait);
        }
        if (stop_) return;
        wake_ = false;
        requested = flush_requested_;
      }
      if (requested > handled) {
        writer_->AllowReconnectNow();
        handled = requested;
      }
      const absl::Status status = writer_->Pass();
      MutexLock lock(&mu_);
      if (status.ok()) {
        flush_done_ = std::max(flush_done_, requested);
      } else {
        last_error_ = std::string(status.message());
      }
      cv_.SignalAll();
    }
  });
}

RedisPublisher::~RedisPublisher() {
  const absl::Status flushed = Flush(options_.shutdown_timeout);
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  thread_.join();
  if (!flushed.ok()) {
    (options_.logger ? options_.logger : DefaultLogger())
        ->Log(LogLevel::kWarning, StrCat("redis publisher: shutting down with ",
                                         writer_->PendingSummary(),
                                         " not written: ", flushed.message()));
  }
}

void RedisPublisher::Publish(const ExperimentResult& result) {
  if (pipeline_.Publish(result)) WakeWriter();
}

void RedisPublisher::WakeWriter() {
  MutexLock lock(&mu_);
  wake_ = true;
  cv_.SignalAll();
}

absl::Status RedisPublisher::Flush(std::chrono::milliseconds timeout) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(timeout);
  MutexLock lock(&mu_);
  const std::uint64_t generation = ++flush_requested_;
  wake_ = true;
  cv_.SignalAll();
  while (flush_done_ < generation && !stop_) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  if (flush_done_ >= generation) return absl::OkStatus();
  Stats st;
  writer_->FillStats(&st);
  const std::string pending =
      StrCat(st.pending_events + pipeline_.queued(), " event(s) and ",
             st.pending_counter_blocks, " counter block(s) not yet written");
  if (!st.connected) {
    return absl::UnavailableError(
        StrCat("redis publisher: flush gave up after ", timeout.count(),
               " ms with ", pending, ": ", last_error_));
  }
  return absl::DeadlineExceededError(
      StrCat("redis publisher: flush gave up after ", timeout.count(),
             " ms with ", pending, " (still writing)"));
}

RedisPublisher::Stats RedisPublisher::stats() const {
  Stats st;
  writer_->FillStats(&st);
  st.events_dropped = pipeline_.events_dropped();
  st.queued_events = pipeline_.queued();
  return st;
}

}  // namespace sdk
}  // namespace cutover
