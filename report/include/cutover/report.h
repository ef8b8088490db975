// The mismatch report of one migration flag (`cutover report`): what the
// shadow reads found, how fast each side was, what is left to reconcile, the
// last verification and the flag's stages — the evidence a reviewer needs
// before the contract step. ReportReader fills it from Redis; the renderers
// (report_render_text.h, report_render_json.h, report_render_html.h) print it;
// Facts() hands the readiness verdict its inputs.
//
// Thread-safety: value types.
#ifndef CUTOVER_REPORT_H_
#define CUTOVER_REPORT_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cutover/flag.h"
#include "cutover/minute_counters.h"
#include "cutover/readiness.h"
#include "cutover/stats_schema.h"

namespace cutover::report {

// p50 and p99 of one side's read, estimated from histogram buckets.
struct LatencySummary {
  std::uint64_t samples = 0;
  std::optional<std::int64_t> p50_ns;
  std::optional<std::int64_t> p99_ns;

  static LatencySummary Of(const LatencyHistogram& histogram);
};

// Counters as plain numbers with the derived rate.
struct CounterTotals {
  std::array<std::uint64_t, kStatsCounterCount> counters{};

  std::uint64_t get(StatsCounter c) const {
    return counters[static_cast<int>(c)];
  }
  // mismatches / comparisons; 0 when nothing was compared.
  double mismatch_rate() const;
  static CounterTotals Of(const MinuteCounters& minute);
};

// One minute with data.
struct MinutePoint {
  std::int64_t unix_minute = 0;
  CounterTotals totals;
  LatencySummary latency_old;
  LatencySummary latency_new;
};

// How often a kind of difference occurred among the events read: "changed
// cells", "missing rows", "extra rows", "value differs" (a mismatch without a
// structured diff), "candidate error: <type>", "control error: <type>",
// "timeout".
struct KindCount {
  std::string kind;
  std::uint64_t events = 0;  // events showing this kind
  std::uint64_t items = 0;   // rows or cells (= events for the others)
};

struct ColumnCount {
  std::string column;
  std::uint64_t changed_cells = 0;
  std::uint64_t events = 0;
};

// One named value of a diff row. `value` is display text: the string itself
// for a JSON string, the JSON literal for a number or boolean, "NULL" for
// null.
struct SampleCell {
  std::string column;
  std::string value;
  bool is_null = false;
  bool is_string = false;  // quote it when printing
};

// A changed cell of a row present on both sides.
struct SampleCellChange {
  std::string column;
  SampleCell old_cell;
  SampleCell new_cell;
};

// A row only one side has ("missing": old only, "extra": new only), or a row
// both have with differing cells ("changed").
struct SampleRow {
  std::string kind;                     // "missing", "extra" or "changed"
  std::vector<SampleCell> key;          // key columns (by_key mode), else empty
  std::string position;                 // "row 3" when there is no key
  std::vector<SampleCell> row;          // missing / extra: the whole row
  std::vector<SampleCellChange> cells;  // changed: every differing cell
};

// One recent mismatch, error or timeout, ready to render.
struct SampleEvent {
  std::int64_t at_ms = 0;
  std::string outcome;  // "mismatch", "candidate_error", "control_error",
                        // "timeout"
  std::string stage;
  std::string user;
  std::string experiment;
  std::string control_side;  // "old" or "new"
  // The two observations as text: the cleaned value, or "raised Type:
  // message", or "did not finish"; cut to a readable length.
  std::string old_text;
  std::string new_text;
  // The comparator's structured diff, when the compare supplied one.
  bool has_diff = false;
  std::string diff_mode;
  std::uint64_t missing_rows = 0;
  std::uint64_t extra_rows = 0;
  std::uint64_t changed_rows = 0;
  std::uint64_t changed_cells = 0;
  bool diff_truncated = false;  // `rows` shows fewer rows than counted
  std::vector<SampleRow> rows;  // capped
};

// What the event stream says about the window.
struct EventSummary {
  std::uint64_t events_read = 0;  // events in the window that were read
  // True when the reader stopped at its limit before the window's start: the
  // kinds and columns then describe the newest `events_read` events only.
  bool limited = false;
  std::uint64_t unparsable = 0;      // entries whose result JSON was unreadable
  std::vector<KindCount> kinds;      // most events first
  std::vector<ColumnCount> columns;  // most changed cells first, capped
  std::vector<SampleEvent> samples;  // newest first, capped
};

struct ReconcileSummary {
  std::uint64_t entries = 0;
  std::optional<std::int64_t> oldest_at_ms;
  std::string oldest_key;    // the entity key of the oldest entry
  std::string oldest_error;  // why its write failed
};

// The flag's recent history, from the audit stream.
struct ChangeSummary {
  std::optional<std::int64_t> last_change_ms;
  std::string last_change_action;
  std::string last_change_actor;
  // The newest change that moved users between stages (default stage, rules
  // or kill switch).
  std::optional<std::int64_t> last_stage_change_ms;
  std::string last_stage_change_action;
  std::string last_stage_change_actor;
};

struct MigrationReport {
  std::string flag_name;
  Flag flag;
  std::string key_prefix;

  // [window_start_ms, now_ms]: `window` before the report's time. Counters
  // are per whole minute: every minute from the one holding window_start_ms
  // to the one holding now_ms is included.
  std::int64_t now_ms = 0;
  std::chrono::seconds window{0};
  std::int64_t window_start_ms = 0;

  CounterTotals totals;  // over the window
  LatencySummary latency_old;
  LatencySummary latency_new;
  std::vector<MinutePoint> series;  // minutes with data, oldest first
  std::optional<std::int64_t> first_comparison_ms;

  ChangeSummary changes;
  // Counters from the minute of the last change on (that minute included),
  // which may start before the window.
  CounterTotals since_last_change;

  EventSummary events;
  ReconcileSummary reconcile;
  std::optional<VerificationFacts> verification;

  // The inputs of the readiness verdict.
  ReadinessFacts Facts() const;
};

}  // namespace cutover::report

#endif  // CUTOVER_REPORT_H_
