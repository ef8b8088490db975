#include "cutover/event_summary.h"

#include <algorithm>
#include <vector>

#include "cutover/internal/strings.h"
#include "nlohmann/json.hpp"

namespace cutover::report {
namespace {

// ordered_json keeps a row's columns in the order the comparator wrote them.
using Json = nlohmann::ordered_json;

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string Cut(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return StrCat(text.substr(0, end), "...");
}

// A non-negative integer, else 0 (a malformed count never fails a report).
std::uint64_t CountValue(const Json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() > 0) {
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  }
  return 0;
}

std::uint64_t Count(const Json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it == object.end() ? 0 : CountValue(*it);
}

std::string Text(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

SampleCell CellOf(const std::string& column, const Json& value,
                  std::size_t max) {
  SampleCell cell;
  cell.column = column;
  if (value.is_null()) {
    cell.value = "NULL";
    cell.is_null = true;
  } else if (value.is_string()) {
    cell.value = Cut(value.get<std::string>(), max);
    cell.is_string = true;
  } else {
    cell.value = Cut(value.dump(), max);
  }
  return cell;
}

std::vector<SampleCell> CellsOf(const Json& object, std::size_t max) {
  std::vector<SampleCell> cells;
  if (!object.is_object()) return cells;
  for (auto it = object.begin(); it != object.end(); ++it) {
    cells.push_back(CellOf(it.key(), it.value(), max));
  }
  return cells;
}

// "row 3" (ordered / multiset diffs, which have no key), "row 3 (x2)".
std::string PositionOf(const Json& entry, const char* index_key) {
  if (!entry.is_object() || !entry.contains(index_key)) return "";
  std::string position = StrCat("row ", Count(entry, index_key));
  const std::uint64_t copies = Count(entry, "count");
  if (copies > 1) position += StrCat(" (x", copies, ")");
  return position;
}

// The observation's outcome as text for a reader.
std::string ObservationText(const Json& obs, std::size_t max) {
  if (!obs.is_object()) return "";
  auto error = obs.find("error");
  if (error != obs.end() && error->is_object()) {
    return Cut(
        StrCat("raised ", Text(*error, "type"), ": ", Text(*error, "message")),
        max);
  }
  auto value = obs.find("value");
  if (value != obs.end() && value->is_string()) {
    return Cut(value->get<std::string>(), max);
  }
  auto ran = obs.find("ran");
  if (ran != obs.end() && ran->is_boolean() && !ran->get<bool>()) {
    return "(did not run)";
  }
  return "(no value: did not finish)";
}

void AddRows(const Json& list, const char* kind, std::size_t max_rows,
             std::size_t max_text, std::vector<SampleRow>* rows) {
  if (!list.is_array()) return;
  for (const Json& entry : list) {
    if (rows->size() >= max_rows) return;
    SampleRow row;
    row.kind = kind;
    row.key = CellsOf(entry.value("key", Json::object()), max_text);
    const bool changed = row.kind == "changed";
    if (row.key.empty()) row.position = PositionOf(entry, "index");
    if (changed) {
      const Json cells = entry.value("cells", Json::array());
      if (!cells.is_array()) continue;
      for (const Json& c : cells) {
        SampleCellChange change;
        change.column = Text(c, "column");
        change.old_cell =
            CellOf(change.column, c.value("old", Json()), max_text);
        change.new_cell =
            CellOf(change.column, c.value("new", Json()), max_text);
        row.cells.push_back(std::move(change));
      }
    } else {
      row.row = CellsOf(entry.value("row", Json::object()), max_text);
    }
    rows->push_back(std::move(row));
  }
}

}  // namespace

EventSummarizer::EventSummarizer(EventSummaryOptions options,
                                 std::int64_t from_ms, std::int64_t to_ms)
    : options_(options), from_ms_(from_ms), to_ms_(to_ms) {}

void EventSummarizer::CountKind(const std::string& kind, std::uint64_t items) {
  KindCount& k = kinds_[kind];
  k.kind = kind;
  ++k.events;
  k.items += items;
}

bool EventSummarizer::Add(std::string_view outcome,
                          std::string_view result_json,
                          std::int64_t fallback_at_ms) {
  Json result = Json::parse(result_json.begin(), result_json.end(), nullptr,
                            /*allow_exceptions=*/false);
  const bool parsed = !result.is_discarded() && result.is_object();
  if (!parsed) result = Json::object();
  std::int64_t at_ms = fallback_at_ms;
  auto at = result.find("at_ms");
  if (at != result.end() && at->is_number_integer()) {
    at_ms = at->get<std::int64_t>();
  }
  if (at_ms < from_ms_ || at_ms > to_ms_) return false;
  ++summary_.events_read;
  if (!parsed) ++summary_.unparsable;
  const Json control = result.value("control", Json::object());
  const Json candidate = result.value("candidate", Json::object());
  const Json diff = result.value("diff", Json());
  const bool has_diff = diff.is_object();

  if (outcome == "mismatch") {
    const Json counts =
        has_diff ? diff.value("counts", Json::object()) : Json::object();
    const std::uint64_t missing = Count(counts, "missing_rows");
    const std::uint64_t extra = Count(counts, "extra_rows");
    const std::uint64_t cells = Count(counts, "changed_cells");
    if (missing > 0) CountKind("missing rows", missing);
    if (extra > 0) CountKind("extra rows", extra);
    if (cells > 0) CountKind("changed cells", cells);
    if (missing + extra + cells == 0) CountKind("value differs", 1);
    if (has_diff) {
      const Json by_column =
          diff.value("changed_cells_by_column", Json::object());
      if (by_column.is_object()) {
        for (auto it = by_column.begin(); it != by_column.end(); ++it) {
          ColumnCount& c = columns_[it.key()];
          c.column = it.key();
          c.changed_cells += CountValue(it.value());
          ++c.events;
        }
      }
    }
  } else if (outcome == "candidate_error" || outcome == "control_error") {
    const Json& obs = outcome == "candidate_error" ? candidate : control;
    const std::string type = Text(obs.value("error", Json::object()), "type");
    CountKind(StrCat(outcome == "candidate_error" ? "candidate error"
                                                  : "control error",
                     type.empty() ? "" : ": ", type),
              1);
  } else if (outcome == "timeout") {
    CountKind("timeout", 1);
  } else {
    CountKind(StrCat("other: ", outcome), 1);
  }

  if (summary_.samples.size() >= options_.max_samples) return true;
  SampleEvent s;
  s.at_ms = at_ms;
  s.outcome = std::string(outcome);
  s.stage = Text(result, "stage");
  s.user = Text(result, "user");
  s.experiment = Text(result, "experiment");
  s.control_side = Text(result, "control_side");
  const bool control_is_new = s.control_side == "new";
  s.old_text = ObservationText(control_is_new ? candidate : control,
                               options_.max_text_bytes);
  s.new_text = ObservationText(control_is_new ? control : candidate,
                               options_.max_text_bytes);
  s.has_diff = has_diff;
  if (has_diff) {
    const Json counts = diff.value("counts", Json::object());
    s.diff_mode = Text(diff, "mode");
    s.missing_rows = Count(counts, "missing_rows");
    s.extra_rows = Count(counts, "extra_rows");
    s.changed_rows = Count(counts, "changed_rows");
    s.changed_cells = Count(counts, "changed_cells");
    AddRows(diff.value("changed", Json::array()), "changed",
            options_.max_rows_per_sample, options_.max_text_bytes, &s.rows);
    AddRows(diff.value("missing", Json::array()), "missing",
            options_.max_rows_per_sample, options_.max_text_bytes, &s.rows);
    AddRows(diff.value("extra", Json::array()), "extra",
            options_.max_rows_per_sample, options_.max_text_bytes, &s.rows);
    s.diff_truncated =
        s.rows.size() < s.missing_rows + s.extra_rows + s.changed_rows;
  }
  summary_.samples.push_back(std::move(s));
  return true;
}

EventSummary EventSummarizer::Finish() const {
  EventSummary out = summary_;
  for (const auto& [name, k] : kinds_) out.kinds.push_back(k);
  std::sort(out.kinds.begin(), out.kinds.end(),
            [](const KindCount& a, const KindCount& b) {
              if (a.events != b.events) return a.events > b.events;
              return a.kind < b.kind;
            });
  for (const auto& [name, c] : columns_) out.columns.push_back(c);
  std::sort(out.columns.begin(), out.columns.end(),
            [](const ColumnCount& a, const ColumnCount& b) {
              if (a.changed_cells != b.changed_cells) {
                return a.changed_cells > b.changed_cells;
              }
              return a.column < b.column;
            });
  if (out.columns.size() > options_.max_columns) {
    out.columns.resize(options_.max_columns);
  }
  return out;
}

}  // namespace cutover::report
