#include "cutover/report_render_html.h"

#include <set>

#include "cutover/internal/strings.h"
#include "cutover/time_text.h"
#include "render/html_text.h"
#include "render/report_format.h"
#include "render/rule_text.h"
#include "render/svg_line_chart.h"

namespace cutover::report {
namespace {

constexpr std::string_view kOldColor = "#1f6fb4";
constexpr std::string_view kNewColor = "#e07b00";

constexpr std::string_view kStyle = R"css(
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px; background: #f6f7f9; color: #1d1f23;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
  Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.sub { color: #555; margin-bottom: 16px; }
.verdict { border-radius: 8px; padding: 16px 20px; margin: 0 0 18px;
  color: #fff; }
.verdict.ready { background: #1e8a3e; }
.verdict.not-ready { background: #c62828; }
.verdict .word { font-size: 28px; font-weight: 700; letter-spacing: .5px; }
.verdict .why { font-size: 15px; margin-top: 2px; }
.reasons { background: #fff; border: 1px solid #f0c7c7;
  border-left: 6px solid #c62828; border-radius: 6px; padding: 8px 18px;
  margin-bottom: 18px; }
.reasons ol { margin: 6px 0; padding-left: 20px; }
.reasons li { margin: 8px 0; }
.reasons .crit { font-weight: 700; }
.reasons .action { color: #333; margin-top: 2px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 8px; }
.tile { background: #fff; border: 1px solid #dde1e6; border-radius: 6px;
  padding: 10px 14px; min-width: 150px; }
.tile .label { color: #666; font-size: 12px; text-transform: uppercase;
  letter-spacing: .4px; }
.tile .value { font-size: 20px; font-weight: 650; }
.tile.bad { border-color: #e2a0a0; background: #fff5f5; }
.tile.bad .value { color: #b71c1c; }
.card { background: #fff; border: 1px solid #dde1e6; border-radius: 6px;
  padding: 12px 16px; margin-bottom: 14px; overflow-x: auto; }
svg.chart { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #eceef1;
  vertical-align: top; }
th { color: #555; font-weight: 600; font-size: 12px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1e8a3e; font-weight: 700; }
.fail { color: #c62828; font-weight: 700; }
.meta { color: #555; font-size: 13px; margin-bottom: 6px; }
.diff td, .diff th { font-family: ui-monospace, "DejaVu Sans Mono", Menlo,
  Consolas, monospace; font-size: 13px; }
.diff td.side { color: #666; font-family: inherit; }
td.changed-old { background: #ffd7d5; color: #8a1010; font-weight: 600; }
td.changed-new { background: #d3f5d8; color: #0d5c1d; font-weight: 600; }
td.same { color: #aaa; }
tr.missing td { background: #ffe9e7; }
tr.extra td { background: #e3f7e6; }
.tag { display: inline-block; border-radius: 4px; padding: 0 6px;
  font-size: 12px; font-weight: 600; }
.tag.missing { background: #ffd7d5; color: #8a1010; }
.tag.extra { background: #d3f5d8; color: #0d5c1d; }
.tag.changed { background: #fff0c2; color: #6b4e00; }
pre { margin: 2px 0; white-space: pre-wrap; word-break: break-all; }
.foot { color: #888; font-size: 12px; margin-top: 28px; }
)css";

std::string E(std::string_view s) { return EscapeHtml(s); }

std::string Tile(std::string_view label, const std::string& value, bool bad) {
  return StrCat("<div class=\"tile", bad ? " bad" : "",
                "\"><div class=\"label\">", E(label),
                "</div><div class=\"value\">", E(value), "</div></div>\n");
}

std::string Row(std::initializer_list<std::string> cells) {
  std::string out = "<tr>";
  for (const std::string& c : cells) out += StrCat("<td>", c, "</td>");
  return out + "</tr>\n";
}

const CheckResult* FindCheck(const ReadinessVerdict& v, Criterion c) {
  for (const CheckResult& check : v.checks) {
    if (check.criterion == c) return &check;
  }
  return nullptr;
}

bool Failed(const ReadinessVerdict& v, Criterion c) {
  const CheckResult* check = FindCheck(v, c);
  return check != nullptr && !check->passed;
}

void Header(const MigrationReport& r, const ReadinessVerdict& v,
            std::string* out) {
  const std::vector<CheckResult> reasons = v.Reasons();
  *out += StrCat("<h1>Migration report: ", E(r.flag_name), "</h1>\n");
  *out +=
      StrCat("<div class=\"sub\">Window: last ", E(FormatDuration(r.window)),
             ", ", E(FormatUnixMillis(r.window_start_ms)), " to ",
             E(FormatUnixMillis(r.now_ms)), " &middot; prefix ",
             E(r.key_prefix), "</div>\n");
  *out += StrCat(
      "<div class=\"verdict ", v.ready ? "ready" : "not-ready",
      "\" id=\"verdict\"><div class=\"word\">",
      v.ready ? "READY for contract" : "NOT READY for contract",
      "</div><div class=\"why\">",
      v.ready ? StrCat("All ", v.checks.size(), " checks pass.")
              : StrCat(reasons.size(), " of ", v.checks.size(),
                       " checks fail; each is listed below with what to do."),
      "</div></div>\n");
  if (reasons.empty()) return;
  *out += "<div class=\"reasons\" id=\"reasons\"><ol>\n";
  for (const CheckResult& c : reasons) {
    *out += StrCat("<li><span class=\"crit\">", E(CriterionName(c.criterion)),
                   ":</span> ", E(c.finding), "<div class=\"action\">&rarr; ",
                   E(c.action), "</div></li>\n");
  }
  *out += "</ol></div>\n";
}

void Tiles(const MigrationReport& r, const ReadinessVerdict& v,
           std::string* out) {
  const CounterTotals& t = r.totals;
  *out += "<div class=\"tiles\">\n";
  *out += Tile("comparisons", StrCat(t.get(StatsCounter::kComparisons)),
               Failed(v, Criterion::kComparisons));
  *out += Tile("mismatches",
               StrCat(t.get(StatsCounter::kMismatches), " (",
                      FormatPercent(t.mismatch_rate()), ")"),
               Failed(v, Criterion::kMismatches) ||
                   Failed(v, Criterion::kMismatchesSinceChange));
  *out += Tile("candidate errors / timeouts",
               StrCat(t.get(StatsCounter::kCandidateErrors), " / ",
                      t.get(StatsCounter::kTimeouts)),
               Failed(v, Criterion::kErrors));
  *out += Tile("p50 old / new",
               StrCat(FormatLatency(r.latency_old.p50_ns), " / ",
                      FormatLatency(r.latency_new.p50_ns)),
               false);
  *out += Tile("p99 old / new",
               StrCat(FormatLatency(r.latency_old.p99_ns), " / ",
                      FormatLatency(r.latency_new.p99_ns)),
               false);
  *out += Tile("reconcile backlog", StrCat(r.reconcile.entries),
               Failed(v, Criterion::kReconcileBacklog));
  *out += Tile("verification",
               !r.verification ? std::string("none")
               : r.verification->equal
                   ? std::string("equal")
                   : StrCat(r.verification->difference_count, " differences"),
               Failed(v, Criterion::kVerification));
  *out += Tile(
      "default stage",
      StrCat(StageName(r.flag.default_stage), r.flag.killed ? " (killed)" : ""),
      Failed(v, Criterion::kStages));
  *out += "</div>\n";
}

void Charts(const MigrationReport& r, std::string* out) {
  LineChart rate;
  rate.width = 1100;
  rate.title = "Mismatch rate per minute";
  rate.y_unit = "%";
  rate.x_min_ms = r.window_start_ms;
  rate.x_max_ms = r.now_ms;
  ChartSeries mismatch{"mismatch rate", "#c62828", false, {}};
  LineChart latency;
  latency.width = 1100;
  latency.title = "Read latency per minute, old vs new";
  latency.y_unit = " ms";
  latency.x_min_ms = r.window_start_ms;
  latency.x_max_ms = r.now_ms;
  ChartSeries old_p50{"old p50", std::string(kOldColor), false, {}};
  ChartSeries old_p99{"old p99", std::string(kOldColor), true, {}};
  ChartSeries new_p50{"new p50", std::string(kNewColor), false, {}};
  ChartSeries new_p99{"new p99", std::string(kNewColor), true, {}};
  auto ms = [](const std::optional<std::int64_t>& ns) -> std::optional<double> {
    if (!ns) return std::nullopt;
    return static_cast<double>(*ns) / 1e6;
  };
  for (const MinutePoint& p : r.series) {
    const std::int64_t x = p.unix_minute * 60000 + 30000;  // mid-minute
    if (p.totals.get(StatsCounter::kComparisons) > 0) {
      mismatch.points.push_back({x, p.totals.mismatch_rate() * 100});
    }
    old_p50.points.push_back({x, ms(p.latency_old.p50_ns)});
    old_p99.points.push_back({x, ms(p.latency_old.p99_ns)});
    new_p50.points.push_back({x, ms(p.latency_new.p50_ns)});
    new_p99.points.push_back({x, ms(p.latency_new.p99_ns)});
  }
  rate.series = {std::move(mismatch)};
  latency.series = {std::move(old_p50), std::move(old_p99), std::move(new_p50),
                    std::move(new_p99)};
  *out += "<h2>Over time</h2>\n<div class=\"card\" id=\"chart-mismatch\">";
  *out += RenderSvgLineChart(rate);
  *out += "</div>\n<div class=\"card\" id=\"chart-latency\">";
  *out += RenderSvgLineChart(latency);
  *out += "</div>\n";
}

void ChecksTable(const ReadinessVerdict& v, std::string* out) {
  *out +=
      "<h2>Checks</h2>\n<div class=\"card\"><table>\n"
      "<tr><th></th><th>criterion</th><th>finding</th></tr>\n";
  for (const CheckResult& c : v.checks) {
    *out += Row({c.passed ? "<span class=\"pass\">pass</span>"
                          : "<span class=\"fail\">FAIL</span>",
                 E(CriterionName(c.criterion)), E(c.finding)});
  }
  *out += "</table></div>\n";
}

void CountersAndFlag(const MigrationReport& r, std::string* out) {
  *out +=
      "<h2>Counters and flag</h2>\n<div class=\"tiles\">"
      "<div class=\"card\"><table>\n"
      "<tr><th>counter (window, exact)</th><th>value</th></tr>\n";
  for (int i = 0; i < kStatsCounterCount; ++i) {
    *out +=
        StrCat("<tr><td>", E(kStatsCounterFields[i]), "</td><td class=\"num\">",
               r.totals.counters[i], "</td></tr>\n");
  }
  *out += StrCat("<tr><td>mismatch rate</td><td class=\"num\">",
                 E(FormatPercent(r.totals.mismatch_rate())), "</td></tr>\n");
  if (r.changes.last_change_ms) {
    *out += StrCat(
        "<tr><td>mismatches since last change</td><td class=\"num\">",
        r.since_last_change.get(StatsCounter::kMismatches), "</td></tr>\n");
  }
  *out += "</table></div>\n<div class=\"card\"><table>\n";
  const Flag& f = r.flag;
  *out += Row({"default stage", E(StageName(f.default_stage))});
  *out += Row({"kill switch", f.killed ? "<span class=\"fail\">ENGAGED</span>"
                                       : std::string("off")});
  *out += Row({"sample rate", E(StrCat(f.sample_rate))});
  *out += Row({"version", E(StrCat(f.version, ", updated ", f.updated_at,
                                   " by ", f.updated_by))});
  if (f.rules.empty()) *out += Row({"rules", "none"});
  for (std::size_t i = 0; i < f.rules.size(); ++i) {
    *out += Row({E(StrCat("rule [", i, "]")), E(DescribeRule(f, f.rules[i]))});
  }
  const ChangeSummary& c = r.changes;
  if (c.last_change_ms) {
    *out += Row({"last change",
                 E(StrCat(FormatUnixMillis(*c.last_change_ms), " ",
                          c.last_change_action, " by ", c.last_change_actor))});
  }
  if (c.last_stage_change_ms) {
    *out += Row({"last stage change",
                 E(StrCat(FormatUnixMillis(*c.last_stage_change_ms), " ",
                          c.last_stage_change_action, " by ",
                          c.last_stage_change_actor))});
  }
  std::string backlog = StrCat(r.reconcile.entries, " waiting");
  if (r.reconcile.oldest_at_ms) {
    backlog += StrCat(", oldest ", FormatUnixMillis(*r.reconcile.oldest_at_ms),
                      " (key ", r.reconcile.oldest_key, ": ",
                      r.reconcile.oldest_error, ")");
  }
  *out += Row({"reconcile backlog", E(backlog)});
  std::string verification = "none recorded";
  if (r.verification) {
    const VerificationFacts& v = *r.verification;
    verification =
        StrCat(FormatUnixMillis(v.at_ms), ": ", v.equal ? "equal" : "DIFFERENT",
               ", rows old ", v.rows_old, " / new ", v.rows_new, ", ",
               v.difference_count, " differences, ", v.chunks, " chunks");
  }
  *out += Row({"last verification", E(verification)});
  *out += "</table></div></div>\n";
}

void Differences(const MigrationReport& r, std::string* out) {
  const EventSummary& e = r.events;
  *out += StrCat(
      "<h2>Differences</h2>\n<div class=\"meta\">From ",
      E(PluralCount(e.events_read, "event")), " in the window",
      e.limited ? " (the newest only: the read stopped at its limit)" : "",
      e.unparsable > 0 ? StrCat(", ", e.unparsable, " unreadable")
                       : std::string(),
      ".</div>\n");
  if (e.kinds.empty()) {
    *out +=
        "<div class=\"card\">No mismatches, errors or timeouts were "
        "recorded in the window.</div>\n";
    return;
  }
  *out +=
      "<div class=\"tiles\"><div class=\"card\"><table>\n"
      "<tr><th>kind</th><th>events</th><th>rows / cells</th></tr>\n";
  for (const KindCount& k : e.kinds) {
    *out += StrCat("<tr><td>", E(k.kind), "</td><td class=\"num\">", k.events,
                   "</td><td class=\"num\">", k.items, "</td></tr>\n");
  }
  *out += "</table></div>\n";
  if (!e.columns.empty()) {
    *out +=
        "<div class=\"card\"><table>\n<tr><th>top differing column</th>"
        "<th>changed cells</th><th>events</th></tr>\n";
    for (const ColumnCount& c : e.columns) {
      *out += StrCat("<tr><td>", E(c.column), "</td><td class=\"num\">",
                     c.changed_cells, "</td><td class=\"num\">", c.events,
                     "</td></tr>\n");
    }
    *out += "</table></div>\n";
  }
  *out += "</div>\n";
}

std::string CellText(const SampleCell& c) {
  return c.is_null ? std::string("<i>NULL</i>") : E(c.value);
}

// A structured diff: changed rows as an old line and a new line over the
// union of their changed columns (changed cells highlighted, untouched ones
// dimmed), then rows only one side has.
void DiffTables(const SampleEvent& s, std::string* out) {
  std::vector<std::string> key_columns;
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const SampleRow& row : s.rows) {
    if (row.kind != "changed") continue;
    if (key_columns.empty()) {
      for (const SampleCell& k : row.key) key_columns.push_back(k.column);
    }
    for (const SampleCellChange& c : row.cells) {
      if (seen.insert(c.column).second) columns.push_back(c.column);
    }
  }
  if (!columns.empty()) {
    *out += "<table class=\"diff\"><tr><th></th>";
    if (key_columns.empty()) *out += "<th>row</th>";
    for (const std::string& k : key_columns)
      *out += StrCat("<th>", E(k), "</th>");
    for (const std::string& c : columns) *out += StrCat("<th>", E(c), "</th>");
    *out += "</tr>\n";
    for (const SampleRow& row : s.rows) {
      if (row.kind != "changed") continue;
      for (const bool old_side : {true, false}) {
        *out += StrCat("<tr><td class=\"side\">", old_side ? "old" : "new",
                       "</td>");
        if (row.key.empty()) *out += StrCat("<td>", E(row.position), "</td>");
        for (const SampleCell& k : row.key) {
          *out += StrCat("<td>", CellText(k), "</td>");
        }
        for (const std::string& column : columns) {
          const SampleCellChange* change = nullptr;
          for (const SampleCellChange& c : row.cells) {
            if (c.column == column) change = &c;
          }
          if (change == nullptr) {
            *out += "<td class=\"same\">=</td>";
          } else if (old_side) {
            *out += StrCat("<td class=\"changed-old\">",
                           CellText(change->old_cell), "</td>");
          } else {
            *out += StrCat("<td class=\"changed-new\">",
                           CellText(change->new_cell), "</td>");
          }
        }
        *out += "</tr>\n";
      }
    }
    *out += "</table>\n";
  }
  for (const SampleRow& row : s.rows) {
    if (row.kind == "changed") continue;
    const bool missing = row.kind == "missing";
    *out += StrCat("<div class=\"meta\"><span class=\"tag ", row.kind, "\">",
                   missing ? "missing in new" : "extra in new", "</span> ",
                   E(row.key.empty() ? row.position : std::string()),
                   "</div><table class=\"diff\"><tr>");
    for (const SampleCell& c : row.row)
      *out += StrCat("<th>", E(c.column), "</th>");
    *out += StrCat("</tr><tr class=\"", row.kind, "\">");
    for (const SampleCell& c : row.row) {
      *out += StrCat("<td>", CellText(c), "</td>");
    }
    *out += "</tr></table>\n";
  }
  if (s.diff_truncated) {
    *out += "<div class=\"meta\">More rows differ than are shown.</div>\n";
  }
}

void Samples(const MigrationReport& r, std::string* out) {
  const EventSummary& e = r.events;
  if (e.samples.empty()) return;
  *out += StrCat("<h2>Sample diffs (newest ", e.samples.size(), " of ",
                 e.events_read, ")</h2>\n");
  for (const SampleEvent& s : e.samples) {
    *out += "<div class=\"card sample\">";
    *out += StrCat("<div class=\"meta\"><span class=\"tag ",
                   s.outcome == "mismatch" ? "changed" : "missing", "\">",
                   E(s.outcome), "</span> ", E(FormatUnixMillis(s.at_ms)),
                   " &middot; stage ", E(s.stage), " &middot; user ",
                   E(s.user.empty() ? "-" : s.user), " &middot; experiment ",
                   E(s.experiment), " &middot; control side ",
                   E(s.control_side), "</div>\n");
    if (s.has_diff) {
      *out +=
          StrCat("<div class=\"meta\">", E(s.diff_mode), ": ", s.missing_rows,
                 " missing, ", s.extra_rows, " extra, ", s.changed_rows,
                 " changed rows (", s.changed_cells, " cells)</div>\n");
      DiffTables(s, out);
    } else {
      *out += StrCat(
          "<table class=\"diff\"><tr><td class=\"side\">old</td>"
          "<td class=\"changed-old\"><pre>",
          E(s.old_text),
          "</pre></td></tr><tr><td class=\"side\">new</td>"
          "<td class=\"changed-new\"><pre>",
          E(s.new_text), "</pre></td></tr></table>\n");
    }
    *out += "</div>\n";
  }
}

}  // namespace

std::string RenderReportHtml(const MigrationReport& report,
                             const ReadinessVerdict& verdict) {
  std::string out = StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>",
      verdict.ready ? "READY" : "NOT READY", ": cutover report ",
      E(report.flag_name), "</title>\n<style>", kStyle,
      "</style></head>\n<body>\n");
  Header(report, verdict, &out);
  Tiles(report, verdict, &out);
  Charts(report, &out);
  ChecksTable(verdict, &out);
  Samples(report, &out);
  Differences(report, &out);
  CountersAndFlag(report, &out);
  out += StrCat("<div class=\"foot\">Generated by cutover report at ",
                E(FormatUnixMillis(report.now_ms)),
                ". Counters are exact; latencies are estimated from histogram "
                "buckets (within about 12%).</div>\n</body></html>\n");
  return out;
}

}  // namespace cutover::report
