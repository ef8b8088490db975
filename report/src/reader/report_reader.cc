#include "cutover/report_reader.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <vector>

#include "absl/time/clock.h"
#include "cutover/flag_admin.h"
#include "cutover/internal/strings.h"
#include "cutover/stats_schema.h"
#include "reader/flag_change_summary.h"

namespace cutover::report {
namespace {

constexpr std::int64_t kMillisPerMinute = 60000;
constexpr std::size_t kEventPage = 500;

// The value of `name` in a stream entry's field list, or "".
std::string_view Field(const redisReply* fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < ReplyElementCount(fields); i += 2) {
    if (ReplyString(ReplyElement(fields, i)) == name) {
      return ReplyString(ReplyElement(fields, i + 1));
    }
  }
  return {};
}

std::int64_t FieldInt(const redisReply* fields, std::string_view name) {
  std::int64_t v = 0;
  return ParseInteger(Field(fields, name), &v) ? v : 0;
}

// Stream ids are "<ms>-<seq>".
std::int64_t IdMillis(std::string_view id) {
  std::int64_t ms = 0;
  ParseInteger(id.substr(0, id.find('-')), &ms);
  return ms;
}

absl::Status KeyError(std::string_view key, const redisReply* reply) {
  return absl::FailedPreconditionError(
      StrCat("cannot read ", key, ": Redis says ", ReplyString(reply),
             " (is another program using this key prefix?)"));
}

// Names the key in an error reply (e.g. WRONGTYPE), which Redis does not.
absl::StatusOr<RedisReplyPtr> Checked(std::string_view key,
                                      absl::StatusOr<RedisReplyPtr> reply) {
  if (!reply.ok() && absl::IsFailedPrecondition(reply.status())) {
    return absl::FailedPreconditionError(StrCat(
        "cannot read ", key, ": ", std::string(reply.status().message())));
  }
  return reply;
}

}  // namespace

ReportReader::ReportReader(RedisConnection& redis, FlagStore& store,
                           RedisKeys keys)
    : redis_(redis), store_(store), keys_(std::move(keys)) {}

absl::StatusOr<MigrationReport> ReportReader::Read(
    const ReportRequest& request) {
  if (!IsValidFlagName(request.flag)) {
    return absl::InvalidArgumentError(
        StrCat("\"", request.flag,
               "\" is not a valid flag name: use 1-64 characters of a-z, "
               "0-9, '_', '.', '-'"));
  }
  if (request.window.count() <= 0) {
    return absl::InvalidArgumentError(
        "the report window must be positive (e.g. --since 24h)");
  }
  MigrationReport report;
  report.flag_name = request.flag;
  report.key_prefix = keys_.prefix();
  report.now_ms = request.now_ms.value_or(absl::ToUnixMillis(absl::Now()));
  report.window = request.window;
  report.window_start_ms = report.now_ms - request.window.count() * 1000;

  FlagAdmin admin(store_);
  absl::StatusOr<Flag> flag = admin.Get(request.flag);
  if (!flag.ok()) {
    if (absl::IsNotFound(flag.status())) {
      return absl::NotFoundError(StrCat(
          "no flag named ", request.flag, " under prefix \"", keys_.prefix(),
          "\" (see cutover flag list, and check --prefix)"));
    }
    return flag.status();
  }
  report.flag = *std::move(flag);

  absl::StatusOr<std::vector<AuditEntry>> history =
      store_.History(request.flag, request.history_limit);
  if (!history.ok()) return history.status();
  report.changes = SummarizeChanges(*history);
  // Fewer entries than asked for means the whole history was seen; otherwise
  // an older stage change may be cut off. The oldest entry returned is then
  // the latest moment it can have happened, which only makes the
  // verification check stricter.
  if (!report.changes.last_stage_change_ms && !history->empty() &&
      history->size() >= request.history_limit) {
    report.changes.last_stage_change_ms = history->front().at_ms;
    report.changes.last_stage_change_action = "(older than the history read)";
  }

  if (absl::Status s = ReadCounters(request, &report); !s.ok()) return s;
  if (absl::Status s = ReadEvents(request, &report); !s.ok()) return s;
  if (absl::Status s = ReadReconcile(&report); !s.ok()) return s;
  if (absl::Status s = ReadVerification(&report); !s.ok()) return s;
  return report;
}

