// The report as one JSON object, for `cutover report --json` and the scripts
// that gate a contract step on it. Keys (stable; more may be added):
//
//   {"flag","prefix","generated_at",
//    "window":{"since","seconds","start","end"},
//    "comparisons","matches","mismatches","ignored","candidate_errors",
//    "control_errors","timeouts","dropped","events_dropped","mismatch_rate",
//    "latency":{"old":{"samples","p50_ns","p99_ns"},"new":{...}},
//    "ready", "verdict":"ready"|"not ready",
//    "reasons":[{"criterion","finding","action"}],   failing checks only
//    "checks":[{"criterion","passed","finding","action"}],  every check
//    "flag_state":{"default_stage","killed","sample_rate","version",
//                  "updated_at","updated_by","rules":[{"index","stage",
//                  "description",...the rule's stored fields}]},
//    "last_change":{"at","action","actor"}|null, "last_stage_change":...,
//    "since_last_change":{"comparisons","mismatches","candidate_errors",
//                         "timeouts"},
//    "reconcile":{"backlog","oldest_at","oldest_key","oldest_error"},
//    "verification":{"at","equal","rows_old","rows_new","difference_count",
//                    "chunks"}|null,
//    "events":{"read","limited","unparsable","kinds":[{"kind","events",
//              "items"}],"top_columns":[{"column","changed_cells","events"}],
//              "samples":[{"at","outcome","stage","user","experiment",
//                          "control_side","old","new","diff":{...}|null}]},
//    "series":[{"minute","comparisons",...,"mismatch_rate",
//               "latency_old_p50_ns","latency_old_p99_ns",
//               "latency_new_p50_ns","latency_new_p99_ns"}]}
//
// Times are RFC 3339 UTC strings; latencies are integers in nanoseconds or
// null when a side has no observation. "series" lists only minutes with
// data, oldest first.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_REPORT_RENDER_JSON_H_
#define CUTOVER_REPORT_RENDER_JSON_H_

#include "cutover/readiness.h"
#include "cutover/report.h"
#include "nlohmann/json.hpp"

namespace cutover::report {

nlohmann::json ReportToJson(const MigrationReport& report,
                            const ReadinessVerdict& verdict);

}  // namespace cutover::report

#endif  // CUTOVER_REPORT_RENDER_JSON_H_
