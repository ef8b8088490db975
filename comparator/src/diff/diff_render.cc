#include "cutover/diff_render.h"

#include <cmath>
#include <utility>

#include "cutover/internal/strings.h"

namespace cutover::comparator {
namespace {

using Json = nlohmann::ordered_json;

// Long values are cut in the text rendering only; JSON keeps them whole.
constexpr std::size_t kMaxTextValue = 120;

Json Named(const std::vector<std::string>& names,
           const std::vector<Value>& values) {
  Json out = Json::object();
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out[names[i]] = ValueToJson(values[i]);
  }
  return out;
}

Json EntryToJson(const Diff& diff, const RowEntry& e) {
  Json out = Json::object();
  if (diff.mode == CompareMode::kByKey) {
    out["key"] = Named(diff.key_columns, e.key);
  } else {
    out["index"] = e.index;
  }
  if (diff.mode == CompareMode::kMultiset) out["count"] = e.count;
  out["row"] = Named(diff.columns, e.values);
  return out;
}

Json ChangedToJson(const Diff& diff, const ChangedRow& row) {
  Json out = Json::object();
  if (diff.mode == CompareMode::kByKey) {
    out["key"] = Named(diff.key_columns, row.key);
  } else {
    out["index"] = row.old_index;
  }
  Json cells = Json::array();
  for (const CellChange& c : row.cells) {
    Json cell = {{"column", c.column},
                 {"old", ValueToJson(c.old_value)},
                 {"new", ValueToJson(c.new_value)}};
    // Shown only when it explains the difference: '1' vs 1 look alike.
    if (c.old_value.kind() != c.new_value.kind() && !c.old_value.is_null() &&
        !c.new_value.is_null()) {
      cell["old_type"] = std::string(ValueKindName(c.old_value.kind()));
      cell["new_type"] = std::string(ValueKindName(c.new_value.kind()));
    }
    cells.push_back(std::move(cell));
  }
  out["cells"] = std::move(cells);
  return out;
}

std::string TextValue(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      return "NULL";
    case ValueKind::kBool:
      return v.bool_value() ? "true" : "false";
    case ValueKind::kInt:
    case ValueKind::kDouble:
    case ValueKind::kNumeric:
      return v.ToString();
    default:
      break;
  }
  std::string s = v.ToString();
  if (s.size() > kMaxTextValue) {
    s.resize(kMaxTextValue);
    s.append("...");
  }
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') out.push_back('\'');  // SQL-style quoting
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string Assignments(const std::vector<std::string>& names,
                        const std::vector<Value>& values) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append(StrCat(names[i], "=", TextValue(values[i])));
  }
  return out;
}

void AppendEntries(const Diff& diff, const std::vector<RowEntry>& entries,
                   std::string* out) {
  for (const RowEntry& e : entries) {
    out->append("  ");
    if (diff.mode == CompareMode::kByKey) {
      out->append(Assignments(diff.key_columns, e.key));
    } else {
      out->append(StrCat("row ", e.index));
    }
    out->append(StrCat(": {", Assignments(diff.columns, e.values), "}"));
    if (e.count > 1) out->append(StrCat(" x", e.count));
    out->push_back('\n');
  }
}

std::string Plural(std::size_t n, std::string_view word) {
  return StrCat(n, " ", word, n == 1 ? "" : "s");
}

}  // namespace

Json ValueToJson(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      return nullptr;
    case ValueKind::kBool:
      return v.bool_value();
    case ValueKind::kInt:
      return v.int_value();
    case ValueKind::kDouble:
      if (!std::isfinite(v.double_value())) return v.ToString();
      return v.double_value();
    default:
      return v.ToString();
  }
}

