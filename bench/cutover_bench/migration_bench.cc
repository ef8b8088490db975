// The migration router's cost on the application's request thread,
// with trivial callables so that only cutover is measured:
//   BM_MigrationShadowRead  flag in `shadow`, sample rate 1, serial
//                           execution, in-memory publisher and tracker: both
//                           reads, the comparison, its publication and the
//                           per-origin record (target <= 200 ns)
// Informational: a read in `off` (one side, one tracked record), a dual write
// in `dualwrite`, and a read in `shadow` at sample rate 0.01.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "alloc_counter.h"
#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/in_memory_flag_store.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/migration.h"

namespace cutover {
namespace {

using IntMigration = Migration<int, int, int>;

struct MigrationFixture {
  MigrationFixture(Stage stage, double sample_rate) {
    Flag flag;
    flag.name = "users_email_v2";
    flag.default_stage = stage;
    flag.sample_rate = sample_rate;
    FlagAdmin admin(*store);
    if (!admin.Create(flag, {"bench", false}).ok()) std::abort();
    ClientOptions options;
    options.logger = MakeNullLogger();
    client = *Client::Start(store, options);

    IntMigration::Config config;
    config.flag = "users_email_v2";
    config.execution = ExecutionMode::kSerial;
    config.publisher = publisher;
    config.tracker = tracker;
    config.logger = MakeNullLogger();
    config.read_old = [](const int& id) { return id; };
    config.read_new = [](const int& id) { return id; };
    config.write_old = [](const int&) { return absl::OkStatus(); };
    config.write_new = [](const int&) { return absl::OkStatus(); };
    config.entity_key = [](const int& id) { return std::to_string(id); };
    auto created = IntMigration::Create(*client, std::move(config));
    if (!created.ok()) std::abort();
    migration.emplace(*std::move(created));
  }

  std::shared_ptr<InMemoryFlagStore> store =
      std::make_shared<InMemoryFlagStore>();
  std::unique_ptr<Client> client;
  std::shared_ptr<InMemoryPublisher> publisher =
      std::make_shared<InMemoryPublisher>();
  std::shared_ptr<InMemoryOperationTracker> tracker =
      std::make_shared<InMemoryOperationTracker>();
  std::optional<IntMigration> migration;
};

template <bool kWrite>
void RunOperations(benchmark::State& state, MigrationFixture& f) {
  const EvaluationContext user("user-0001234567");
  int id = 0;
  const std::uint64_t allocs = bench::AllocationCount();
  for (auto _ : state) {
    if constexpr (kWrite) {
      benchmark::DoNotOptimize(f.migration->Write(user, ++id));
    } else {
      benchmark::DoNotOptimize(f.migration->Read(user, ++id));
    }
  }
  state.counters["allocs_per_op"] = benchmark::Counter(
      static_cast<double>(bench::AllocationCount() - allocs) /
      static_cast<double>(state.iterations()));
  state.SetItemsProcessed(state.iterations());
}

void BM_MigrationShadowRead(benchmark::State& state) {
  MigrationFixture f(Stage::kShadow, 1.0);
  RunOperations<false>(state, f);
  const MinuteCounters totals = f.publisher->Totals("users_email_v2");
  state.counters["matches"] = benchmark::Counter(
      static_cast<double>(totals.get(StatsCounter::kMatches)));
  state.counters["tracked"] = benchmark::Counter(
      static_cast<double>(f.tracker->Totals().reads().operations));
}
BENCHMARK(BM_MigrationShadowRead);

void BM_MigrationShadowReadSampled1Percent(benchmark::State& state) {
  MigrationFixture f(Stage::kShadow, 0.01);
  RunOperations<false>(state, f);
}
BENCHMARK(BM_MigrationShadowReadSampled1Percent);

void BM_MigrationOffRead(benchmark::State& state) {
  MigrationFixture f(Stage::kOff, 1.0);
  RunOperations<false>(state, f);
}
BENCHMARK(BM_MigrationOffRead);

void BM_MigrationDualWrite(benchmark::State& state) {
  MigrationFixture f(Stage::kDualWrite, 1.0);
  RunOperations<true>(state, f);
}
BENCHMARK(BM_MigrationDualWrite);

}  // namespace
}  // namespace cutover
