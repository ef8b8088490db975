// `cutover report` against a real Redis (CUTOVER_REDIS_URL), over a full
// day of data: a counter hash with latency buckets in every one of the 1,440
// minutes, and a full event stream (10,000 mismatches with diffs).
//   BM_ReportReadCounters24h   ReportReader::Read of a 24 h window with no
//                              events: 1,440 HGETALLs, pipelined
//   BM_HgetallOneByOne24h      the same 1,440 HGETALLs one round trip each:
//                              what the pipelining saves
//   BM_ReportRead24h           the whole report: counters, 10,000 events
//                              summarized, reconcile, verify, flag history
//   BM_RenderReport24h         text + JSON + HTML of that report, no I/O
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "cutover/flag_admin.h"
#include "cutover/internal/strings.h"
#include "cutover/json_text.h"
#include "cutover/readiness.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"
#include "cutover/redis_keys.h"
#include "cutover/report_reader.h"
#include "cutover/report_render_html.h"
#include "cutover/report_render_json.h"
#include "cutover/report_render_text.h"
#include "cutover/stats_schema.h"

namespace cutover {
namespace {

constexpr int kMinutes = 1440;
constexpr int kEvents = 10000;

void Die(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(2);
}

// One day of data under its own prefix, written once per process, removed
// when the process exits.
class DayOfData {
 public:
  static DayOfData& Get() {
    static DayOfData data;
    return data;
  }

  RedisConnection& redis() { return *redis_; }
  RedisFlagStore& store() { return *store_; }
  const std::string& prefix() const { return prefix_; }
  std::int64_t now_ms() const { return now_ms_; }

  ~DayOfData() { Cleanup(); }

 private:
  DayOfData() {
    const char* url = std::getenv("CUTOVER_REDIS_URL");
    if (url == nullptr || *url == '\0') {
      Die("CUTOVER_REDIS_URL is not set: run `scripts/services start && "
          "source .run/env` first");
    }
    prefix_ = StrCat("bench:report:", getpid(), ":");
    auto endpoint = ParseRedisUrl(url);
    if (!endpoint.ok()) Die(std::string(endpoint.status().message()));
    RedisOptions options;
    options.command_timeout = std::chrono::seconds(30);
    auto redis = RedisConnection::Connect(*endpoint, options);
    if (!redis.ok()) Die(std::string(redis.status().message()));
    redis_ = *std::move(redis);
    auto store = RedisFlagStore::FromUrl(url, prefix_);
    if (!store.ok()) Die(std::string(store.status().message()));
    store_ = *std::move(store);
    Flag flag;
    flag.name = "orders_v2";
    flag.default_stage = Stage::kLive;
    if (!FlagAdmin(*store_).Create(flag, {"bench", false}).ok()) {
      Die("cannot create the benchmark flag");
    }
    now_ms_ = absl::ToUnixMillis(absl::Now());
    Fill();
  }

  void Fill() {
    const std::int64_t last = UnixMinuteOfMillis(now_ms_);
    for (std::int64_t m = last - kMinutes; m <= last; ++m) {
      std::vector<std::string> args = {
          "HSET",        StatsKey(prefix_, "orders_v2", m),
          "comparisons", "1200",
          "matches",     "1198",
          "mismatches",  "2"};
      for (int b = 40; b < 60; ++b) {
        args.push_back(LatencyField(Side::kOld, b));
        args.push_back("50");
        args.push_back(LatencyField(Side::kNew, b + 1));
        args.push_back("50");
      }
      Append(args);
    }
    Drain(kMinutes + 1);
    const std::string diff =
        R"({"mode":"by_key","equal":false,"columns":["id","email","tier"],)"
        R"("key_columns":["id"],"rows":{"old":1,"new":1},"counts":)"
        R"({"missing_rows":0,"extra_rows":0,"changed_rows":1,)"
        R"("changed_cells":1},"changed_cells_by_column":{"email":1},)"
        R"("max_listed":20,"truncated":false,"missing":[],"extra":[],)"
        R"("changed":[{"key":{"id":7},"cells":[{"column":"email",)"
        R"("old":"Seven@Example.org","new":"seven@example.org"}]}]})";
    for (int i = 0; i < kEvents; ++i) {
      const std::int64_t at = now_ms_ - (kEvents - i) * 8000;
      const std::string result = StrCat(
          R"({"experiment":"orders.read","flag":"orders_v2","stage":"live",)",
          R"("user":"u)", i % 500, R"(","outcome":"mismatch",)",
          R"("control_side":"new","at_ms":)", at,
          R"(,"control":{"name":"control","side":"new","ran":true,)",
          R"("wall_ns":1200000,"cpu_ns":-1,"value":"seven@example.org"},)",
          R"("candidate":{"name":"candidate","side":"old","ran":true,)",
          R"("wall_ns":1500000,"cpu_ns":-1,"value":"Seven@Example.org"},)",
          R"("diff":)", diff, R"(,"context":{}})");
      Append({"XADD", RedisKeys(prefix_).Events("orders_v2"), "*", "outcome",
              "mismatch", "result", result});
    }
    Drain(kEvents);
  }

