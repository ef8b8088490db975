#include "traffic.h"

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
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
          {"wrong_answers", wrong_answers},
          {"new_write_failures", new_write_failures},
          {"legacy_writes", legacy_writes},
          {"legacy_errors", legacy_errors},
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
      bugs_injected ? StrCat("; ", wrong_answers, " wrong answers (",
                             bugs_injected, " reads ran the injected bug)")
                    : "",
      new_write_failures
          ? StrCat("; ", new_write_failures, " new-side writes failed")
          : "",
      legacy_writes + legacy_errors
          ? StrCat("; legacy writers: ", legacy_writes, " writes, ",
                   legacy_errors, " failed")
          : "");
}

absl::StatusOr<TrafficStats> RunTraffic(const MigrationExample& example,
                                        const ExampleEnvironment& env,
                                        const TrafficOptions& options) {
  auto runtime = ExampleRuntime::Start(env, options.threads);
  if (!runtime.ok()) return runtime.status();
  auto worker = example.MakeWorker(**runtime, options.faults);
  if (!worker.ok()) return worker.status();
  if (options.on_started) options.on_started();
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
        stats.wrong_answers += outcome.wrong_answer;
        stats.new_write_failures += outcome.new_write_failed;
        ++stats.by_stage[std::string(StageName(outcome.stage))];
      }
    });
  }
  // Legacy writers: plain SQL on the old schema, outside cutover, until the
  // application's threads are done.
  std::atomic<bool> app_done{false};
  std::atomic<std::int64_t> legacy_writes{0};
  std::atomic<std::int64_t> legacy_errors{0};
  std::vector<std::thread> legacy;
  for (int w = 0; w < options.legacy_writers; ++w) {
    legacy.emplace_back([&, w] {
      std::mt19937_64 rng(std::random_device{}() + static_cast<unsigned>(w));
      std::uniform_int_distribution<std::int64_t> pick_user(1, options.users);
      std::unique_ptr<pqxx::connection> conn;
      while (!app_done) {
        try {
          if (conn == nullptr) {
            conn = std::make_unique<pqxx::connection>(env.database_url);
          }
          pqxx::nontransaction tx(*conn);
          tx.exec_params(example.LegacyWriteSql(), pick_user(rng));
          ++legacy_writes;
        } catch (const pqxx::broken_connection&) {
          ++legacy_errors;
          conn.reset();  // reconnect on the next write, not in a tight loop
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        } catch (const std::exception&) {
          ++legacy_errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  app_done = true;
  for (auto& thread : legacy) thread.join();
  TrafficStats total;
  total.legacy_writes = legacy_writes;
  total.legacy_errors = legacy_errors;
  for (const TrafficStats& s : per_thread) {
    total.requests += s.requests;
    total.errors += s.errors;
    total.reads += s.reads;
    total.writes += s.writes;
    total.bugs_injected += s.bugs_injected;
    total.wrong_answers += s.wrong_answers;
    total.new_write_failures += s.new_write_failures;
    for (const auto& [stage, n] : s.by_stage) total.by_stage[stage] += n;
  }
  total.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return total;
}

}  // namespace cutover::examples
