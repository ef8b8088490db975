// The application's own traffic, for the examples and the demo: T threads, each
// with its own worker (database connection), sending a mix of reads and writes
// for random users through cutover until N requests or D seconds, whichever
// comes first. Errors are counted, never fatal: the point is to see what the
// application saw during the rollout.
#ifndef CUTOVER_EXAMPLES_COMMON_TRAFFIC_H_
#define CUTOVER_EXAMPLES_COMMON_TRAFFIC_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "migration_example.h"
#include "nlohmann/json.hpp"

namespace cutover::examples {

struct TrafficOptions {
  std::int64_t users = 10000;
  std::int64_t requests = 10000;
  int threads = 4;
  double duration_seconds = 0;  // 0: no time limit
  double write_fraction = 0.2;
  // Threads that, while the traffic runs, write only the old schema with
  // plain SQL on their own connections (MigrationExample::LegacyWriteSql),
  // bypassing cutover, as another service would. The sync step keeps the new
  // schema in step with them.
  int legacy_writers = 0;
  FaultInjection faults;
  // Called once, on the calling thread, when the application is up (database
  // pool, flag client and worker made) and before the first request: a test
  // starts injecting failures then, since a database lost at start-up is
  // fatal rather than the failure under test. May block to hold the traffic.
  std::function<void()> on_started;
};

struct TrafficStats {
  std::int64_t requests = 0;
  std::int64_t errors = 0;
  std::int64_t reads = 0;
  std::int64_t writes = 0;
  std::int64_t bugs_injected = 0;  // reads that ran the buggy query
  // The injected reads whose answer really differed from the correct one: at
  // most bugs_injected. What the comparisons can catch.
  std::int64_t wrong_answers = 0;
  std::int64_t new_write_failures = 0;
  std::int64_t legacy_writes = 0;  // committed by the legacy writers
  std::int64_t legacy_errors = 0;  // legacy writes that failed
  std::map<std::string, std::int64_t> by_stage;
  double seconds = 0;

  // {"requests","errors","reads","writes","bugs_injected","wrong_answers",
  //  "new_write_failures","by_stage":{"<stage>": requests},"seconds"}
  nlohmann::json ToJson() const;
  std::string ToText() const;
};

// Runs the traffic. Errors only when no worker could be made (database or Redis
// down at the start); failures after that are counted in `errors`.
absl::StatusOr<TrafficStats> RunTraffic(const MigrationExample& example,
                                        const ExampleEnvironment& env,
                                        const TrafficOptions& options);

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_TRAFFIC_H_
