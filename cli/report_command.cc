// `cutover report NAME`: the mismatch report and the contract readiness
// verdict (docs/reviewing-a-migration.md). Exit 0 when ready, 5 when not,
// 3 for an unknown flag, 2 for bad input, 1 when Redis cannot be reached.
#include <memory>

#include "CLI/CLI.hpp"
#include "cli_app.h"
#include "cutover/atomic_file.h"
#include "cutover/internal/strings.h"
#include "cutover/readiness.h"
#include "cutover/report_reader.h"
#include "cutover/report_render_html.h"
#include "cutover/report_render_json.h"
#include "cutover/report_render_text.h"
#include "cutover/time_text.h"
#include "exit_codes.h"
#include "store_access.h"

namespace cutover::cli {
namespace {

struct ReportArgs {
  std::string name;
  std::string since = "24h";
  std::string html;
  std::optional<std::uint64_t> min_comparisons;
  std::string min_duration;
  std::optional<std::uint64_t> max_mismatches;
  std::optional<double> max_error_rate;
  std::optional<std::uint64_t> max_reconcile_backlog;
  bool skip_verification = false;
  std::size_t samples = 5;
};

// The criteria: defaults, overridden by whatever was given.
absl::StatusOr<report::ReadinessCriteria> CriteriaFrom(const ReportArgs& a) {
  report::ReadinessCriteria c;
  if (a.min_comparisons) c.min_comparisons = *a.min_comparisons;
  if (!a.min_duration.empty()) {
    auto d = report::ParseDuration(a.min_duration, "--min-duration");
    if (!d.ok()) return d.status();
    c.min_duration = *d;
  }
  if (a.max_mismatches) c.max_mismatches = *a.max_mismatches;
  if (a.max_error_rate) c.max_error_rate = *a.max_error_rate;
  if (a.max_reconcile_backlog)
    c.max_reconcile_backlog = *a.max_reconcile_backlog;
  c.require_verification = !a.skip_verification;
  if (absl::Status s = report::ValidateCriteria(c); !s.ok()) return s;
  return c;
}

// A reader never sees half a report, and a failed write leaves an older
// report intact (cutover/atomic_file.h).
absl::Status WriteReportFile(const std::string& path,
                             const std::string& content) {
  absl::Status s = WriteFileAtomically(path, content);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(
      StrCat("cannot write the HTML report to ", path, ": ", s.message(),
             " (check that the directory exists and is writable)"));
}

void RunReport(CommandRun& run, const ReportArgs& a) {
  auto window = report::ParseDuration(a.since, "--since");
  if (!window.ok()) return run.Fail(window.status());
  auto criteria = CriteriaFrom(a);
  if (!criteria.ok()) return run.Fail(criteria.status());

  auto redis = OpenRedis(run.options());
  if (!redis.ok()) return run.Fail(redis.status());
  auto store = OpenFlagStore(run.options());
  if (!store.ok()) return run.Fail(store.status());
  report::ReportReader reader(**redis, **store,
                              RedisKeys(run.options().prefix));
  report::ReportRequest request;
  request.flag = a.name;
  request.window = *window;
  request.events.max_samples = a.samples;
  absl::StatusOr<report::MigrationReport> report = reader.Read(request);
  if (!report.ok()) return run.Fail(report.status());

  const report::ReadinessVerdict verdict =
      EvaluateReadiness(report->Facts(), *criteria);
  std::string text = report::RenderReportText(*report, verdict);
  if (!a.html.empty()) {
    absl::Status s =
        WriteReportFile(a.html, report::RenderReportHtml(*report, verdict));
    if (!s.ok()) return run.Fail(s);
    text += StrCat("\nHTML report written to ", a.html, "\n");
  }
  nlohmann::json json = report::ReportToJson(*report, verdict);
  if (!a.html.empty()) json["html"] = a.html;
  run.Finish(json, text, verdict.ready ? kExitOk : kExitDivergent);
}

// CLI11 would parse "-1" into an unsigned option, or, with its range check,
// print the range as a 300-digit number; say plainly what is expected.
const CLI::Validator kCount(
    [](std::string& value) -> std::string {
      std::uint64_t n = 0;
      if (ParseInteger(value, &n)) return "";
      return "expected a whole number, 0 or more (e.g. 1000), not " + value;
    },
    "N>=0", "count");

}  // namespace

void RegisterReportCommand(CLI::App& app, CommandRun& run) {
  auto a = std::make_shared<ReportArgs>();
  CLI::App* report = app.add_subcommand(
      "report",
      "Mismatch report and contract readiness of a flag (exit 0 ready, 5 not "
      "ready)");
  report->add_option("NAME", a->name, "Flag name")->required();
  report->add_option("--since", a->since,
                     "Window to report on, e.g. 30m, 24h, 7d (default 24h)");
  report->add_option("--html", a->html,
                     "Also write a self-contained HTML report to this file");
  report
      ->add_option("--samples", a->samples, "Sample diffs to show (default 5)")
      ->check(kCount);
  report
      ->add_option("--min-comparisons", a->min_comparisons,
                   "Readiness: comparisons required in the window (default "
                   "1000)")
      ->check(kCount);
  report->add_option("--min-duration", a->min_duration,
                     "Readiness: how long comparisons must span, e.g. 24h "
                     "(default 24h)");
  report
      ->add_option("--max-mismatches", a->max_mismatches,
                   "Readiness: mismatches allowed in the window and since "
                   "the last flag change (default 0)")
      ->check(kCount);
  report->add_option("--max-error-rate", a->max_error_rate,
                     "Readiness: (candidate errors + timeouts) / candidate "
                     "runs allowed, 0-1 (default 0)");
  report
      ->add_option("--max-reconcile-backlog", a->max_reconcile_backlog,
                   "Readiness: failed writes allowed to wait for reconcile "
                   "(default 0)")
      ->check(kCount);
  report->add_flag("--skip-verification", a->skip_verification,
                   "Readiness: do not require a passing cutover verify "
                   "(only for migrations without a table to verify)");
  report->callback([&run, a] { RunReport(run, *a); });
}

}  // namespace cutover::cli
