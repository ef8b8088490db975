#include "publisher/redis_stats_writer.h"

#include <hiredis/hiredis.h>

#include <charconv>

#include "cutover/internal/strings.h"
#include "cutover/stats_schema.h"

namespace cutover {
inline namespace sdk {
namespace {

// KEYS: the stats hashes. ARGV[1]: the TTL in seconds; then, per key, the
// number of fields followed by field/value pairs. pcall, so that one key of
// the wrong type costs its own increments only; returns {failures, first}.
constexpr std::string_view kCountersScript = R"lua(
local ttl = ARGV[1]
local i = 2
local failed = 0
local first = ''
for k = 1, #KEYS do
  local n = tonumber(ARGV[i])
  i = i + 1
  for j = 1, n do
    local r = redis.pcall('HINCRBY', KEYS[k], ARGV[i], ARGV[i + 1])
    if type(r) == 'table' and r.err then
      failed = failed + 1
      if first == '' then first = r.err end
    end
    i = i + 2
  end
  redis.pcall('EXPIRE', KEYS[k], ttl)
end
return {failed, first}
)lua";

// Events appended between two reads of replies (see the sliding window in
// Write).
constexpr std::size_t kChunk = 1024;

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

bool IsTransientRedisError(std::string_view message) {
  for (std::string_view prefix :
       {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "READONLY",
        "OOM", "NOREPLICAS"}) {
    if (StartsWith(message, prefix)) return true;
  }
  return false;
}

absl::Status RedisStatsWriter::Write(RedisConnection& connection,
                                     absl::Span<const CounterBlock> counters,
                                     absl::Span<const ResultRecord> events,
                                     Outcome* outcome) {
  *outcome = Outcome{};
  auto reject = [outcome](std::string_view what, std::string_view message) {
    if (outcome->rejected_commands++ == 0) {
      outcome->first_rejection = StrCat(what, ": ", message);
    }
  };
  auto not_now = [outcome](std::string_view message) {
    if (outcome->transient_error.empty()) {
      outcome->transient_error = std::string(message);
    }
  };

  if (!counters.empty()) {
    // Every string first, views after: the vector may move while it grows.
    strings_.clear();
    for (const CounterBlock& block : counters) {
      strings_.push_back(
          StatsKey(options_.prefix, block.flag, block.unix_minute));
    }
    strings_.push_back(StrCat(options_.stats_ttl.count()));
    for (const CounterBlock& block : counters) {
      const std::size_t count_at = strings_.size();
      strings_.emplace_back();
      std::size_t fields = 0;
      block.counters.ForEachField(
          [this, &fields](std::string_view field, std::uint64_t value) {
            strings_.emplace_back(field);
            strings_.push_back(StrCat(value));
            ++fields;
          });
      strings_[count_at] = StrCat(fields);
    }
    const std::string numkeys = StrCat(counters.size());
    args_.assign({"EVAL", kCountersScript, numkeys});
    for (const std::string& s : strings_) args_.push_back(s);
    if (absl::Status s = connection.Append(args_); !s.ok()) return s;
  }

  // Only each stream's last XADD of the batch carries MAXLEN ~ N: trimming
  // once per batch caps the stream just the same (it may exceed N by one
  // batch in between) and spares Redis a trim check per entry, a large share
  // of an XADD's cost.
  last_of_stream_.clear();
  for (std::size_t i = 0; i < events.size(); ++i) {
    bool found = false;
    for (auto& [flag, last] : last_of_stream_) {
      if (flag == events[i].flag) {
        last = i;
        found = true;
        break;
      }
    }
    if (!found) last_of_stream_.emplace_back(events[i].flag, i);
  }
  // Replies are read in the order commands were appended: the counters'
  // (if any), then one per event.
  const std::size_t counter_replies = counters.empty() ? 0 : 1;
  std::size_t replies_read = 0;
  auto read_replies_until = [&](std::size_t until) -> absl::Status {
    for (; replies_read < until; ++replies_read) {
      absl::StatusOr<RedisReplyPtr> reply = connection.GetReply();
      if (!reply.ok()) return reply.status();
      const redisReply* r = reply->get();
      if (replies_read < counter_replies) {
        if (ReplyIsError(r)) {
          if (IsTransientRedisError(ReplyString(r))) {
            outcome->retry_counters = true;
            not_now(ReplyString(r));
          } else {
            reject("EVAL (counters)", ReplyString(r));
          }
        } else if (const long long failed = ReplyInteger(ReplyElement(r, 0));
                   failed > 0) {
          reject("HINCRBY", ReplyString(ReplyElement(r, 1)));
          outcome->rejected_commands += static_cast<std::size_t>(failed) - 1;
        }
        continue;
      }
      if (!ReplyIsError(r)) continue;
      if (IsTransientRedisError(ReplyString(r))) {
        outcome->retry_events.push_back(replies_read - counter_replies);
        not_now(ReplyString(r));
      } else {
        reject("XADD", ReplyString(r));
      }
    }
    return absl::OkStatus();
  };

  const NumberText max_len(static_cast<std::int64_t>(options_.stream_max_len));
  for (std::size_t i = 0; i < events.size(); ++i) {
    // A sliding window: reading the previous chunk's replies sends what was
    // appended since, so Redis works through one chunk while this thread
    // formats the next instead of the two taking turns.
    if (i % kChunk == 0 && i > 0) {
      if (absl::Status s = read_replies_until(counter_replies + i - kChunk);
          !s.ok()) {
        return s;
      }
    }
    const ResultRecord& event = events[i];
    key_.assign(options_.prefix);
    key_.append("events:");
    key_.append(event.flag);
    json_.clear();
    event.AppendJson(&json_);
    bool trim = false;
    for (const auto& [flag, last] : last_of_stream_) {
      if (last == i) trim = true;
    }
    if (trim) {
      args_.assign({"XADD", key_, "MAXLEN", "~", max_len.view, "*",
                    kEventFieldOutcome, OutcomeName(event.outcome),
                    kEventFieldResult, json_});
    } else {
      args_.assign({"XADD", key_, "*", kEventFieldOutcome,
                    OutcomeName(event.outcome), kEventFieldResult, json_});
    }
    if (absl::Status s = connection.Append(args_); !s.ok()) return s;
  }
  if (absl::Status s = read_replies_until(counter_replies + events.size());
      !s.ok()) {
    return s;
  }
  return absl::OkStatus();
}

}  // namespace sdk
}  // namespace cutover
