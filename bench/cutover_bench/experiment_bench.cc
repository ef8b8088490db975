// Experiment engine costs on the application's request thread:
//   BM_ExperimentSkipped  not sampled: the control's call plus the decision
//                         (target <= 3 ns)
//   BM_ExperimentSync     two trivial behaviours, compare, wall timing,
//                         publish to the in-memory aggregate (<= 150 ns)
//   BM_ExperimentAsync    concurrent mode, caller side only (<= 400 ns)
//   BM_PublishEnqueue     one mismatch event into the publisher's bounded
//                         queue, counters included (<= 100 ns)
// Informational: sticky sampling, cost with an allocation count per run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "alloc_counter.h"
#include "cutover/experiment.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/result_pipeline.h"

namespace cutover {
namespace {

// What the migration router passes per request.
RunContext RouterRun() {
  RunContext run;
  run.flag = "users_email_v2";
  run.stage = Stage::kShadow;
  run.user_id = "user-0001234567";
  run.control_side = Side::kOld;
  return run;
}

template <typename C>
Experiment<C> MakeExperiment(ExperimentConfig<C> config) {
  auto created = Experiment<C>::Create(std::move(config));
  if (!created.ok()) std::abort();
  return *std::move(created);
}

void BM_ExperimentSkipped(benchmark::State& state) {
  ExperimentConfig<int> config;
  config.name = "skipped";
  // Not zero: the per-thread PRNG is drawn on every run, as it would be for
  // a real low sample rate; 1e-12 means no run is ever sampled here.
  config.sample_rate = 1e-12;
  config.publisher = std::make_shared<InMemoryPublisher>();
  const auto ex = MakeExperiment(std::move(config));
  const RunContext run = RouterRun();
  int x = 0;
  const std::uint64_t allocs = bench::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ex.Run(
        run, [&x] { return ++x; }, [&x] { return x + 1; }));
  }
  state.counters["allocs_per_run"] = benchmark::Counter(
      static_cast<double>(bench::AllocationCount() - allocs) /
      static_cast<double>(state.iterations()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExperimentSkipped);

void BM_ExperimentSkippedSticky(benchmark::State& state) {
  ExperimentConfig<int> config;
  config.name = "skipped_sticky";
  config.sample_rate = 1e-9;
  config.sticky_sampling = true;
  config.publisher = std::make_shared<InMemoryPublisher>();
  const auto ex = MakeExperiment(std::move(config));
  const RunContext run = RouterRun();
  int x = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ex.Run(
        run, [&x] { return ++x; }, [&x] { return x + 1; }));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExperimentSkippedSticky);

void BM_ExperimentSync(benchmark::State& state) {
  auto publisher = std::make_shared<InMemoryPublisher>();
  ExperimentConfig<int> config;
  config.name = "sync";
  config.mode = ExecutionMode::kRandomOrder;
  config.compare = [](const int& a, const int& b) { return a == b; };
  config.publisher = publisher;
  const auto ex = MakeExperiment(std::move(config));
  const RunContext run = RouterRun();
  int x = 0;
  const std::uint64_t allocs = bench::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ex.Run(
        run, [&x] { return x; }, [&x] { return x; }));
    ++x;
  }
  state.counters["allocs_per_run"] = benchmark::Counter(
      static_cast<double>(bench::AllocationCount() - allocs) /
      static_cast<double>(state.iterations()));
  const MinuteCounters totals = publisher->Totals(run.flag);
  state.counters["matches"] = benchmark::Counter(
      static_cast<double>(totals.get(StatsCounter::kMatches)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExperimentSync);

void BM_ExperimentAsync(benchmark::State& state) {
  auto publisher = std::make_shared<InMemoryPublisher>();
  ExperimentExecutor::Options options;
  options.workers = 1;
  options.queue_capacity = 1 << 16;
  auto executor = ExperimentExecutor::Create(options).value();
  ExperimentConfig<int> config;
  config.name = "async";
  config.mode = ExecutionMode::kConcurrent;
  config.compare = [](const int& a, const int& b) { return a == b; };
  config.publisher = publisher;
  config.executor = executor;
  const auto ex = MakeExperiment(std::move(config));
  const RunContext run = RouterRun();
  int x = 0;
  const auto before = executor->stats();
  const std::uint64_t allocs = bench::AllocationCount();
  std::int64_t n = 0;
  for (auto _ : state) {
    // Equal values: every run is a match, as most are in a real rollout.
    benchmark::DoNotOptimize(ex.Run(
        run, [&x] { return x; }, [v = x] { return v; }));
    ++x;
    // The worker shares two cores with this thread and everything else on
    // the machine; let it catch up now and then (untimed) so that the loop
    // measures accepted submissions, not the cheaper drop path.
    if ((++n & 8191) == 0) {
      state.PauseTiming();
      while (executor->stats().queued > 0) std::this_thread::yield();
      state.ResumeTiming();
    }
  }
  const auto after = executor->stats();
  const double runs = static_cast<double>(state.iterations());
  state.counters["dropped_fraction"] = benchmark::Counter(
      static_cast<double>(after.rejected - before.rejected) / runs);
  // The task itself: everything the candidate needs travels in one block.
  state.counters["allocs_per_run"] = benchmark::Counter(
      static_cast<double>(bench::AllocationCount() - allocs) / runs);
  state.SetItemsProcessed(state.iterations());
  executor
      ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                 std::chrono::seconds(5))
      .IgnoreError();
}
BENCHMARK(BM_ExperimentAsync)->UseRealTime();

