#include "cutover/redis_stats_writer.h"

#include <hiredis/hiredis.h>

#include <charconv>

#include "cutover/stats_schema.h"
#include "cutover/strings.h"

namespace cutover {
namespace {

// A number as text in a caller-owned buffer.
struct NumberText {
  char buf[24];
  std::string_view view;
  explicit NumberText(std::int64_t v) {
    char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    view = std::string_view(buf, static_cast<size_t>(end - buf));
  }
};

}  // namespace

absl::Status RedisStatsWriter::Write(RedisConnection& connection,
                                     absl::Span<const CounterBlock> counters,
                                     absl::Span<const ResultRecord> events,
                                     Outcome* outcome) {
  *outcome = Outcome{};
  std::size_t replies = 0;
  std::size_t exec_index = 0;  // the reply index of EXEC, if any

  if (!counters.empty()) {
    if (absl::Status s = connection.Append({"MULTI"}); !s.ok()) return s;
    ++replies;
    const NumberText ttl(options_.stats_ttl.count());
    for (const CounterBlock& block : counters) {
      const std::string key =
          StatsKey(options_.prefix, block.flag, block.unix_minute);
      absl::Status status;
      block.counters.ForEachField(
          [&](std::string_view field, std::uint64_t value) {
            if (!status.ok()) return;
            const NumberText n(static_cast<std::int64_t>(value));
            args_.assign({"HINCRBY", key, field, n.view});
            status = connection.Append(args_);
            ++replies;
          });
      if (!status.ok()) return status;
      args_.assign({"EXPIRE", key, ttl.view});
      if (absl::Status s = connection.Append(args_); !s.ok()) return s;
      ++replies;
    }
    if (absl::Status s = connection.Append({"EXEC"}); !s.ok()) return s;
    exec_index = replies++;
  }

  const NumberText max_len(static_cast<std::int64_t>(options_.stream_max_len));
  for (const ResultRecord& event : events) {
    const std::string key = EventsKey(options_.prefix, event.flag);
    const NumberText at(event.timestamp_ms);
    json_.clear();
    event.AppendJson(&json_);
    args_.assign({"XADD", key, "MAXLEN", "~", max_len.view, "*",
                  kEventFieldOutcome, OutcomeName(event.outcome),
                  kEventFieldStage, StageName(event.stage), kEventFieldUser,
                  event.user_id, kEventFieldAt, at.view, kEventFieldResult,
                  json_});
    if (absl::Status s = connection.Append(args_); !s.ok()) return s;
    ++replies;
  }

  auto reject = [outcome](std::string_view what, const redisReply* reply) {
    if (outcome->rejected_commands++ == 0) {
      outcome->first_rejection = StrCat(what, ": ", ReplyString(reply));
    }
  };
  for (std::size_t i = 0; i < replies; ++i) {
    absl::StatusOr<RedisReplyPtr> reply = connection.GetReply();
    if (!reply.ok()) return reply.status();
    const redisReply* r = reply->get();
    if (!counters.empty() && i == exec_index) {
      if (r->type != REDIS_REPLY_ARRAY) {
        // EXECABORT (a command refused while queueing) or a nil reply: none
        // of the counters were applied, and resending would fail the same
        // way.
        reject("EXEC", r);
        continue;
      }
      for (size_t j = 0; j < ReplyElementCount(r); ++j) {
        if (ReplyIsError(ReplyElement(r, j))) {
          reject("HINCRBY/EXPIRE", ReplyElement(r, j));
        }
      }
    } else if (ReplyIsError(r)) {
      reject(!counters.empty() && i < exec_index ? "MULTI/HINCRBY" : "XADD", r);
    }
  }
  return absl::OkStatus();
}

}  // namespace cutover
