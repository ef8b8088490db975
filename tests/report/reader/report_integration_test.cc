// The mismatch report against the real Redis: results published through the
// real RedisPublisher with known numbers come back exact in every figure; each
// readiness criterion flips the verdict on its own; the `cutover report`
// binary exits 0 / 5 / 3 / 2 / 1 as documented.
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cutover/flag_admin.h"
#include "cutover/internal/strings.h"
#include "cutover/latency_histogram.h"
#include "cutover/readiness.h"
#include "cutover/reconcile_entry.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"
#include "cutover/redis_publisher.h"
#include "cutover/redis_reconcile_log.h"
#include "cutover/report_reader.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/test_env.h"
#include "support/test_redis.h"

namespace cutover::report {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kMs = 1'000'000;  // nanoseconds per millisecond

std::string RenderText(const void*, const void* value) {
  return *static_cast<const std::string*>(value);
}

// One comparison to publish: who, when, how it ended, how long each side took.
struct Run {
  Run(std::int64_t at, Outcome o = Outcome::kMatch, std::int64_t old_side = kMs,
      std::int64_t new_side = 2 * kMs, std::string diff = "",
      std::string user_id = "u1")
      : at_ms(at),
        outcome(o),
        old_ns(old_side),
        new_ns(new_side),
        diff_json(std::move(diff)),
        user(std::move(user_id)) {}
  std::int64_t at_ms;
  Outcome outcome;
  std::int64_t old_ns;
  std::int64_t new_ns;
  std::string diff_json;
  std::string user;
};

// Publishes results through the real RedisPublisher and keeps the histograms
// the report must reproduce.
class ResultWriter {
 public:
  ResultWriter(const std::string& url, const std::string& prefix,
               std::string flag)
      : flag_(std::move(flag)) {
    RedisPublisher::Options options;
    options.redis_url = url;
    options.prefix = prefix;
    auto publisher = RedisPublisher::Create(options);
    EXPECT_TRUE(publisher.ok()) << publisher.status();
    if (publisher.ok()) publisher_ = *publisher;
    try {
      throw std::runtime_error("relation \"orders_v2\" does not exist");
    } catch (...) {
      error_ = CaptureCurrentError();
    }
  }

  void Publish(const Run& run) {
    ExperimentResult r;
    r.experiment = "orders.read";
    r.flag = flag_;
    r.stage = Stage::kShadow;
    r.user_id = run.user;
    r.outcome = run.outcome;
    r.control_side = Side::kOld;
    r.timestamp_ms = run.at_ms;
    r.diff_json = run.diff_json;
    r.control = ObservationView{"control",
                                Side::kOld,
                                true,
                                nullptr,
                                run.old_ns,
                                -1,
                                ValueRef(nullptr, &old_value_, &RenderText)};
    r.candidate = ObservationView{"candidate",
                                  Side::kNew,
                                  true,
                                  nullptr,
                                  run.new_ns,
                                  -1,
                                  ValueRef(nullptr, &new_value_, &RenderText)};
    switch (run.outcome) {
      case Outcome::kCandidateError:
        r.candidate.error = &error_;
        r.candidate.value = ValueRef();
        break;
      case Outcome::kControlError:
        r.control.error = &error_;
        r.control.value = ValueRef();
        break;
      case Outcome::kTimeout:
        r.candidate.wall_ns = -1;
        r.candidate.value = ValueRef();
        break;
      case Outcome::kDropped:
        r.candidate.ran = false;
        r.candidate.wall_ns = -1;
        r.candidate.value = ValueRef();
        break;
      default:
        break;
    }
    // What the aggregator counts: each side that ran to completion.
    const std::int64_t minute = UnixMinuteOfMillis(run.at_ms);
    for (const ObservationView* o : {&r.control, &r.candidate}) {
      if (o->ran && o->wall_ns >= 0) {
        per_minute_[minute][Index(o->side)].Add(o->wall_ns);
      }
    }
    // Null when the constructor failed to create it (reported there).
    ASSERT_NE(publisher_, nullptr);
    publisher_->Publish(r);
  }

