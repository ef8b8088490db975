// How fast an operator's change reaches a running client, and what a Redis
// round trip costs next to an in-process evaluation. Reads CUTOVER_REDIS_URL.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/flag_json.h"
#include "cutover/in_memory_flag_store.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"

namespace cutover {
namespace {

using Clock = std::chrono::steady_clock;

std::string RedisUrl() {
  const char* url = std::getenv("CUTOVER_REDIS_URL");
  return url != nullptr ? url : std::string(kDefaultRedisUrl);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

void BM_Propagation(benchmark::State& state) {
  const std::string prefix =
      "bench:propagation:" + std::to_string(getpid()) + ":";
  auto store = RedisFlagStore::FromUrl(RedisUrl(), prefix);
  if (!store.ok())
    return state.SkipWithError(std::string(store.status().message()).c_str());
  std::shared_ptr<RedisFlagStore> shared(*std::move(store));

  Mutex mu;
  std::int64_t applied_version = 0;
  Clock::time_point applied_at;
  ClientOptions options;
  options.prefix = prefix;
  options.poll_interval = std::chrono::milliseconds(60000);  // pub/sub only
  options.logger = MakeNullLogger();
  options.on_change = [&](std::int64_t v) {
    MutexLock lock(&mu);
    applied_version = v;
    applied_at = Clock::now();
  };
  auto client = Client::Start(shared, options);
  if (!client.ok()) return state.SkipWithError("client failed to start");

  Flag flag;
  flag.name = "propagation";
  flag.default_stage = Stage::kDualWrite;
  flag.version = 1;
  if (!shared
           ->CompareAndSet(
               {flag.name, 0, SerializeFlag(flag), "create", "bench", false})
           .ok()) {
    return state.SkipWithError("cannot write to Redis");
  }
  std::vector<double> micros;
  for (auto _ : state) {
    flag.default_stage = flag.default_stage == Stage::kDualWrite
                             ? Stage::kShadow
                             : Stage::kDualWrite;
    ++flag.version;
    auto version =
        shared->CompareAndSet({flag.name, flag.version - 1, SerializeFlag(flag),
                               "stage", "bench", false});
    const Clock::time_point written = Clock::now();
    if (!version.ok()) return state.SkipWithError("write failed");
    MutexLock lock(&mu);
    auto reached = [&] { return applied_version >= *version; };
    if (!mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(5))) {
      return state.SkipWithError("change did not propagate within 5 s");
    }
    // The client may apply before the writer's reply arrives: that counts as
    // zero.
    micros.push_back(std::max(
        0.0, std::chrono::duration<double, std::micro>(applied_at - written)
                 .count()));
  }
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p99_us"] = Percentile(micros, 0.99);
  state.counters["changes"] = static_cast<double>(micros.size());
  state.SetItemsProcessed(state.iterations());
  auto conn = RedisConnection::Connect(shared->endpoint());
  if (conn.ok()) {
    std::vector<std::string_view> del = {"DEL"};
    const std::string keys[] = {prefix + "flags", prefix + "version",
                                prefix + "audit"};
    for (const auto& k : keys) del.push_back(k);
    (void)(*conn)->Command(del);
  }
}
BENCHMARK(BM_Propagation)
    ->Iterations(2000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// A PING round trip next to an in-process evaluation, measured in the same
// process.
void BM_RedisPingVsEvaluate(benchmark::State& state) {
  auto endpoint = ParseRedisUrl(RedisUrl());
  auto conn =
      endpoint.ok()
          ? RedisConnection::Connect(*endpoint)
          : absl::StatusOr<std::unique_ptr<RedisConnection>>(endpoint.status());
  if (!conn.ok())
    return state.SkipWithError(std::string(conn.status().message()).c_str());
  for (auto _ : state) {
    auto reply = (*conn)->Command({"PING"});
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());

  auto store = std::make_shared<InMemoryFlagStore>();
  Flag flag;
  flag.name = "f";
  flag.default_stage = Stage::kDualWrite;
  Rule percent;
  percent.kind = RuleKind::kPercent;
  percent.percent = 10;
  percent.stage = Stage::kShadow;
  flag.rules = {percent};
  FlagAdmin admin(*store);
  (void)admin.Create(flag, {"bench", false});
  ClientOptions options;
  options.logger = MakeNullLogger();
  auto client = Client::Start(store, options);
  FlagHandle handle = (*client)->Handle("f");
  constexpr int kEvaluations = 2000000;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < kEvaluations; ++i) {
    benchmark::DoNotOptimize(
        handle.Evaluate(EvaluationContext(i & 1 ? "alice" : "bob")));
  }
  const double eval_ns =
      std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
      kEvaluations;
  state.counters["evaluate_ns"] = eval_ns;
  // Rate counters divide by the run's wall time; inverted, they give time per
  // PING.
  state.counters["ping_us"] = benchmark::Counter(
      static_cast<double>(state.iterations()) / 1e6,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["ping_over_evaluate"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * eval_ns / 1e9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RedisPingVsEvaluate)->UseRealTime();

}  // namespace
}  // namespace cutover
