// The application's own traffic, for the examples and the demo: T threads, each
// with its own worker (database connection), sending a mix of reads and writes
// for random users through cutover until N requests or D seconds, whichever
// comes first. Errors are counted, never fatal: the point is to see what the
// application saw during the rollout.
#ifndef CUTOVER_EXAMPLES_COMMON_TRAFFIC_H_
#define CUTOVER_EXAMPLES_COMMON_TRAFFIC_H_

#include <cstdint>
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
  FaultInjection faults;
};

struct TrafficStats {
  std::int64_t requests = 0;
  std::int64_t errors = 0;
  std::int64_t reads = 0;
  std::int64_t writes = 0;
  std::int64_t bugs_injected = 0;
  std::int64_t new_write_failures = 0;
  std::map<std::string, std::int64_t> by_stage;
  double seconds = 0;

  // {"requests","errors","reads","writes","bugs_injected","new_write_failures",
  //  "by_stage":{"<stage>": requests},"seconds"}
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
