// Flag evaluation through the live client's snapshot: the cost every request
// pays.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "alloc_counter.h"
#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/in_memory_flag_store.h"

namespace cutover {
namespace {

constexpr int kUserIds = 1000000;

// A realistic rollout flag: 10,000 targeted users, the staff group, 10% of
// everyone.
struct EvaluateFixture {
  EvaluateFixture() {
    users.reserve(kUserIds);
    for (int i = 0; i < kUserIds; ++i)
      users.push_back("user-" + std::to_string(i));
    // The ids a run evaluates are drawn at random from all 1,000,000 and copied
    // into a small array: a request's user id is in the application's cache
    // when it evaluates, and a DRAM miss on the benchmark's own id table would
    // measure the table, not cutover.
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pick(0, kUserIds - 1);
    drawn.resize(4096);
    for (std::string& id : drawn) id = users[pick(rng)];

    Flag flag;
    flag.name = "pair_membership";
    flag.default_stage = Stage::kDualWrite;
    Rule targets;
    targets.kind = RuleKind::kUsers;
    for (int i = 0; i < 10000; ++i) targets.users.push_back(users[i * 97]);
    targets.stage = Stage::kLive;
    Rule staff;
    staff.kind = RuleKind::kGroup;
    staff.group = "staff";
    staff.stage = Stage::kLive;
    Rule percent;
    percent.kind = RuleKind::kPercent;
    percent.percent = 10;
    percent.stage = Stage::kShadow;
    flag.rules = {targets, staff, percent};
    FlagAdmin admin(*store);
    if (!admin.Create(flag, {"bench", false}).ok()) std::abort();
    std::vector<std::string> staff_ids(users.begin() + 500000,
                                       users.begin() + 501000);
    if (!store->AddToGroup("staff", staff_ids, "bench").ok()) std::abort();
    ClientOptions options;
    options.logger = MakeNullLogger();
    client = *Client::Start(store, options);
  }

  std::vector<std::string> users;
  std::vector<std::string> drawn;
  std::shared_ptr<InMemoryFlagStore> store =
      std::make_shared<InMemoryFlagStore>();
  std::unique_ptr<Client> client;
};

EvaluateFixture& Fixture() {
  static EvaluateFixture
      fixture;  // built once, by whichever benchmark runs first
  return fixture;
}

void BM_Evaluate(benchmark::State& state) {
  EvaluateFixture& f = Fixture();
  FlagHandle handle = f.client->Handle("pair_membership");
  std::string_view groups[] = {"beta"};
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  int live = 0;
  // Warm the thread's snapshot reference so its one-time copy is not counted.
  benchmark::DoNotOptimize(
      handle.Evaluate(EvaluationContext(f.users[0], groups)));
  const std::uint64_t allocs_before = bench::AllocationCount();
  for (auto _ : state) {
    const std::string& user = f.drawn[i++ & (f.drawn.size() - 1)];
    const Evaluation e = handle.Evaluate(EvaluationContext(user, groups));
    live += e.stage == Stage::kLive;
    benchmark::DoNotOptimize(e);
  }
  const std::uint64_t allocs = bench::AllocationCount() - allocs_before;
  state.SetItemsProcessed(state.iterations());
  // Process-wide count: with threads it includes the framework's own per-thread
  // work, so read it from the single-threaded run.
  state.counters["allocs_per_eval"] = benchmark::Counter(
      static_cast<double>(allocs) / static_cast<double>(state.iterations()));
  state.counters["live_fraction"] = benchmark::Counter(
      static_cast<double>(live) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Evaluate);

void BM_EvaluateByName(benchmark::State& state) {
  EvaluateFixture& f = Fixture();
  size_t i = 0;
  for (auto _ : state) {
    const std::string& user = f.drawn[i++ & (f.drawn.size() - 1)];
    benchmark::DoNotOptimize(
        f.client->Evaluate("pair_membership", EvaluationContext(user)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateByName);

// Throughput with 1 and 2 threads: readers share nothing that a writer or
// another reader writes, so two threads should nearly double it.
void BM_EvaluateThreads(benchmark::State& state) {
  EvaluateFixture& f = Fixture();
  FlagHandle handle = f.client->Handle("pair_membership");
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string& user = f.drawn[i++ & (f.drawn.size() - 1)];
    benchmark::DoNotOptimize(handle.Evaluate(EvaluationContext(user)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateThreads)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace cutover
