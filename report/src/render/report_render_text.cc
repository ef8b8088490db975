#include "cutover/report_render_text.h"

#include <map>

#include "cutover/internal/strings.h"
#include "cutover/time_text.h"
#include "render/report_format.h"
#include "render/rule_text.h"

namespace cutover::report {
namespace {

constexpr std::size_t kWidth = 80;

// Word-wraps `text` to kWidth: the first line starts with `first`, the
// others with `rest` (a hanging indent keeps each item visually one block).
std::string Wrap(std::string_view text, std::string_view first,
                 std::string_view rest) {
  std::string out;
  std::string line(first);
  std::size_t indent = first.size();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(pos, end - pos);
    if (line.size() > indent && line.size() + 1 + word.size() > kWidth) {
      out += line + "\n";
      line = std::string(rest);
      indent = rest.size();
    }
    if (line.size() > indent) line += ' ';
    line.append(word.data(), word.size());
    pos = end + 1;
  }
  if (line.size() > indent) out += line + "\n";
  return out;
}

std::string Padded(std::string_view s, std::size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

// Strings quoted, as RenderDiffText does, so '3' and 3 stay distinguishable.
std::string CellText(const SampleCell& c) {
  return c.is_string ? StrCat("'", c.value, "'") : c.value;
}

std::string Cells(const std::vector<SampleCell>& cells) {
  std::string out;
  for (const SampleCell& c : cells) {
    out += StrCat(out.empty() ? "" : ", ", c.column, "=", CellText(c));
  }
  return out;
}

void Summary(const MigrationReport& r, const ReadinessVerdict& v,
             std::string* out) {
  const std::vector<CheckResult> reasons = v.Reasons();
  *out += StrCat(v.ready ? "READY" : "NOT READY", " for contract: flag ",
                 r.flag_name,
                 v.ready ? StrCat(" (all ", v.checks.size(), " checks pass)")
                         : StrCat(" (", reasons.size(), " of ", v.checks.size(),
                                  " checks fail)"),
                 "\n");
  *out += StrCat("window: last ", FormatDuration(r.window), ", ",
                 FormatUnixMillis(r.window_start_ms), " .. ",
                 FormatUnixMillis(r.now_ms), "\n\n");
  const CounterTotals& t = r.totals;
  *out += StrCat("  compared      ", t.get(StatsCounter::kComparisons),
                 "   mismatches ", t.get(StatsCounter::kMismatches), " (",
                 FormatPercent(t.mismatch_rate()), ")   candidate errors ",
                 t.get(StatsCounter::kCandidateErrors), "   timeouts ",
                 t.get(StatsCounter::kTimeouts), "\n");
  *out +=
      StrCat("  latency       p50 old ", FormatLatency(r.latency_old.p50_ns),
             " / new ", FormatLatency(r.latency_new.p50_ns), "   p99 old ",
             FormatLatency(r.latency_old.p99_ns), " / new ",
             FormatLatency(r.latency_new.p99_ns), "\n");
  *out += StrCat("  stages        default ", StageName(r.flag.default_stage),
                 ", ", PluralCount(r.flag.rules.size(), "rule"),
                 r.flag.killed ? ", KILL SWITCH ENGAGED" : ", kill switch off",
                 "\n");
  *out += StrCat("  reconcile     ", r.reconcile.entries, " waiting\n");
  std::string verification = "none recorded";
  if (r.verification) {
    verification =
        StrCat(r.verification->equal
                   ? "equal"
                   : StrCat("DIFFERENT (", r.verification->difference_count,
                            " differences)"),
               " at ", FormatUnixMillis(r.verification->at_ms));
  }
  *out += StrCat("  verification  ", verification, "\n");
  if (reasons.empty()) {
    *out += "\nEvery check passes; the details follow.\n";
    return;
  }
  *out += "\nWhy not ready, and what to do:\n";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    *out += Wrap(
        StrCat(CriterionName(reasons[i].criterion), ": ", reasons[i].finding),
        StrCat("  ", i + 1, ". "), "     ");
    *out += Wrap(reasons[i].action, "     -> ", "        ");
  }
}

void Checks(const ReadinessVerdict& v, std::string* out) {
  *out += "\nChecks:\n";
  for (const CheckResult& c : v.checks) {
    *out += Wrap(c.finding,
                 StrCat("  ", c.passed ? "[pass] " : "[FAIL] ",
                        Padded(CriterionName(c.criterion), 24)),
                 std::string(33, ' '));
  }
}

void Counters(const MigrationReport& r, std::string* out) {
  *out += "\nCounters over the window (exact):\n";
  for (int i = 0; i < kStatsCounterCount; ++i) {
    *out += StrCat("  ", Padded(kStatsCounterFields[i], 18),
                   r.totals.counters[i], "\n");
  }
  *out += StrCat("  ", Padded("mismatch_rate", 18),
                 FormatPercent(r.totals.mismatch_rate()), "\n");
  *out += StrCat("  latency samples   old ", r.latency_old.samples, ", new ",
                 r.latency_new.samples, "\n");
  if (r.changes.last_change_ms) {
    *out += StrCat("  since the last change (",
                   FormatUnixMillis(*r.changes.last_change_ms),
                   "): ", r.since_last_change.get(StatsCounter::kComparisons),
                   " compared, ",
                   r.since_last_change.get(StatsCounter::kMismatches),
                   " mismatches\n");
  }
}

void FlagDetails(const MigrationReport& r, std::string* out) {
  const Flag& f = r.flag;
  *out += StrCat("\nFlag ", f.name, " (version ", f.version, ", prefix ",
                 r.key_prefix, "):\n");
  *out += StrCat("  default stage     ", StageName(f.default_stage), "\n");
  *out += StrCat("  kill switch       ", f.killed ? "ENGAGED" : "off", "\n");
  *out += StrCat("  sample rate       ", f.sample_rate, "\n");
  if (f.rules.empty()) *out += "  rules             none\n";
  for (std::size_t i = 0; i < f.rules.size(); ++i) {
    *out +=
        StrCat("  rule [", i, "]          ", DescribeRule(f, f.rules[i]), "\n");
  }
  const ChangeSummary& c = r.changes;
  if (c.last_change_ms) {
    *out +=
        StrCat("  last change       ", FormatUnixMillis(*c.last_change_ms), " ",
               c.last_change_action, " by ", c.last_change_actor, "\n");
  }
  if (c.last_stage_change_ms) {
    *out += StrCat(
        "  last stage change ", FormatUnixMillis(*c.last_stage_change_ms), " ",
        c.last_stage_change_action, " by ", c.last_stage_change_actor, "\n");
  }
  *out += StrCat("  reconcile backlog ", r.reconcile.entries);
  if (r.reconcile.oldest_at_ms) {
    *out += StrCat(", oldest ", FormatUnixMillis(*r.reconcile.oldest_at_ms),
                   " (key ", r.reconcile.oldest_key, ": ",
                   r.reconcile.oldest_error, ")");
  }
  *out += "\n";
  if (r.verification) {
    const VerificationFacts& v = *r.verification;
    *out += StrCat("  last verification ", FormatUnixMillis(v.at_ms), " ",
                   v.equal ? "equal" : "DIFFERENT", ", rows old ", v.rows_old,
                   " new ", v.rows_new, ", ", v.difference_count,
                   " differences, ", v.chunks, " chunks\n");
  } else {
    *out += "  last verification none\n";
  }
}

void Differences(const MigrationReport& r, std::string* out) {
  const EventSummary& e = r.events;
  *out += StrCat("\nDifferences (", PluralCount(e.events_read, "event"),
                 " in the window",
                 e.limited ? ", the newest only: the stream read stopped at "
                             "its limit"
                           : "",
                 e.unparsable > 0 ? StrCat(", ", e.unparsable, " unreadable")
                                  : std::string(),
                 "):\n");
  if (e.kinds.empty()) {
    *out += "  none\n";
    return;
  }
  for (const KindCount& k : e.kinds) {
    *out += StrCat("  ", Padded(k.kind, 34),
                   k.items != k.events ? StrCat(k.items, " in ") : "",
                   PluralCount(k.events, "event"), "\n");
  }
  if (!e.columns.empty()) {
    *out += "  top differing columns:\n";
    for (const ColumnCount& c : e.columns) {
      *out += StrCat("    ", Padded(c.column, 32),
                     PluralCount(c.changed_cells, "cell"), " in ",
                     PluralCount(c.events, "event"), "\n");
    }
  }
}

void Samples(const MigrationReport& r, std::string* out) {
  const EventSummary& e = r.events;
  if (e.samples.empty()) return;
  *out += StrCat("\nSample diffs (newest ", e.samples.size(), " of ",
                 e.events_read, "):\n");
  for (const SampleEvent& s : e.samples) {
    *out += StrCat("  ", FormatUnixMillis(s.at_ms), "  ", s.outcome, "  stage ",
                   s.stage, "  user ", s.user.empty() ? "-" : s.user,
                   "  experiment ", s.experiment, "\n");
    if (!s.has_diff) {
      *out += StrCat("    old: ", s.old_text, "\n    new: ", s.new_text, "\n");
      continue;
    }
    *out += StrCat("    ", s.diff_mode, ": ", s.missing_rows, " missing, ",
                   s.extra_rows, " extra, ", s.changed_rows, " changed rows (",
                   s.changed_cells, " cells)\n");
    for (const SampleRow& row : s.rows) {
      const std::string where = row.key.empty() ? row.position : Cells(row.key);
      if (row.kind == "changed") {
        std::string cells;
        for (const SampleCellChange& c : row.cells) {
          cells += StrCat(cells.empty() ? "" : ", ", c.column, " ",
                          CellText(c.old_cell), " -> ", CellText(c.new_cell));
        }
        *out += StrCat("    changed ", where, ": ", cells, "\n");
      } else {
        *out += StrCat(
            "    ",
            row.kind == "missing" ? "missing in new " : "extra in new   ",
            where, ": {", Cells(row.row), "}\n");
      }
    }
    if (s.diff_truncated) *out += "    ... (more rows differ than shown)\n";
  }
}

void Hourly(const MigrationReport& r, std::string* out) {
  if (r.series.empty()) return;
  std::map<std::int64_t, CounterTotals> hours;
  for (const MinutePoint& p : r.series) {
    CounterTotals& h = hours[p.unix_minute / 60];
    for (int i = 0; i < kStatsCounterCount; ++i) {
      h.counters[i] += p.totals.counters[i];
    }
  }
  *out += "\nPer hour (hours with data; per minute: --json or --html):\n";
  *out +=
      "  hour (UTC)              compared  mismatches  rate      errors  "
      "timeouts\n";
  for (const auto& [hour, t] : hours) {
    *out += StrCat("  ", Padded(FormatUnixMillis(hour * 3600000), 24),
                   Padded(StrCat(t.get(StatsCounter::kComparisons)), 10),
                   Padded(StrCat(t.get(StatsCounter::kMismatches)), 12),
                   Padded(FormatPercent(t.mismatch_rate()), 10),
                   Padded(StrCat(t.get(StatsCounter::kCandidateErrors)), 8),
                   t.get(StatsCounter::kTimeouts), "\n");
  }
}

}  // namespace

std::string RenderReportText(const MigrationReport& report,
                             const ReadinessVerdict& verdict) {
  std::string out;
  Summary(report, verdict, &out);
  Checks(verdict, &out);
  Counters(report, &out);
  FlagDetails(report, &out);
  Differences(report, &out);
  Samples(report, &out);
  Hourly(report, &out);
  return out;
}

}  // namespace cutover::report
