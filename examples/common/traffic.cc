#include "traffic.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "cutover/internal/strings.h"
#include "example_runtime.h"

namespace cutover::examples {

nlohmann::json TrafficStats::ToJson() const {
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [stage, n] : by_stage) stages[stage] = n;
  return {{"requests", requests},
          {"errors", errors},
          {"reads", reads},
          {"writes", writes},
          {"bugs_injected", bugs_injected},
          {"new_write_failures", new_write_failures},
          {"by_stage", stages},
          {"seconds", seconds}};
}

std::string TrafficStats::ToText() const {
  std::string stages;
  for (const auto& [stage, n] : by_stage) stages += StrCat(" ", stage, "=", n);
  return StrCat(
      requests, " requests in ", seconds, " s (", reads, " reads, ", writes,
      " writes), ", errors,
      " failed as the application saw them; by stage:", stages,
      bugs_injected ? StrCat("; ", bugs_injected, " wrong answers injected")
                    : "",
      new_write_failures
          ? StrCat("; ", new_write_failures, " new-side writes failed")
          : "");
}

absl::StatusOr<TrafficStats> RunTraffic(const MigrationExample& example,
                                        const ExampleEnvironment& env,
                                        const TrafficOptions& options) {
  auto runtime = ExampleRuntime::Start(env, options.threads);
  if (!runtime.ok()) return runtime.status();
  auto worker = example.MakeWorker(**runtime, options.faults);
  if (!worker.ok()) return worker.status();
  std::atomic<std::int64_t> issued{0};
  const auto start = std::chrono::steady_clock::now();
  const auto deadline =
      options.duration_seconds > 0
          ? start +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(options.duration_seconds))
          : std::chrono::steady_clock::time_point::max();
  std::vector<TrafficStats> per_thread(static_cast<size_t>(options.threads));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < per_thread.size(); ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(std::random_device{}() ^ (t * 0x9e3779b97f4a7c15ULL));
      std::uniform_int_distribution<std::int64_t> pick_user(1, options.users);
      std::uniform_real_distribution<double> coin(0.0, 1.0);
      TrafficStats& stats = per_thread[t];
      while (issued.fetch_add(1) < options.requests &&
             std::chrono::steady_clock::now() < deadline) {
        const std::int64_t user = pick_user(rng);
        const bool write = coin(rng) < options.write_fraction;
        const RequestOutcome outcome =
            write ? (*worker)->Write(user, rng) : (*worker)->Read(user, rng);
        ++stats.requests;
        ++(write ? stats.writes : stats.reads);
        stats.errors += !outcome.ok;
        stats.bugs_injected += outcome.bug_injected;
        stats.new_write_failures += outcome.new_write_failed;
        ++stats.by_stage[std::string(StageName(outcome.stage))];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  TrafficStats total;
  for (const TrafficStats& s : per_thread) {
    total.requests += s.requests;
    total.errors += s.errors;
    total.reads += s.reads;
    total.writes += s.writes;
    total.bugs_injected += s.bugs_injected;
    total.new_write_failures += s.new_write_failures;
    for (const auto& [stage, n] : s.by_stage) total.by_stage[stage] += n;
  }
  total.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return total;
}

}  // namespace cutover::examples