absl::Status ReportReader::ReadCounters(const ReportRequest& request,
                                        MigrationReport* report) {
  const std::int64_t now_minute = UnixMinuteOfMillis(report->now_ms);
  const std::int64_t window_minute =
      UnixMinuteOfMillis(report->window_start_ms);
  std::int64_t first = window_minute;
  std::optional<std::int64_t> change_minute;
  if (report->changes.last_change_ms) {
    change_minute = UnixMinuteOfMillis(*report->changes.last_change_ms);
    const std::int64_t oldest_kept = UnixMinuteOfMillis(
        report->now_ms - request.max_lookback.count() * 1000);
    first = std::min(first, std::max(*change_minute, oldest_kept));
  }

  MinuteCounters window_totals;
  MinuteCounters since_change;
  const std::size_t batch = std::max<std::size_t>(1, request.pipeline_batch);
  std::vector<std::string> keys;
  for (std::int64_t start = first; start <= now_minute;
       start += static_cast<std::int64_t>(batch)) {
    const std::int64_t end =
        std::min(now_minute, start + static_cast<std::int64_t>(batch) - 1);
    keys.clear();
    for (std::int64_t m = start; m <= end; ++m) {
      keys.push_back(StatsKey(keys_.prefix(), report->flag_name, m));
      if (absl::Status s = redis_.Append({"HGETALL", keys.back()}); !s.ok()) {
        return s;
      }
    }
    for (std::int64_t m = start; m <= end; ++m) {
      const std::string& key = keys[static_cast<std::size_t>(m - start)];
      absl::StatusOr<RedisReplyPtr> reply = redis_.GetReply();
      if (!reply.ok()) return reply.status();
      const redisReply* r = reply->get();
      if (ReplyIsError(r)) return KeyError(key, r);
      const std::size_t n = ReplyElementCount(r);
      if (n == 0) continue;
      MinuteCounters minute;
      for (std::size_t i = 0; i + 1 < n; i += 2) {
        absl::Status s = minute.AddField(ReplyString(ReplyElement(r, i)),
                                         ReplyString(ReplyElement(r, i + 1)));
        if (!s.ok()) {
          return absl::FailedPreconditionError(
              StrCat("cannot read ", key, ": ", std::string(s.message())));
        }
      }
      if (change_minute && m >= *change_minute) since_change.Add(minute);
      if (m < window_minute) continue;
      window_totals.Add(minute);
      MinutePoint point;
      point.unix_minute = m;
      point.totals = CounterTotals::Of(minute);
      point.latency_old = LatencySummary::Of(minute.histogram(Side::kOld));
      point.latency_new = LatencySummary::Of(minute.histogram(Side::kNew));
      if (!report->first_comparison_ms &&
          minute.get(StatsCounter::kComparisons) > 0) {
        report->first_comparison_ms = m * kMillisPerMinute;
      }
      report->series.push_back(std::move(point));
    }
  }
  report->totals = CounterTotals::Of(window_totals);
  report->latency_old = LatencySummary::Of(window_totals.histogram(Side::kOld));
  report->latency_new = LatencySummary::Of(window_totals.histogram(Side::kNew));
  report->since_last_change = CounterTotals::Of(since_change);
  return absl::OkStatus();
}

