#include "cutover/redis_operation_tracker.h"

#include <cctype>
#include <utility>
#include <vector>

#include "cutover/flag.h"
#include "cutover/internal/experiment_clock.h"
#include "cutover/internal/strings.h"
#include "cutover/stats_schema.h"
#include "redis/redis_background_writer.h"

namespace cutover {
inline namespace sdk {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

void ForEachOperationField(
    const TrackerTotals& totals,
    absl::FunctionRef<void(std::string_view field, std::uint64_t value)> fn) {
  for (int i = 0; i < kMigrationOperationCount; ++i) {
    const OperationTotals& t = totals.operations[i];
    const std::string op(
        MigrationOperationName(static_cast<MigrationOperation>(i)));
    fn(StrCat(op, "_operations"), t.operations);
    for (int s = 0; s < kStageCount; ++s) {
      fn(StrCat(op, "_stage_", StageName(static_cast<Stage>(s))),
         t.by_stage[s]);
    }
    for (int r = 0; r < static_cast<int>(t.by_reason.size()); ++r) {
      fn(StrCat(op, "_reason_", Lower(ReasonName(static_cast<Reason>(r)))),
         t.by_reason[r]);
    }
    fn(StrCat(op, "_caller_errors"), t.caller_errors);
    fn(StrCat(op, "_sampled"), t.sampled);
    fn(StrCat(op, "_compared"), t.compared);
    fn(StrCat(op, "_disagreements"), t.disagreements);
    fn(StrCat(op, "_reconcile_recorded"), t.reconcile_recorded);
    for (Side side : {Side::kOld, Side::kNew}) {
      const OriginTotals& o = t.origin(side);
      const std::string p = StrCat(op, "_", SideName(side), "_");
      fn(StrCat(p, "runs"), o.runs);
      fn(StrCat(p, "errors"), o.errors);
      fn(StrCat(p, "queued"), o.queued);
      fn(StrCat(p, "latency_ns_sum"), o.latency_ns_sum);
    }
  }
}

absl::StatusOr<std::shared_ptr<RedisOperationTracker>>
RedisOperationTracker::Create(Options options) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(options.redis_url);
  if (!endpoint.ok()) return endpoint.status();
  if (!IsValidFlagName(options.flag)) {
    return absl::InvalidArgumentError(
        StrCat("RedisOperationTracker: flag '", options.flag,
               "' is not a valid flag name (1-64 characters of [a-z0-9_.-])"));
  }
  if (options.flush_interval.count() <= 0 || options.ttl.count() <= 0) {
    return absl::InvalidArgumentError(
        "RedisOperationTracker: flush_interval and ttl must be positive");
  }
  if (absl::Status s = ValidateRetryOptions(options.reconnect,
                                            "RedisOperationTracker: reconnect");
      !s.ok()) {
    return s;
  }
  return std::make_shared<RedisOperationTracker>(Passkey{}, std::move(options),
                                                 *std::move(endpoint));
}

RedisOperationTracker::RedisOperationTracker(Passkey, Options options,
                                             RedisEndpoint endpoint)
    : options_(std::move(options)) {
  RedisBackgroundWriter::Options w;
  w.endpoint = std::move(endpoint);
  w.redis = options_.redis;
  w.interval = options_.flush_interval;
  w.retry = options_.reconnect;
  w.what = StrCat("operation tracker for '", options_.flag, "'");
  w.while_unreachable = "counts are kept in memory until Redis is back";
  w.logger = options_.logger;
  writer_ = std::make_unique<RedisBackgroundWriter>(
      std::move(w),
      RedisBackgroundWriter::Task{
          [this] { return Collect(); },
          [this](RedisConnection& connection) { return Write(connection); }});
}

RedisOperationTracker::~RedisOperationTracker() {
  (void)Flush(options_.shutdown_timeout);
  writer_.reset();
}

void RedisOperationTracker::Record(const OperationRecord& record) {
  counts_.Record(record);
}

absl::Status RedisOperationTracker::Flush(std::chrono::milliseconds timeout) {
  return writer_->Flush(timeout);
}

bool RedisOperationTracker::Collect() {
  collected_ = counts_.Totals();
  std::vector<std::uint64_t> before;
  ForEachOperationField(written_, [&before](std::string_view, std::uint64_t v) {
    before.push_back(v);
  });
  deltas_.clear();
  std::size_t i = 0;
  ForEachOperationField(collected_,
                        [&](std::string_view field, std::uint64_t v) {
                          if (v > before[i]) {
                            deltas_.emplace_back(field, StrCat(v - before[i]));
                          }
                          ++i;
                        });
  return !deltas_.empty();
}

absl::Status RedisOperationTracker::Write(RedisConnection& connection) {
  const auto& deltas = deltas_;
  const std::string key = OperationStatsKey(
      options_.prefix, options_.flag,
      UnixMinuteOfMillis(experiment_internal::UnixMillisCoarse()));
  const std::string ttl = StrCat(options_.ttl.count());
  // One transaction: a round is counted whole or not at all.
  if (absl::Status s = connection.Append({"MULTI"}); !s.ok()) return s;
  for (const auto& [field, delta] : deltas) {
    if (absl::Status s = connection.Append({"HINCRBY", key, field, delta});
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = connection.Append({"EXPIRE", key, ttl}); !s.ok()) {
    return s;
  }
  if (absl::Status s = connection.Append({"EXEC"}); !s.ok()) return s;
  absl::Status refused;
  for (std::size_t n = 0; n < deltas.size() + 3; ++n) {
    absl::StatusOr<RedisReplyPtr> reply = connection.GetReply();
    if (!reply.ok()) return reply.status();
    if (ReplyIsError(reply->get()) && refused.ok()) {
      refused = absl::FailedPreconditionError(
          StrCat("Redis refused the counters for ", key, ": ",
                 ReplyString(reply->get())));
    }
  }
  if (!refused.ok()) return refused;
  written_ = collected_;
  return absl::OkStatus();
}

}  // namespace sdk
}  // namespace cutover