  void Flush() {
    ASSERT_NE(publisher_, nullptr);
    ASSERT_TRUE(publisher_->Flush(std::chrono::seconds(10)).ok());
  }

  // The histogram of the observations published for minutes >= `from`, and
  // of one minute.
  LatencyHistogram expected(Side side, std::int64_t from_minute) const {
    LatencyHistogram merged;
    for (const auto& [minute, sides] : per_minute_) {
      if (minute >= from_minute) merged.Merge(sides[Index(side)]);
    }
    return merged;
  }
  const LatencyHistogram& minute(std::int64_t minute, Side side) {
    return per_minute_[minute][Index(side)];
  }

 private:
  const std::string flag_;
  std::shared_ptr<RedisPublisher> publisher_;
  ErrorInfo error_;
  const std::string old_value_ = "{\"id\":3,\"name\":\"c\"}";
  const std::string new_value_ = "{\"id\":3,\"name\":\"C\"}";
  static int Index(Side side) { return side == Side::kOld ? 0 : 1; }

  std::map<std::int64_t, std::array<LatencyHistogram, 2>> per_minute_;
};

// A comparator diff in its JSON form (comparator/include/cutover/
// diff_render.h; SDK tests do not link the comparator): row 2 missing from
// new, row 3's name changed (and its email when `two_cells`).
std::string DiffJson(bool two_cells) {
  const std::string email_cell =
      two_cells ? R"(,{"column":"email","old":"c@x.org","new":"C@x.org"})" : "";
  return StrCat(
      R"({"mode":"by_key","equal":false,"columns":["id","name","email"],)",
      R"("key_columns":["id"],"rows":{"old":3,"new":2},)",
      R"("counts":{"missing_rows":1,"extra_rows":0,"changed_rows":1,)",
      R"("changed_cells":)", two_cells ? 2 : 1, "},",
      R"("changed_cells_by_column":{)",
      two_cells ? R"("email":1,"name":1)" : R"("name":1)", "},",
      R"("max_listed":20,"truncated":false,)",
      R"("missing":[{"key":{"id":2},"row":{"id":2,"name":"b","email":null}}],)",
      R"("extra":[],)",
      R"("changed":[{"key":{"id":3},"cells":[{"column":"name","old":"c",)",
      R"("new":"C"})", email_cell, "]}]}");
}

std::int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

class ReportIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::RedisUrl();
    ASSERT_FALSE(url_.empty());
    prefix_ = testing::UniquePrefix("report");
    auto store = RedisFlagStore::FromUrl(url_, prefix_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    redis_ = testing::ConnectForTest(url_);
    ASSERT_NE(redis_, nullptr);
  }

  void TearDown() override {
    if (redis_ != nullptr) testing::DeleteKeysUnder(*redis_, prefix_);
  }

  // Creates the flag at `stage`; returns the audit time of the creation.
  std::int64_t CreateFlag(const std::string& name, Stage stage) {
    Flag f;
    f.name = name;
    f.default_stage = stage;
    FlagAdmin admin(*store_);
    EXPECT_TRUE(admin.Create(f, {"tester", false}).ok());
    return LastAuditMs(name);
  }

  std::int64_t LastAuditMs(const std::string& name) {
    auto history = store_->History(name, 100);
    EXPECT_TRUE(history.ok() && !history->empty());
    return history.ok() && !history->empty() ? history->back().at_ms : 0;
  }

  // As `cutover verify --flag` records it (comparator/include/cutover/
  // verify_result_store.h documents the stream).
  void RecordVerification(const std::string& flag, std::int64_t at_ms,
                          bool equal) {
    auto reply = redis_->Command(
        {"XADD", RedisKeys(prefix_).Verify(flag), "*", "at", StrCat(at_ms),
         "equal", equal ? "1" : "0", "rows_old", "100", "rows_new",
         equal ? "100" : "99", "difference_count", equal ? "0" : "1", "chunks",
         "4", "seconds", "0.250"});
    ASSERT_TRUE(reply.ok()) << reply.status();
  }