absl::Status ReportReader::ReadEvents(const ReportRequest& request,
                                      MigrationReport* report) {
  const std::string key = keys_.Events(report->flag_name);
  EventSummarizer summarizer(request.events, report->window_start_ms,
                             report->now_ms);
  // Entry ids are the time of the XADD, never earlier than the run's start,
  // so every run in the window has an id at or after the window's start.
  const std::string start =
      StrCat(std::max<std::int64_t>(0, report->window_start_ms));
  std::string end = "+";
  std::size_t examined = 0;
  bool reached_start = false;
  while (examined < request.max_events) {
    const std::size_t page =
        std::min(kEventPage, request.max_events - examined);
    absl::StatusOr<RedisReplyPtr> reply = Checked(
        key,
        redis_.Command({"XREVRANGE", key, end, start, "COUNT", StrCat(page)}));
    if (!reply.ok()) return reply.status();
    const redisReply* entries = reply->get();
    const std::size_t n = ReplyElementCount(entries);
    for (std::size_t i = 0; i < n; ++i) {
      const redisReply* entry = ReplyElement(entries, i);
      const redisReply* fields = ReplyElement(entry, 1);
      summarizer.Add(Field(fields, kEventFieldOutcome),
                     Field(fields, kEventFieldResult),
                     IdMillis(ReplyString(ReplyElement(entry, 0))));
    }
    examined += n;
    if (n < page) {
      reached_start = true;
      break;
    }
    end =
        StrCat("(", ReplyString(ReplyElement(ReplyElement(entries, n - 1), 0)));
  }
  if (!reached_start) summarizer.SetLimited();
  report->events = summarizer.Finish();
  return absl::OkStatus();
}

absl::Status ReportReader::ReadReconcile(MigrationReport* report) {
  const std::string key = keys_.Reconcile(report->flag_name);
  absl::StatusOr<RedisReplyPtr> len =
      Checked(key, redis_.Command({"XLEN", key}));
  if (!len.ok()) return len.status();
  report->reconcile.entries =
      static_cast<std::uint64_t>(std::max(0LL, ReplyInteger(len->get())));
  if (report->reconcile.entries == 0) return absl::OkStatus();
  absl::StatusOr<RedisReplyPtr> oldest =
      Checked(key, redis_.Command({"XRANGE", key, "-", "+", "COUNT", "1"}));
  if (!oldest.ok()) return oldest.status();
  if (ReplyElementCount(oldest->get()) == 0) return absl::OkStatus();
  const redisReply* entry = ReplyElement(oldest->get(), 0);
  const redisReply* fields = ReplyElement(entry, 1);
  std::int64_t at = 0;
  if (!ParseInteger(Field(fields, "at"), &at)) {
    at = IdMillis(ReplyString(ReplyElement(entry, 0)));
  }
  report->reconcile.oldest_at_ms = at;
  report->reconcile.oldest_key = std::string(Field(fields, "key"));
  report->reconcile.oldest_error = std::string(Field(fields, "error"));
  return absl::OkStatus();
}

absl::Status ReportReader::ReadVerification(MigrationReport* report) {
  const std::string key = keys_.Verify(report->flag_name);
  absl::StatusOr<RedisReplyPtr> newest =
      Checked(key, redis_.Command({"XREVRANGE", key, "+", "-", "COUNT", "1"}));
  if (!newest.ok()) return newest.status();
  if (ReplyElementCount(newest->get()) == 0) return absl::OkStatus();
  const redisReply* entry = ReplyElement(newest->get(), 0);
  const redisReply* fields = ReplyElement(entry, 1);
  VerificationFacts v;
  if (!ParseInteger(Field(fields, "at"), &v.at_ms)) {
    v.at_ms = IdMillis(ReplyString(ReplyElement(entry, 0)));
  }
  const std::string_view equal = Field(fields, "equal");
  v.equal = equal == "1" || equal == "true";
  v.rows_old = FieldInt(fields, "rows_old");
  v.rows_new = FieldInt(fields, "rows_new");
  v.difference_count = FieldInt(fields, "difference_count");
  v.chunks = FieldInt(fields, "chunks");
  report->verification = v;
  return absl::OkStatus();
}

}  // namespace cutover::report