// The caller's half of RedisPublisher::Publish for an event: exact counters
// plus a copy into the bounded queue, while a consumer thread drains it.
void BM_PublishEnqueue(benchmark::State& state) {
  ResultPipeline::Options options;
  options.queue_capacity = 8192;
  ResultPipeline pipeline(options);
  std::atomic<bool> stop{false};
  // Drains in bursts like RedisPublisher's writer (which sleeps between
  // flushes) rather than spinning beside the producer for the same cores.
  std::thread consumer([&] {
    std::vector<ResultRecord> batch;
    while (!stop.load(std::memory_order_relaxed)) {
      if (pipeline.PopEvents(4096, &batch) == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
  });

  const int control_value = 41;
  const int candidate_value = 42;
  auto render = [](const void*, const void* v) {
    return std::to_string(*static_cast<const int*>(v));
  };
  ExperimentResult r;
  r.experiment = "users.email";
  r.flag = "users_email_v2";
  r.stage = Stage::kShadow;
  r.user_id = "user-0001234567";
  r.outcome = Outcome::kMismatch;
  r.control = {"control",
               Side::kOld,
               true,
               nullptr,
               1200,
               -1,
               ValueRef(nullptr, &control_value, render)};
  r.candidate = {"candidate",
                 Side::kNew,
                 true,
                 nullptr,
                 1500,
                 -1,
                 ValueRef(nullptr, &candidate_value, render)};
  r.timestamp_ms = 1'700'000'000'000;
  const std::uint64_t dropped_before = pipeline.events_dropped();
  std::int64_t n = 0;
  for (auto _ : state) {
    pipeline.Publish(r);
    // As in BM_ExperimentAsync: let the consumer catch up, untimed, so that
    // the loop measures enqueues rather than drops.
    if ((++n & 4095) == 0) {
      state.PauseTiming();
      while (pipeline.queued() > 0) std::this_thread::yield();
      state.ResumeTiming();
    }
  }
  stop.store(true);
  consumer.join();
  state.counters["dropped_fraction"] = benchmark::Counter(
      static_cast<double>(pipeline.events_dropped() - dropped_before) /
      static_cast<double>(state.iterations()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PublishEnqueue);

}  // namespace
}  // namespace cutover
