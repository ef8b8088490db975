// RedisPublisher throughput into a real Redis (CUTOVER_REDIS_URL):
//   BM_PublisherDrain          mismatch events published and written (one
//                              XADD each, plus the counters) per second,
//                              end to end: target >= 200,000 items/s
//   BM_PublisherDrainCounters  matches only (counters aggregate in process)
//   BM_RedisXaddCeiling        bare pipelined XADDs of an event-sized entry
//                              over one connection, nothing else: what this
//                              Redis on this machine can take right now, the
//                              ceiling BM_PublisherDrain is to be read against
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "cutover/redis_connection.h"
#include "cutover/redis_publisher.h"
#include "cutover/redis_url.h"

namespace cutover {
namespace {

std::string RedisUrlOrDie() {
  const char* url = std::getenv("CUTOVER_REDIS_URL");
  if (url == nullptr || *url == '\0') {
    std::fprintf(stderr,
                 "CUTOVER_REDIS_URL is not set: run `scripts/services start "
                 "&& source .run/env` first\n");
    std::exit(2);
  }
  return url;
}

std::string BenchPrefix() {
  return "bench:publisher:" + std::to_string(getpid()) + ":";
}

// Deletes the benchmark's keys (stats per minute and the event stream).
void Cleanup(const std::string& url, const std::string& prefix) {
  auto endpoint = ParseRedisUrl(url);
  if (!endpoint.ok()) return;
  auto redis = RedisConnection::Connect(*endpoint);
  if (!redis.ok()) return;
  std::string cursor = "0";
  do {
    auto reply = (*redis)->Command(
        {"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
    if (!reply.ok()) return;
    cursor = std::string(ReplyString(ReplyElement(reply->get(), 0)));
    const redisReply* keys = ReplyElement(reply->get(), 1);
    for (size_t i = 0; i < ReplyElementCount(keys); ++i) {
      (*redis)
          ->Command({"DEL", ReplyString(ReplyElement(keys, i))})
          .IgnoreError();
    }
  } while (cursor != "0");
}

std::shared_ptr<RedisPublisher> MakePublisher(const std::string& url,
                                              const std::string& prefix) {
  RedisPublisher::Options options;
  options.redis_url = url;
  options.prefix = prefix;
  options.queue_capacity = 1 << 15;
  options.stream_max_len = 10000;
  options.logger = MakeNullLogger();
  auto created = RedisPublisher::Create(options);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string(created.status().message()).c_str());
    std::exit(2);
  }
  return *created;
}

std::string RenderInt(const void*, const void* v) {
  return std::to_string(*static_cast<const int*>(v));
}

// A realistic mismatch: router-supplied names, both values, one context pair.
struct SampleResult {
  int control_value = 41;
  int candidate_value = 42;
  ContextEntry context[1] = {{"table", "users"}};
  ExperimentResult view;

  explicit SampleResult(Outcome outcome) {
    view.experiment = "users.email";
    view.flag = "users_email_v2";
    view.stage = Stage::kShadow;
    view.user_id = "user-0001234567";
    view.outcome = outcome;
    view.control = {"control",
                    Side::kOld,
                    true,
                    nullptr,
                    1200,
                    -1,
                    ValueRef(nullptr, &control_value, &RenderInt)};
    view.candidate = {"candidate",
                      Side::kNew,
                      true,
                      nullptr,
                      1500,
                      -1,
                      ValueRef(nullptr, &candidate_value, &RenderInt)};
    view.run_context = context;
  }
};

void Drain(benchmark::State& state, Outcome outcome) {
  const std::string url = RedisUrlOrDie();
  const std::string prefix = BenchPrefix();
  auto publisher = MakePublisher(url, prefix);
  SampleResult sample(outcome);
  const int batch = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    sample.view.timestamp_ms = now;
    for (int i = 0; i < batch; ++i) publisher->Publish(sample.view);
    if (!publisher->Flush(std::chrono::seconds(60)).ok()) {
      state.SkipWithError("flush failed: is Redis running?");
      break;
    }
  }
  const auto stats = publisher->stats();
  state.counters["events_dropped"] =
      benchmark::Counter(static_cast<double>(stats.events_dropped));
  state.counters["events_written"] =
      benchmark::Counter(static_cast<double>(stats.events_written));
  state.SetItemsProcessed(state.iterations() * batch);
  publisher.reset();
  Cleanup(url, prefix);
}

void BM_PublisherDrain(benchmark::State& state) {
  Drain(state, Outcome::kMismatch);
}
BENCHMARK(BM_PublisherDrain)
    ->Arg(8192)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_PublisherDrainCounters(benchmark::State& state) {
  Drain(state, Outcome::kMatch);
}
BENCHMARK(BM_PublisherDrainCounters)
    ->Arg(8192)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_RedisXaddCeiling(benchmark::State& state) {
  const std::string url = RedisUrlOrDie();
  const std::string prefix = BenchPrefix();
  auto endpoint = ParseRedisUrl(url);
  auto redis = RedisConnection::Connect(*endpoint);
  if (!redis.ok()) {
    state.SkipWithError("cannot connect to Redis");
    return;
  }
  const std::string key = prefix + "events:ceiling";
  // The size of BM_PublisherDrain's event document.
  const std::string payload(280, 'x');
  const int batch = static_cast<int>(state.range(0));
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      const bool trim = i == batch - 1;
      absl::Status s =
          trim ? (*redis)->Append({"XADD", key, "MAXLEN", "~", "10000", "*",
                                   "outcome", "mismatch", "result", payload})
               : (*redis)->Append({"XADD", key, "*", "outcome", "mismatch",
                                   "result", payload});
      if (!s.ok()) {
        state.SkipWithError("append failed");
        return;
      }
    }
    for (int i = 0; i < batch; ++i) {
      if (!(*redis)->GetReply().ok()) {
        state.SkipWithError("reply failed");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
  redis->reset();
  Cleanup(url, prefix);
}
BENCHMARK(BM_RedisXaddCeiling)
    ->Arg(8192)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cutover
