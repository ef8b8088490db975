// The report as one self-contained HTML page (`cutover report --html FILE`):
// the verdict and its reasons at the top, the headline numbers, inline SVG
// charts of the mismatch rate and of the old and new read latencies (p50 and
// p99) over the window, every check, the differing columns, and sample diffs
// with the changed cells highlighted.
//
// Self-contained: inline CSS and SVG only; no script, no external stylesheet,
// image or font, so the file can be archived with the change record and opened
// anywhere without network access. Every value from Redis is escaped.
//
// Thread-safety: pure function.
#ifndef CUTOVER_REPORT_RENDER_HTML_H_
#define CUTOVER_REPORT_RENDER_HTML_H_

#include <string>

#include "cutover/readiness.h"
#include "cutover/report.h"

namespace cutover::report {

std::string RenderReportHtml(const MigrationReport& report,
                             const ReadinessVerdict& verdict);

}  // namespace cutover::report

#endif  // CUTOVER_REPORT_RENDER_HTML_H_