  void AddReconcileEntry(const std::string& flag, std::int64_t at_ms) {
    RedisReconcileLog::Options options;
    options.redis_url = url_;
    options.prefix = prefix_;
    auto log = RedisReconcileLog::Create(options);
    ASSERT_TRUE(log.ok()) << log.status();
    ReconcileEntry e;
    e.flag = flag;
    e.key = "order:42";
    e.operation = "update_order";
    e.error = "connection reset";
    e.at_ms = at_ms;
    e.stage = Stage::kRampDown;
    e.side = Side::kOld;
    (*log)->Append(e);
    ASSERT_TRUE((*log)->Flush(std::chrono::seconds(10)).ok());
  }

  absl::StatusOr<MigrationReport> Read(const std::string& flag,
                                       std::chrono::seconds window,
                                       std::optional<std::int64_t> now = {}) {
    ReportReader reader(*redis_, *store_, RedisKeys(prefix_));
    ReportRequest request;
    request.flag = flag;
    request.window = window;
    request.now_ms = now;
    return reader.Read(request);
  }

  testing::CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> full = {"--redis", url_, "--prefix", prefix_};
    full.insert(full.end(), args.begin(), args.end());
    return testing::RunCutover(full);
  }

  std::string url_;
  std::string prefix_;
  std::unique_ptr<RedisFlagStore> store_;
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(ReportIntegrationTest, EveryFigureIsExact) {
  const std::string flag = "orders_v2";
  const std::int64_t created = CreateFlag(flag, Stage::kShadow);
  const std::int64_t m0 = UnixMinuteOfMillis(created) - 30;
  const std::int64_t m1 = m0 + 5;
  ResultWriter w(url_, prefix_, flag);
  // Minute m0: 6 matches, 2 mismatches with diffs, 1 ignored, 1 candidate
  // error, 1 control error, 2 timeouts, 1 dropped.
  for (int i = 0; i < 6; ++i) w.Publish({m0 * kMinute + i * 1000});
  w.Publish({m0 * kMinute + 10'000, Outcome::kMismatch, 1 * kMs, 2 * kMs,
             DiffJson(false), "alice"});
  w.Publish({m0 * kMinute + 11'000, Outcome::kMismatch, 1 * kMs, 2 * kMs,
             DiffJson(true), "bob"});
  w.Publish({m0 * kMinute + 12'000, Outcome::kIgnored});
  w.Publish({m0 * kMinute + 13'000, Outcome::kCandidateError});
  w.Publish({m0 * kMinute + 14'000, Outcome::kControlError});
  w.Publish({m0 * kMinute + 15'000, Outcome::kTimeout});
  w.Publish({m0 * kMinute + 16'000, Outcome::kTimeout});
  w.Publish({m0 * kMinute + 17'000, Outcome::kDropped});
  // Minute m1: 10 slower matches.
  for (int i = 0; i < 10; ++i) {
    w.Publish({m1 * kMinute + i * 1000, Outcome::kMatch, 4 * kMs, 8 * kMs});
  }
  // At the flag's creation: 3 matches and 1 mismatch, the only results since
  // the last change.
  for (int i = 0; i < 3; ++i) w.Publish({created});
  w.Publish({created, Outcome::kMismatch, 1 * kMs, 2 * kMs, "", "carol"});
  // Outside a 1 h window: must not count.
  w.Publish({created - 3 * 3'600'000, Outcome::kMismatch});
  w.Publish({created - 3 * 3'600'000});
  w.Flush();

  const testing::CommandResult r =
      Cli({"--json", "report", flag, "--since", "1h", "--samples", "10"});
  ASSERT_EQ(r.exit_code, 5) << r.err << r.out;  // shadow: not ready
  const json j = json::parse(r.out);
  EXPECT_EQ(j["flag"], flag);
  EXPECT_EQ(j["comparisons"], 6 + 2 + 1 + 1 + 1 + 10 + 4);
  EXPECT_EQ(j["matches"], 6 + 10 + 3);
  EXPECT_EQ(j["mismatches"], 3);
  EXPECT_EQ(j["ignored"], 1);
  EXPECT_EQ(j["candidate_errors"], 1);
  EXPECT_EQ(j["control_errors"], 1);
  EXPECT_EQ(j["timeouts"], 2);
  EXPECT_EQ(j["dropped"], 1);
  EXPECT_EQ(j["events_dropped"], 0);
  EXPECT_DOUBLE_EQ(j["mismatch_rate"].get<double>(), 3.0 / 25.0);
  EXPECT_EQ(j["ready"], false);
  EXPECT_EQ(j["since_last_change"]["comparisons"], 4);
  EXPECT_EQ(j["since_last_change"]["mismatches"], 1);

  // Latency: the same buckets, so the same estimates, on both sides.
  for (const Side side : {Side::kOld, Side::kNew}) {
    const json& l = j["latency"][std::string(SideName(side))];
    const LatencyHistogram in_window = w.expected(side, m0);
    EXPECT_EQ(l["samples"], in_window.total());
    EXPECT_EQ(l["p50_ns"], *in_window.PercentileNanos(0.5));
    EXPECT_EQ(l["p99_ns"], *in_window.PercentileNanos(0.99));
  }
  // Old side: 18 observations of 1 ms and 10 of 4 ms, so the median is 1 ms
  // give or take its bucket; new side: 10 of 8 ms set the p99.
  EXPECT_GT(j["latency"]["old"]["p50_ns"].get<std::int64_t>(), 900'000);
  EXPECT_LT(j["latency"]["old"]["p50_ns"].get<std::int64_t>(), 1'200'000);
  EXPECT_GT(j["latency"]["new"]["p99_ns"].get<std::int64_t>(), 7'000'000);

  // The series: exactly the three minutes with data, each exact.
  ASSERT_EQ(j["series"].size(), 3u);
  const json& first = j["series"][0];
  EXPECT_EQ(first["comparisons"], 11);
  EXPECT_EQ(first["mismatches"], 2);
  EXPECT_EQ(first["timeouts"], 2);
  EXPECT_EQ(first["dropped"], 1);
  EXPECT_EQ(first["latency_new_p50_ns"],
            *w.minute(m0, Side::kNew).PercentileNanos(0.5));
  EXPECT_EQ(j["series"][1]["comparisons"], 10);
  EXPECT_EQ(j["series"][1]["latency_old_p99_ns"],
            *w.minute(m1, Side::kOld).PercentileNanos(0.99));
  EXPECT_EQ(j["series"][2]["comparisons"], 4);

  // Events in the window: 3 mismatches, 1 candidate error, 1 control error,
  // 2 timeouts.
  const json& e = j["events"];
  EXPECT_EQ(e["read"], 7);
  EXPECT_EQ(e["limited"], false);
  EXPECT_EQ(e["unparsable"], 0);
  std::map<std::string, std::pair<int, int>> kinds;
  for (const json& k : e["kinds"]) {
    kinds[k["kind"]] = {k["events"].get<int>(), k["items"].get<int>()};
  }
  EXPECT_EQ(kinds["changed cells"], std::make_pair(2, 3));
  EXPECT_EQ(kinds["missing rows"], std::make_pair(2, 2));
  EXPECT_EQ(kinds["value differs"], std::make_pair(1, 1));
  EXPECT_EQ(kinds["timeout"], std::make_pair(2, 2));
  EXPECT_EQ(kinds["candidate error: std::runtime_error"], std::make_pair(1, 1));
  EXPECT_EQ(kinds["control error: std::runtime_error"], std::make_pair(1, 1));
  ASSERT_EQ(e["top_columns"].size(), 2u);
  EXPECT_EQ(e["top_columns"][0]["column"], "name");
  EXPECT_EQ(e["top_columns"][0]["changed_cells"], 2);
  EXPECT_EQ(e["top_columns"][1]["column"], "email");
  EXPECT_EQ(e["top_columns"][1]["changed_cells"], 1);

  // Samples: newest first; the newest is carol's mismatch without a diff, and
  // bob's carries the diff with both changed cells and the missing row.
  ASSERT_EQ(e["samples"].size(), 7u);
  EXPECT_EQ(e["samples"][0]["user"], "carol");
  EXPECT_TRUE(e["samples"][0]["diff"].is_null());
  EXPECT_EQ(e["samples"][0]["old"], "{\"id\":3,\"name\":\"c\"}");
  json bob;
  for (const json& s : e["samples"]) {
    if (s["user"] == "bob") bob = s;
  }
  ASSERT_FALSE(bob.is_null());
  EXPECT_EQ(bob["diff"]["changed_cells"], 2);
  EXPECT_EQ(bob["diff"]["missing_rows"], 1);
  ASSERT_EQ(bob["diff"]["rows"].size(), 2u);
  EXPECT_EQ(bob["diff"]["rows"][0]["kind"], "changed");
  EXPECT_EQ(bob["diff"]["rows"][0]["key"]["id"], 3);
  EXPECT_EQ(bob["diff"]["rows"][0]["cells"][1]["column"], "email");
  EXPECT_EQ(bob["diff"]["rows"][0]["cells"][1]["new"], "C@x.org");
  EXPECT_EQ(bob["diff"]["rows"][1]["kind"], "missing");
  EXPECT_TRUE(bob["diff"]["rows"][1]["row"]["email"].is_null());

  // The flag and the rest.
  EXPECT_EQ(j["flag_state"]["default_stage"], "shadow");
  EXPECT_EQ(j["reconcile"]["backlog"], 0);
  EXPECT_TRUE(j["verification"].is_null());
  EXPECT_EQ(j["last_change"]["action"], "create");

  // The terminal text shows the same numbers in its summary.
  const testing::CommandResult text =
      Cli({"report", flag, "--since", "1h", "--samples", "10"});
  EXPECT_EQ(text.exit_code, 5);
  EXPECT_NE(text.out.find("NOT READY for contract: flag orders_v2"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("compared      25   mismatches 3 (12%)"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("changed id=3: name 'c' -> 'C'"), std::string::npos)
      << text.out;
}

TEST_F(ReportIntegrationTest, ReconcileBacklogAndVerificationAreRead) {
  const std::string flag = "pm";
  const std::int64_t created = CreateFlag(flag, Stage::kRampDown);
  AddReconcileEntry(flag, created - 5000);
  AddReconcileEntry(flag, created - 1000);
  RecordVerification(flag, created + 1, /*equal=*/false);
  RecordVerification(flag, created + 2, /*equal=*/true);
  auto report = Read(flag, hours(1));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->reconcile.entries, 2u);
  EXPECT_EQ(report->reconcile.oldest_at_ms, created - 5000);
  EXPECT_EQ(report->reconcile.oldest_key, "order:42");
  EXPECT_EQ(report->reconcile.oldest_error, "connection reset");
  ASSERT_TRUE(report->verification.has_value());
  EXPECT_EQ(report->verification->at_ms, created + 2);
  EXPECT_TRUE(report->verification->equal);
  EXPECT_EQ(report->verification->rows_old, 100);
  EXPECT_EQ(report->verification->chunks, 4);
  EXPECT_EQ(report->changes.last_stage_change_ms, created);
}

TEST_F(ReportIntegrationTest, OnlyStageChangesCountForVerification) {
  const std::string flag = "pm";
  const std::int64_t created = CreateFlag(flag, Stage::kRampDown);
  FlagAdmin admin(*store_);
  ASSERT_TRUE(admin
                  .Update(flag, "sample-rate",
                          [](Flag& f) {
                            f.sample_rate = 0.5;
                            return absl::OkStatus();
                          },
                          {"tester", false})
                  .ok());
  const std::int64_t sampled = LastAuditMs(flag);
  auto report = Read(flag, hours(1));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->changes.last_change_ms, sampled);
  EXPECT_EQ(report->changes.last_change_action, "sample-rate");
  EXPECT_EQ(report->changes.last_stage_change_ms, created);
  EXPECT_EQ(report->changes.last_stage_change_action, "create");
}

// How one readiness case shapes the data around the flag's creation time T0
// (real, from the audit stream). The report is read "as of" T0 + now_offset
// with a 1 h window; comparisons fill that window. Every case starts from
// data that is ready and changes one thing.
struct Scenario {
  enum class Verification { kPassing, kNone, kFailing, kStale };

  std::string name;
  bool ready = false;
  Criterion failing = Criterion::kComparisons;  // when not ready
  std::int64_t now_offset = 3 * 3'600'000;      // window starts after T0
  int matches = 60;                             // spread over the window...
  int spread_minutes = 58;                      // ...across this many minutes
  std::optional<std::int64_t> mismatch_at;      // relative to T0
  int candidate_errors = 0;
  int timeouts = 0;
  int reconcile_entries = 0;
  Verification verification = Verification::kPassing;
  std::function<void(FlagAdmin&, const std::string&)> change_flag;
};

Scenario Ready(std::string name, std::function<void(Scenario&)> tweak = {}) {
  Scenario s;
  s.name = std::move(name);
  s.ready = true;
  if (tweak) tweak(s);
  return s;
}

Scenario Breaks(std::string name, Criterion failing,
                std::function<void(Scenario&)> tweak) {
  Scenario s;
  s.name = std::move(name);
  s.failing = failing;
  tweak(s);
  return s;
}

// A flag change made right after creation, through the real store.
std::function<void(FlagAdmin&, const std::string&)> Change(
    std::string action, std::function<void(Flag&)> mutate) {
  return [action, mutate](FlagAdmin& admin, const std::string& flag) {
    auto result = admin.Update(flag, action,
                               [&](Flag& f) {
                                 mutate(f);
                                 return absl::OkStatus();
                               },
                               {"tester", false});
    ASSERT_TRUE(result.ok()) << result.status();
  };
}

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

class ReadinessIntegrationTest
    : public ReportIntegrationTest,
      public ::testing::WithParamInterface<Scenario> {};

TEST_P(ReadinessIntegrationTest, EachCriterionFlipsTheVerdictOnItsOwn) {
  const Scenario& s = GetParam();
  const std::string flag = "orders_v2";
  const std::int64_t t0 = CreateFlag(flag, Stage::kRampDown);
  FlagAdmin admin(*store_);
  if (s.change_flag) s.change_flag(admin, flag);
  const std::int64_t now = t0 + s.now_offset;

  ResultWriter w(url_, prefix_, flag);
  for (int i = 0; i < s.matches; ++i) {
    w.Publish({now - kMinute -
               i * (s.spread_minutes * kMinute) / std::max(1, s.matches - 1)});
  }
  if (s.mismatch_at) w.Publish({t0 + *s.mismatch_at, Outcome::kMismatch});
  for (int i = 0; i < s.candidate_errors; ++i) {
    w.Publish({now - 5 * kMinute, Outcome::kCandidateError});
  }
  for (int i = 0; i < s.timeouts; ++i) {
    w.Publish({now - 5 * kMinute, Outcome::kTimeout});
  }
  w.Flush();
  for (int i = 0; i < s.reconcile_entries; ++i) {
    AddReconcileEntry(flag, now - kMinute);
  }
  switch (s.verification) {
    case Scenario::Verification::kPassing:
      RecordVerification(flag, now - kMinute, true);
      break;
    case Scenario::Verification::kFailing:
      RecordVerification(flag, now - kMinute, false);
      break;
    case Scenario::Verification::kStale:
      RecordVerification(flag, t0 - 1000, true);
      break;
    case Scenario::Verification::kNone:
      break;
  }

  auto report = Read(flag, hours(1), now);
  ASSERT_TRUE(report.ok()) << report.status();
  ReadinessCriteria criteria;
  criteria.min_comparisons = 50;
  criteria.min_duration = minutes(30);
  const ReadinessVerdict v = EvaluateReadiness(report->Facts(), criteria);
  const std::vector<CheckResult> reasons = v.Reasons();
  std::string all;
  for (const CheckResult& r : reasons) {
    all += StrCat(CriterionName(r.criterion), ": ", r.finding, "\n");
  }
  EXPECT_EQ(v.ready, s.ready) << all;
  if (s.ready) return;
  ASSERT_EQ(reasons.size(), 1u) << all;
  EXPECT_EQ(reasons[0].criterion, s.failing) << all;
}

using V = Scenario::Verification;
constexpr std::int64_t kHour = 60 * kMinute;
INSTANTIATE_TEST_SUITE_P(
    RealRedis, ReadinessIntegrationTest,
    ::testing::Values(
        Ready("Ready"),
        Ready("ReadyWithTheChangeInsideTheWindow",
              [](Scenario& s) { s.now_offset = 30 * kMinute; }),
        Breaks("TooFewComparisons", Criterion::kComparisons,
               [](Scenario& s) { s.matches = 40; }),
        Breaks("ComparedForTooShort", Criterion::kDuration,
               [](Scenario& s) { s.spread_minutes = 20; }),
        // The flag changed at T0, inside the window: a mismatch before it
        // counts in the window but not since the change.
        Breaks("MismatchInWindowBeforeTheChange", Criterion::kMismatches,
               [](Scenario& s) {
                 s.now_offset = 30 * kMinute;
                 s.mismatch_at = -20 * kMinute;
               }),
        // The window starts 2 h after the change: a mismatch 1 h after the
        // change is outside the window but since the change.
        Breaks("MismatchSinceTheChangeBeforeTheWindow",
               Criterion::kMismatchesSinceChange,
               [](Scenario& s) { s.mismatch_at = kHour; }),
        Breaks("CandidateError", Criterion::kErrors,
               [](Scenario& s) { s.candidate_errors = 1; }),
        Breaks("Timeout", Criterion::kErrors,
               [](Scenario& s) { s.timeouts = 1; }),
        Breaks("ReconcileBacklog", Criterion::kReconcileBacklog,
               [](Scenario& s) { s.reconcile_entries = 1; }),
        Breaks("NoVerification", Criterion::kVerification,
               [](Scenario& s) { s.verification = V::kNone; }),
        Breaks("FailedVerification", Criterion::kVerification,
               [](Scenario& s) { s.verification = V::kFailing; }),
        Breaks("VerificationOlderThanTheStageChange", Criterion::kVerification,
               [](Scenario& s) { s.verification = V::kStale; }),
        Breaks("DefaultStageLive", Criterion::kStages,
               [](Scenario& s) {
                 s.change_flag = Change(
                     "stage", [](Flag& f) { f.default_stage = Stage::kLive; });
               }),
        Breaks("GroupStillInShadow", Criterion::kStages,
               [](Scenario& s) {
                 s.change_flag = Change("target", [](Flag& f) {
                   Rule r;
                   r.kind = RuleKind::kGroup;
                   r.group = "staff";
                   r.stage = Stage::kShadow;
                   f.rules.push_back(r);
                 });
               }),
        Breaks("KillSwitch", Criterion::kStages,
               [](Scenario& s) {
                 s.change_flag =
                     Change("kill", [](Flag& f) { f.killed = true; });
               })),
    [](const ::testing::TestParamInfo<Scenario>& info) {
      return info.param.name;
    });

TEST_F(ReportIntegrationTest, BinaryExitsZeroWhenReadyAndFiveWhenNot) {
  const std::string flag = "pm";
  const std::int64_t created = CreateFlag(flag, Stage::kRampDown);
  ResultWriter w(url_, prefix_, flag);
  // 60 clean comparisons over the 50 minutes before the flag reached
  // rampdown, then a verification after it.
  for (int i = 0; i < 60; ++i) w.Publish({created - 50 * kMinute + i * 50'000});
  w.Flush();
  RecordVerification(flag, created + 1, true);
  auto args = [&](const std::string& min_comparisons,
                  const std::string& max_backlog) {
    return std::vector<std::string>{"--json",
                                    "report",
                                    flag,
                                    "--since",
                                    "1h",
                                    "--min-comparisons",
                                    min_comparisons,
                                    "--min-duration",
                                    "45m",
                                    "--max-reconcile-backlog",
                                    max_backlog};
  };
  testing::CommandResult r = Cli(args("60", "0"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["ready"], true);
  EXPECT_EQ(j["verdict"], "ready");
  EXPECT_TRUE(j["reasons"].empty());
  EXPECT_EQ(j["checks"].size(), static_cast<std::size_t>(kCriterionCount));

  // The same evidence under a stricter criterion is not enough.
  r = Cli(args("61", "0"));
  ASSERT_EQ(r.exit_code, 5) << r.out << r.err;
  j = json::parse(r.out);
  ASSERT_EQ(j["reasons"].size(), 1u);
  EXPECT_EQ(j["reasons"][0]["criterion"], "comparisons");
  EXPECT_FALSE(j["reasons"][0]["action"].get<std::string>().empty());

  // One failed write waiting: not ready, and the reason says what to run.
  AddReconcileEntry(flag, NowMs());
  r = Cli(args("60", "0"));
  ASSERT_EQ(r.exit_code, 5) << r.out << r.err;
  j = json::parse(r.out);
  ASSERT_EQ(j["reasons"].size(), 1u) << r.out;
  EXPECT_EQ(j["reasons"][0]["criterion"], "reconcile_backlog");
  EXPECT_NE(
      j["reasons"][0]["action"].get<std::string>().find("cutover reconcile pm"),
      std::string::npos);
  // ...unless the reviewer accepts a backlog of one.
  EXPECT_EQ(Cli(args("60", "1")).exit_code, 0);
}

TEST_F(ReportIntegrationTest, UnknownFlagExitsThree) {
  const testing::CommandResult r = Cli({"report", "no_such_flag"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("no flag named no_such_flag"), std::string::npos)
      << r.err;
  const testing::CommandResult j = Cli({"--json", "report", "no_such_flag"});
  EXPECT_EQ(j.exit_code, 3);
  EXPECT_EQ(json::parse(j.out)["exit_code"], 3);
}

TEST_F(ReportIntegrationTest, BadInputExitsTwoAndSaysTheExpectedFormat) {
  CreateFlag("pm", Stage::kRampDown);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"report", "pm", "--since", "90"},
           {"report", "pm", "--since", "1w"},
           {"report", "pm", "--min-duration", "soon"},
           {"report", "pm", "--max-error-rate", "2"},
           {"report", "pm", "--min-comparisons", "many"},
           {"report", "pm", "--max-mismatches", "-1"},
           {"report", "Not A Flag"}}) {
    const testing::CommandResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_FALSE(r.err.empty());
  }
  const testing::CommandResult r = Cli({"report", "pm", "--since", "1w"});
  EXPECT_NE(r.err.find("e.g. 30m, 24h, 7d"), std::string::npos) << r.err;
}

TEST_F(ReportIntegrationTest, UnreachableRedisExitsOne) {
  const testing::CommandResult r =
      testing::RunCutover({"--redis", "redis://127.0.0.1:1", "report", "pm"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cutover::report
