// Many application processes following one flag: 8 client processes, 1,000
// changes. Every process must converge to the final version; reports the
// propagation p50/p99 over all (process, change) pairs. Reads
// CUTOVER_REDIS_URL.
#include <benchmark/benchmark.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "cutover/client.h"
#include "cutover/flag_json.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_flag_store.h"

namespace cutover {
namespace {

constexpr int kProcesses = 8;
constexpr int kChanges = 1000;

std::int64_t MonotonicNanos() {
  // steady_clock is CLOCK_MONOTONIC on Linux: comparable across processes on
  // one machine.
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Shared between the writer and the client processes (MAP_SHARED |
// MAP_ANONYMOUS).
struct SharedState {
  std::atomic<int> ready;
  std::atomic<int> stop;
  std::atomic<std::int64_t> base_version;
  // applied_at[p][i]: when process p first served a snapshot containing change
  // i.
  std::atomic<std::int64_t> applied_at[kProcesses][kChanges];
  std::atomic<std::int64_t> final_version[kProcesses];
};

void RunClientProcess(SharedState* shared, int index, const std::string& url,
                      const std::string& prefix) {
  std::int64_t last = shared->base_version.load();
  ClientOptions options;
  options.prefix = prefix;
  options.logger = MakeNullLogger();
  options.on_change = [&](std::int64_t version) {
    const std::int64_t now = MonotonicNanos();
    const std::int64_t base = shared->base_version.load();
    for (std::int64_t v = std::max(last, base) + 1; v <= version; ++v) {
      if (v - base - 1 < kChanges)
        shared->applied_at[index][v - base - 1].store(now);
    }
    last = std::max(last, version);
    shared->final_version[index].store(last);
  };
  auto client = Client::StartRedis(url, options);
  if (!client.ok() || !(*client)->status().ready) _exit(1);
  shared->ready.fetch_add(1);
  while (shared->stop.load() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  client->reset();
  _exit(0);
}

void BM_PropagationProcesses(benchmark::State& state) {
  const char* env = std::getenv("CUTOVER_REDIS_URL");
  const std::string url = env != nullptr ? env : std::string(kDefaultRedisUrl);
  const std::string prefix =
      "bench:processes:" + std::to_string(getpid()) + ":";
  for (auto _ : state) {
    void* memory = mmap(nullptr, sizeof(SharedState), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return state.SkipWithError("mmap failed");
    auto* shared = static_cast<SharedState*>(memory);  // zero-filled by mmap
    auto store = RedisFlagStore::FromUrl(url, prefix);
    if (!store.ok()) return state.SkipWithError("bad CUTOVER_REDIS_URL");
    Flag flag;
    flag.name = "fleet";
    flag.default_stage = Stage::kDualWrite;
    flag.version = 1;
    if (!(*store)
             ->CompareAndSet(
                 {"fleet", 0, SerializeFlag(flag), "create", "bench", false})
             .ok()) {
      return state.SkipWithError("cannot write to Redis");
    }
    shared->base_version.store(*(*store)->Version());

    // Fork before this process starts any thread of its own.
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
      const pid_t pid = fork();
      if (pid == 0) RunClientProcess(shared, p, url, prefix);
      children.push_back(pid);
    }
    while (shared->ready.load() < kProcesses) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::vector<double> micros;
    micros.reserve(kProcesses * kChanges);
    bool timed_out = false;
    for (int i = 0; i < kChanges && !timed_out; ++i) {
      flag.default_stage = flag.default_stage == Stage::kDualWrite
                               ? Stage::kShadow
                               : Stage::kDualWrite;
      ++flag.version;
      // Measured from the moment the operator's write is sent: a client often
      // applies the change before the writer has read Redis's reply.
      const std::int64_t t = MonotonicNanos();
      auto written = (*store)->CompareAndSet({"fleet", flag.version - 1,
                                              SerializeFlag(flag), "stage",
                                              "bench", false});
      if (!written.ok()) return state.SkipWithError("write failed");
      for (int p = 0; p < kProcesses; ++p) {
        while (shared->applied_at[p][i].load() == 0) {
          if (MonotonicNanos() - t > 5'000'000'000) {
            timed_out = true;
            break;
          }
          std::this_thread::yield();
        }
        micros.push_back(
            std::max<double>(0, (shared->applied_at[p][i].load() - t) / 1e3));
      }
    }
    const std::int64_t final_version = *(*store)->Version();
    int converged = 0;
    for (int p = 0; p < kProcesses; ++p)
      converged += shared->final_version[p].load() == final_version;
    shared->stop.store(1);
    for (pid_t pid : children) waitpid(pid, nullptr, 0);
    munmap(memory, sizeof(SharedState));
    if (auto conn = RedisConnection::Connect((*store)->endpoint()); conn.ok()) {
      const RedisKeys& k = (*store)->keys();
      (void)(*conn)->Command({"DEL", k.Flags(), k.Version(), k.Audit()});
    }
    if (timed_out)
      return state.SkipWithError("a change did not reach every process in 5 s");
    std::sort(micros.begin(), micros.end());
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
    state.counters["max_us"] = micros.back();
    state.counters["processes"] = kProcesses;
    state.counters["changes"] = kChanges;
    state.counters["converged_processes"] = converged;
  }
}
BENCHMARK(BM_PropagationProcesses)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace cutover
