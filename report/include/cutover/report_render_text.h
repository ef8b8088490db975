// The report for a terminal: first a summary a reviewer takes in within ten
// seconds (verdict, headline numbers, what to do about each failing check),
// then the details (every check, counters, the flag, differing columns,
// sample diffs, an hourly series).
//
// Thread-safety: pure function.
#ifndef CUTOVER_REPORT_RENDER_TEXT_H_
#define CUTOVER_REPORT_RENDER_TEXT_H_

#include <string>

#include "cutover/readiness.h"
#include "cutover/report.h"

namespace cutover::report {

// Plain ASCII layout (values are printed as stored), lines of at most about
// 80 columns except where a value is longer; ends with a newline.
std::string RenderReportText(const MigrationReport& report,
                             const ReadinessVerdict& verdict);

}  // namespace cutover::report

#endif  // CUTOVER_REPORT_RENDER_TEXT_H_
