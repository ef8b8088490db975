#include "cutover/redis_publisher.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "cutover/internal/strings.h"
#include "publisher/redis_stats_writer.h"
#include "redis/redis_background_writer.h"

namespace cutover {
inline namespace sdk {
namespace {

// Counter blocks per round trip: bounds one EVAL after a long outage.
constexpr std::size_t kMaxBlocksPerRound = 512;

}  // namespace

// The writer thread's side of the publisher: what it took from the pipeline
// and has not written yet, how it writes it, and the atomics stats() reads.
//
// Thread-safety: Collect and Write run on the writer thread, PendingSummary
// only once that thread stopped; FillStats may be called from any thread.
class RedisPublisher::Outbox {
 public:
  Outbox(const Options& options, const RedisEndpoint& endpoint,
         ResultPipeline* pipeline)
      : options_(options),
        endpoint_(endpoint),
        pipeline_(pipeline),
        logger_(options.logger ? options.logger : DefaultLogger()),
        stats_writer_(RedisStatsWriter::Options{
            options.prefix, options.stats_ttl, options.stream_max_len}) {}

  // Takes what is waiting in the pipeline (counters, then events), connected
  // or not, so counters keep aggregating and the queue keeps draining into
  // the one batch held while Redis is away. True when anything is pending.
  bool Collect() {
    TakeCounters();
    // Enough to include everything queued before this round began even if
    // the queue was full, without chasing producers forever.
    budget_ = 2 * pipeline_->queue_capacity();
    TakeEvents();
    return !counters_.empty() || pending_ > 0;
  }

  // Writes everything pending, taking more events between round trips. OK
  // when nothing is left; otherwise why not (the connection broke, or Redis
  // is up but not accepting writes yet).
  absl::Status Write(RedisConnection& connection) {
    while (!counters_.empty() || pending_ > 0) {
      if (absl::Status s = WriteOneRound(connection); !s.ok()) return s;
      TakeEvents();
    }
    return absl::OkStatus();
  }

  void FillStats(Stats* st) const {
    st->events_written = events_written_.load(std::memory_order_relaxed);
    st->counter_blocks_written =
        counter_blocks_written_.load(std::memory_order_relaxed);
    st->counter_blocks_lost =
        counter_blocks_lost_.load(std::memory_order_relaxed);
    st->commands_rejected = commands_rejected_.load(std::memory_order_relaxed);
    st->pending_events = pending_events_.load(std::memory_order_relaxed);
    st->pending_counter_blocks =
        pending_blocks_.load(std::memory_order_relaxed);
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

  void TakeEvents() {
    // Hold one batch at most: while Redis is down the queue fills behind it
    // and drops (counted) instead of memory growing.
    const std::size_t room = options_.max_batch_events - pending_;
    const std::size_t want = std::min(room, budget_);
    if (want == 0) return;
    const std::size_t got = pipeline_->PopEvents(want, &events_, pending_);
    budget_ -= got;
    pending_ += got;
    pending_events_.store(pending_, std::memory_order_relaxed);
  }

  absl::Status WriteOneRound(RedisConnection& connection) {
    blocks_.clear();
    for (auto it = counters_.begin();
         it != counters_.end() && blocks_.size() < kMaxBlocksPerRound; ++it) {
      blocks_.push_back(
          CounterBlock{it->first.second, it->first.first, it->second});
    }
    const std::size_t n_events = pending_;
    RedisStatsWriter::Outcome outcome;
    absl::Status status = stats_writer_.Write(
        connection, blocks_,
        absl::Span<const ResultRecord>(events_.data(), n_events), &outcome);
    if (!status.ok()) return status;
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
      // the writer waits as after a failure, then retries what it refused.
      return absl::UnavailableError(
          StrCat("Redis at ", endpoint_.Redacted(),
                 " is not accepting writes yet: ", outcome.transient_error));
    }
    return absl::OkStatus();
  }

  const Options& options_;
  const RedisEndpoint endpoint_;
  ResultPipeline* const pipeline_;
  const std::shared_ptr<Logger> logger_;
  RedisStatsWriter stats_writer_;

  std::map<CounterKey, MinuteCounters> counters_;
  // The first pending_ records are events taken from the queue and not yet
  // written; the rest are spare records whose buffers are reused.
  std::vector<ResultRecord> events_;
  std::size_t pending_ = 0;
  std::vector<CounterBlock> blocks_;
  // Events this round may still take from the queue.
  std::size_t budget_ = 0;

  std::atomic<std::uint64_t> events_written_{0};
  std::atomic<std::uint64_t> counter_blocks_written_{0};
  std::atomic<std::uint64_t> counter_blocks_lost_{0};
  std::atomic<std::uint64_t> commands_rejected_{0};
  std::atomic<std::size_t> pending_events_{0};
  std::atomic<std::size_t> pending_blocks_{0};
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
  if (absl::Status s =
          ValidateRetryOptions(options.reconnect, "redis publisher: reconnect");
      !s.ok()) {
    return s;
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
      outbox_(std::make_unique<Outbox>(options_, endpoint, &pipeline_)) {
  RedisBackgroundWriter::Options w;
  w.endpoint = std::move(endpoint);
  w.redis = options_.redis;
  w.interval = options_.flush_interval;
  w.retry = options_.reconnect;
  w.what = "redis publisher";
  w.while_unreachable =
      "experiment counters are kept in memory and events queue (bounded, "
      "then dropped and counted) until Redis is back";
  w.logger = options_.logger;
  writer_ = std::make_unique<RedisBackgroundWriter>(
      std::move(w),
      RedisBackgroundWriter::Task{[this] { return outbox_->Collect(); },
                                  [this](RedisConnection& connection) {
                                    return outbox_->Write(connection);
                                  }});
}

RedisPublisher::~RedisPublisher() {
  const absl::Status flushed = Flush(options_.shutdown_timeout);
  writer_.reset();
  if (!flushed.ok()) {
    (options_.logger ? options_.logger : DefaultLogger())
        ->Log(LogLevel::kWarning, StrCat("redis publisher: shutting down with ",
                                         outbox_->PendingSummary(),
                                         " not written: ", flushed.message()));
  }
}

void RedisPublisher::Publish(const ExperimentResult& result) {
  if (pipeline_.Publish(result)) writer_->Wake();
}

absl::Status RedisPublisher::Flush(std::chrono::milliseconds timeout) {
  const absl::Status status = writer_->Flush(timeout);
  if (status.ok()) return status;
  Stats st;
  outbox_->FillStats(&st);
  return absl::Status(
      status.code(),
      StrCat("redis publisher: flush gave up after ", timeout.count(),
             " ms with ", st.pending_events + pipeline_.queued(),
             " event(s) and ", st.pending_counter_blocks,
             " counter block(s) not yet written: ", status.message()));
}

RedisPublisher::Stats RedisPublisher::stats() const {
  Stats st;
  outbox_->FillStats(&st);
  st.write_failures = writer_->failures();
  st.reconnects = writer_->connects();
  st.connected = writer_->connected();
  st.events_dropped = pipeline_.events_dropped();
  st.queued_events = pipeline_.queued();
  return st;
}

}  // namespace sdk
}  // namespace cutover