Json DiffToJson(const Diff& diff) {
  Json out = Json::object();
  out["mode"] = std::string(CompareModeName(diff.mode));
  out["equal"] = diff.equal();
  out["columns"] = diff.columns;
  if (diff.mode == CompareMode::kByKey) out["key_columns"] = diff.key_columns;
  out["rows"] = {{"old", diff.old_row_count}, {"new", diff.new_row_count}};
  out["counts"] = {{"missing_rows", diff.missing_row_count},
                   {"extra_rows", diff.extra_row_count},
                   {"changed_rows", diff.changed_row_count},
                   {"changed_cells", diff.changed_cell_count}};
  Json by_column = Json::object();
  for (const auto& [column, n] : diff.changed_cells_by_column) {
    by_column[column] = n;
  }
  out["changed_cells_by_column"] = std::move(by_column);
  out["max_listed"] = diff.max_listed;
  out["truncated"] = diff.truncated();
  Json missing = Json::array(), extra = Json::array(), changed = Json::array();
  for (const RowEntry& e : diff.missing)
    missing.push_back(EntryToJson(diff, e));
  for (const RowEntry& e : diff.extra) extra.push_back(EntryToJson(diff, e));
  for (const ChangedRow& c : diff.changed) {
    changed.push_back(ChangedToJson(diff, c));
  }
  out["missing"] = std::move(missing);
  out["extra"] = std::move(extra);
  out["changed"] = std::move(changed);
  return out;
}

std::string RenderDiffJson(const Diff& diff) {
  return DiffToJson(diff).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string RenderDiffText(const Diff& diff) {
  std::string out = StrCat(CompareModeName(diff.mode), " comparison");
  if (diff.mode == CompareMode::kByKey) {
    std::string keys;
    for (const std::string& k : diff.key_columns) {
      keys.append(keys.empty() ? "" : ", ").append(k);
    }
    out.append(StrCat(" on ", keys));
  }
  out.append(StrCat(": ", diff.equal() ? "EQUAL" : "DIFFERENT", " (old ",
                    Plural(diff.old_row_count, "row"), ", new ",
                    Plural(diff.new_row_count, "row"), ")\n"));
  if (diff.equal()) return out;
  if (diff.missing_row_count > 0) {
    out.append(
        StrCat("missing (in old, not in new): ", diff.missing_row_count, "\n"));
    AppendEntries(diff, diff.missing, &out);
  }
  if (diff.extra_row_count > 0) {
    out.append(
        StrCat("extra (in new, not in old): ", diff.extra_row_count, "\n"));
    AppendEntries(diff, diff.extra, &out);
  }
  if (diff.changed_row_count > 0) {
    std::string per_column;
    for (const auto& [column, n] : diff.changed_cells_by_column) {
      per_column.append(per_column.empty() ? "" : ", ");
      per_column.append(StrCat(column, ": ", n));
    }
    out.append(StrCat("changed: ", Plural(diff.changed_row_count, "row"), ", ",
                      Plural(diff.changed_cell_count, "cell"), " (", per_column,
                      ")\n"));
    for (const ChangedRow& row : diff.changed) {
      out.append("  ");
      out.append(diff.mode == CompareMode::kByKey
                     ? Assignments(diff.key_columns, row.key)
                     : StrCat("row ", row.old_index));
      out.append(":");
      for (std::size_t i = 0; i < row.cells.size(); ++i) {
        const CellChange& c = row.cells[i];
        out.append(StrCat(i == 0 ? " " : "; ", c.column, " ",
                          TextValue(c.old_value), " -> ",
                          TextValue(c.new_value)));
        if (c.old_value.kind() != c.new_value.kind() &&
            !c.old_value.is_null() && !c.new_value.is_null()) {
          out.append(StrCat(" (", ValueKindName(c.old_value.kind()), " -> ",
                            ValueKindName(c.new_value.kind()), ")"));
        }
      }
      out.push_back('\n');
    }
  }
  if (diff.truncated()) {
    out.append(StrCat("(lists cut at ", diff.max_listed,
                      " entries each; the counts above are exact)\n"));
  }
  return out;
}

}  // namespace cutover::comparator