  void Append(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    if (!redis_->Append(views).ok()) Die("pipelining to Redis failed");
  }

  void Drain(int replies) {
    for (int i = 0; i < replies; ++i) {
      auto reply = redis_->GetReply();
      if (!reply.ok() || ReplyIsError(reply->get())) Die("a write failed");
    }
  }

  void Cleanup() {
    std::string cursor = "0";
    do {
      auto reply = redis_->Command(
          {"SCAN", cursor, "MATCH", prefix_ + "*", "COUNT", "1000"});
      if (!reply.ok()) return;
      cursor = std::string(ReplyString(ReplyElement(reply->get(), 0)));
      const redisReply* keys = ReplyElement(reply->get(), 1);
      for (size_t i = 0; i < ReplyElementCount(keys); ++i) {
        redis_->Command({"DEL", ReplyString(ReplyElement(keys, i))})
            .IgnoreError();
      }
    } while (cursor != "0");
  }

  std::string prefix_;
  std::int64_t now_ms_ = 0;
  std::unique_ptr<RedisConnection> redis_;
  std::unique_ptr<RedisFlagStore> store_;
};

report::MigrationReport ReadOrDie(benchmark::State& state,
                                  std::size_t max_events) {
  DayOfData& data = DayOfData::Get();
  report::ReportReader reader(data.redis(), data.store(),
                              RedisKeys(data.prefix()));
  report::ReportRequest request;
  request.flag = "orders_v2";
  request.window = std::chrono::hours(24);
  request.now_ms = data.now_ms();
  request.max_events = max_events;
  auto report = reader.Read(request);
  if (!report.ok()) {
    state.SkipWithError(std::string(report.status().message()).c_str());
    return {};
  }
  return *std::move(report);
}

void BM_ReportReadCounters24h(benchmark::State& state) {
  DayOfData::Get();
  for (auto _ : state) {
    report::MigrationReport report = ReadOrDie(state, 0);
    benchmark::DoNotOptimize(report.totals);
  }
  state.counters["minutes"] = kMinutes + 1;
  state.SetItemsProcessed(state.iterations() * (kMinutes + 1));
}
BENCHMARK(BM_ReportReadCounters24h)->Unit(benchmark::kMillisecond);

void BM_HgetallOneByOne24h(benchmark::State& state) {
  DayOfData& data = DayOfData::Get();
  const std::int64_t last = UnixMinuteOfMillis(data.now_ms());
  for (auto _ : state) {
    for (std::int64_t m = last - kMinutes; m <= last; ++m) {
      auto reply = data.redis().Command(
          {"HGETALL", StatsKey(data.prefix(), "orders_v2", m)});
      benchmark::DoNotOptimize(reply);
    }
  }
  state.SetItemsProcessed(state.iterations() * (kMinutes + 1));
}
BENCHMARK(BM_HgetallOneByOne24h)->Unit(benchmark::kMillisecond);

void BM_ReportRead24h(benchmark::State& state) {
  DayOfData::Get();
  std::uint64_t events = 0;
  for (auto _ : state) {
    report::MigrationReport report = ReadOrDie(state, kEvents);
    events = report.events.events_read;
    benchmark::DoNotOptimize(report.events);
  }
  state.counters["events"] = static_cast<double>(events);
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_ReportRead24h)->Unit(benchmark::kMillisecond);

void BM_RenderReport24h(benchmark::State& state) {
  const report::MigrationReport report = ReadOrDie(state, kEvents);
  const report::ReadinessVerdict verdict =
      EvaluateReadiness(report.Facts(), report::ReadinessCriteria{});
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = report::RenderReportText(report, verdict);
    const std::string json = ToJsonText(report::ReportToJson(report, verdict));
    const std::string html = report::RenderReportHtml(report, verdict);
    bytes = text.size() + json.size() + html.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["html_kb"] =
      static_cast<double>(report::RenderReportHtml(report, verdict).size()) /
      1024;
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RenderReport24h)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cutover
