#include "cutover/report_render_json.h"

#include "cutover/flag_json.h"
#include "cutover/time_text.h"
#include "render/rule_text.h"

namespace cutover::report {
namespace {

using nlohmann::json;

json Nanos(const std::optional<std::int64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

json LatencyJson(const LatencySummary& s) {
  return json{{"samples", s.samples},
              {"p50_ns", Nanos(s.p50_ns)},
              {"p99_ns", Nanos(s.p99_ns)}};
}

void AddCounters(const CounterTotals& t, json* out) {
  for (int i = 0; i < kStatsCounterCount; ++i) {
    (*out)[std::string(kStatsCounterFields[i])] = t.counters[i];
  }
  (*out)["mismatch_rate"] = t.mismatch_rate();
}

json CheckJson(const CheckResult& c) {
  json out{{"criterion", std::string(CriterionName(c.criterion))},
           {"passed", c.passed},
           {"finding", c.finding}};
  if (!c.passed) out["action"] = c.action;
  return out;
}

json ChangeJson(const std::optional<std::int64_t>& at,
                const std::string& action, const std::string& actor) {
  if (!at) return nullptr;
  return json{
      {"at", FormatUnixMillis(*at)}, {"action", action}, {"actor", actor}};
}

json FlagStateJson(const Flag& flag) {
  json rules = json::array();
  for (std::size_t i = 0; i < flag.rules.size(); ++i) {
    json rule = RuleToJson(flag.rules[i]);
    rule["index"] = i;
    rule["description"] = DescribeRule(flag, flag.rules[i]);
    rules.push_back(std::move(rule));
  }
  return json{{"default_stage", std::string(StageName(flag.default_stage))},
              {"killed", flag.killed},
              {"sample_rate", flag.sample_rate},
              {"version", flag.version},
              {"updated_at", flag.updated_at},
              {"updated_by", flag.updated_by},
              {"rules", std::move(rules)}};
}

// Back to the JSON type the comparator wrote (a cut value stays a string).
json CellJson(const SampleCell& c) {
  if (c.is_null) return nullptr;
  if (!c.is_string) {
    json literal = json::parse(c.value, nullptr, /*allow_exceptions=*/false);
    if (!literal.is_discarded()) return literal;
  }
  return c.value;
}

json CellsJson(const std::vector<SampleCell>& cells) {
  json out = json::object();
  for (const SampleCell& c : cells) out[c.column] = CellJson(c);
  return out;
}

json SampleJson(const SampleEvent& s) {
  json diff = nullptr;
  if (s.has_diff) {
    json rows = json::array();
    for (const SampleRow& r : s.rows) {
      json row{{"kind", r.kind}};
      if (!r.key.empty()) row["key"] = CellsJson(r.key);
      if (!r.position.empty()) row["position"] = r.position;
      if (r.kind == "changed") {
        json cells = json::array();
        for (const SampleCellChange& c : r.cells) {
          cells.push_back({{"column", c.column},
                           {"old", CellJson(c.old_cell)},
                           {"new", CellJson(c.new_cell)}});
        }
        row["cells"] = std::move(cells);
      } else {
        row["row"] = CellsJson(r.row);
      }
      rows.push_back(std::move(row));
    }
    diff = json{{"mode", s.diff_mode},
                {"missing_rows", s.missing_rows},
                {"extra_rows", s.extra_rows},
                {"changed_rows", s.changed_rows},
                {"changed_cells", s.changed_cells},
                {"truncated", s.diff_truncated},
                {"rows", std::move(rows)}};
  }
  return json{{"at", FormatUnixMillis(s.at_ms)},
              {"outcome", s.outcome},
              {"stage", s.stage},
              {"user", s.user},
              {"experiment", s.experiment},
              {"control_side", s.control_side},
              {"old", s.old_text},
              {"new", s.new_text},
              {"diff", std::move(diff)}};
}

json EventsJson(const EventSummary& e) {
  json kinds = json::array();
  for (const KindCount& k : e.kinds) {
    kinds.push_back(
        {{"kind", k.kind}, {"events", k.events}, {"items", k.items}});
  }
  json columns = json::array();
  for (const ColumnCount& c : e.columns) {
    columns.push_back({{"column", c.column},
                       {"changed_cells", c.changed_cells},
                       {"events", c.events}});
  }
  json samples = json::array();
  for (const SampleEvent& s : e.samples) samples.push_back(SampleJson(s));
  return json{{"read", e.events_read},
              {"limited", e.limited},
              {"unparsable", e.unparsable},
              {"kinds", std::move(kinds)},
              {"top_columns", std::move(columns)},
              {"samples", std::move(samples)}};
}

}  // namespace

json ReportToJson(const MigrationReport& r, const ReadinessVerdict& verdict) {
  json out{{"flag", r.flag_name},
           {"prefix", r.key_prefix},
           {"generated_at", FormatUnixMillis(r.now_ms)},
           {"window",
            {{"since", FormatDuration(r.window)},
             {"seconds", r.window.count()},
             {"start", FormatUnixMillis(r.window_start_ms)},
             {"end", FormatUnixMillis(r.now_ms)}}}};
  AddCounters(r.totals, &out);
  out["latency"] = {{"old", LatencyJson(r.latency_old)},
                    {"new", LatencyJson(r.latency_new)}};
  out["ready"] = verdict.ready;
  out["verdict"] = verdict.ready ? "ready" : "not ready";
  json reasons = json::array();
  json checks = json::array();
  for (const CheckResult& c : verdict.checks) {
    checks.push_back(CheckJson(c));
    if (!c.passed) {
      reasons.push_back({{"criterion", std::string(CriterionName(c.criterion))},
                         {"finding", c.finding},
                         {"action", c.action}});
    }
  }
  out["reasons"] = std::move(reasons);
  out["checks"] = std::move(checks);
  out["flag_state"] = FlagStateJson(r.flag);
  out["last_change"] =
      ChangeJson(r.changes.last_change_ms, r.changes.last_change_action,
                 r.changes.last_change_actor);
  out["last_stage_change"] = ChangeJson(r.changes.last_stage_change_ms,
                                        r.changes.last_stage_change_action,
                                        r.changes.last_stage_change_actor);
  out["since_last_change"] = {
      {"comparisons", r.since_last_change.get(StatsCounter::kComparisons)},
      {"mismatches", r.since_last_change.get(StatsCounter::kMismatches)},
      {"candidate_errors",
       r.since_last_change.get(StatsCounter::kCandidateErrors)},
      {"timeouts", r.since_last_change.get(StatsCounter::kTimeouts)}};
  out["reconcile"] = {
      {"backlog", r.reconcile.entries},
      {"oldest_at", r.reconcile.oldest_at_ms
                        ? json(FormatUnixMillis(*r.reconcile.oldest_at_ms))
                        : json(nullptr)},
      {"oldest_key", r.reconcile.oldest_key},
      {"oldest_error", r.reconcile.oldest_error}};
  if (r.verification) {
    const VerificationFacts& v = *r.verification;
    out["verification"] = {{"at", FormatUnixMillis(v.at_ms)},
                           {"equal", v.equal},
                           {"rows_old", v.rows_old},
                           {"rows_new", v.rows_new},
                           {"difference_count", v.difference_count},
                           {"chunks", v.chunks}};
  } else {
    out["verification"] = nullptr;
  }
  out["events"] = EventsJson(r.events);
  json series = json::array();
  for (const MinutePoint& p : r.series) {
    json point{{"minute", FormatUnixMillis(p.unix_minute * 60000)}};
    AddCounters(p.totals, &point);
    point["latency_old_p50_ns"] = Nanos(p.latency_old.p50_ns);
    point["latency_old_p99_ns"] = Nanos(p.latency_old.p99_ns);
    point["latency_new_p50_ns"] = Nanos(p.latency_new.p50_ns);
    point["latency_new_p99_ns"] = Nanos(p.latency_new.p99_ns);
    series.push_back(std::move(point));
  }
  out["series"] = std::move(series);
  return out;
}

}  // namespace cutover::report
