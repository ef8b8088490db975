#include "cutover/column_mapping.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "cutover/internal/strings.h"

namespace cutover::comparator {
namespace {

std::optional<std::size_t> Find(const std::vector<Column>& columns,
                                std::string_view name) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

std::string Names(const std::vector<Column>& columns) {
  std::string out;
  for (const Column& c : columns) {
    if (!out.empty()) out.append(", ");
    out.append(c.name);
  }
  return out.empty() ? "(none)" : out;
}

absl::Status CheckUnique(const std::vector<Column>& columns,
                         std::string_view side) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    for (std::size_t j = i + 1; j < columns.size(); ++j) {
      if (columns[i].name == columns[j].name) {
        return absl::InvalidArgumentError(
            StrCat("column \"", columns[i].name, "\" appears twice in the ",
                   side, " result; alias one of them in the SELECT"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status NotIn(std::string_view what, std::string_view name,
                   std::string_view side, const std::vector<Column>& columns) {
  return absl::InvalidArgumentError(
      StrCat(what, ": column \"", name, "\" is not in the ", side,
             " result (its columns: ", Names(columns), ")"));
}

template <typename T, typename F>
bool AnyOf(const std::vector<T>& v, F f) {
  return std::any_of(v.begin(), v.end(), f);
}

}  // namespace

DeriveFunction ConcatText(std::string separator) {
  return [separator = std::move(separator)](const DeriveInputs& in) {
    std::string out;
    bool any = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const Value& v = in[i];
      if (v.is_null()) continue;
      if (any) out.append(separator);
      any = true;
      out.append(v.kind() == ValueKind::kText ? v.text() : v.ToString());
    }
    return any ? Value::Text(std::move(out)) : Value::Null();
  };
}

ColumnMapping& ColumnMapping::Rename(std::string old_name,
                                     std::string new_name) {
  renames_.push_back({std::move(old_name), std::move(new_name)});
  return *this;
}

ColumnMapping& ColumnMapping::Drop(std::string old_name) {
  drops_.push_back(std::move(old_name));
  return *this;
}

ColumnMapping& ColumnMapping::Derive(std::string new_name,
                                     std::vector<std::string> old_columns,
                                     DeriveFunction fn) {
  derives_.push_back({std::move(new_name), std::move(old_columns),
                      std::make_shared<const DeriveFunction>(std::move(fn))});
  return *this;
}

ColumnMapping& ColumnMapping::Ignore(std::string name) {
  ignores_.push_back(std::move(name));
  return *this;
}

bool ColumnMapping::IsIgnored(std::string_view name) const {
  return std::find(ignores_.begin(), ignores_.end(), name) != ignores_.end();
}

absl::StatusOr<std::vector<BoundColumn>> ColumnMapping::Bind(
    const std::vector<Column>& old_columns,
    const std::vector<Column>& new_columns) const {
  if (absl::Status s = CheckUnique(old_columns, "old"); !s.ok()) return s;
  if (absl::Status s = CheckUnique(new_columns, "new"); !s.ok()) return s;

  // Every named column must exist where the mapping says it is: a typo here
  // would otherwise turn into a confusing "only in the old result" later.
  for (const Renamed& r : renames_) {
    if (!Find(old_columns, r.old_name)) {
      return NotIn("Rename", r.old_name, "old", old_columns);
    }
    if (!Find(new_columns, r.new_name)) {
      return NotIn("Rename", r.new_name, "new", new_columns);
    }
  }
  for (const std::string& d : drops_) {
    if (!Find(old_columns, d)) return NotIn("Drop", d, "old", old_columns);
  }
  for (const Derived& d : derives_) {
    if (!Find(new_columns, d.new_name)) {
      return NotIn("Derive", d.new_name, "new", new_columns);
    }
    if (d.fn == nullptr || !*d.fn) {
      return absl::InvalidArgumentError(
          StrCat("Derive(\"", d.new_name, "\"): the function is empty"));
    }
    for (const std::string& in : d.old_columns) {
      if (!Find(old_columns, in))
        return NotIn("Derive", in, "old", old_columns);
    }
  }
  for (const std::string& name : ignores_) {
    if (!Find(old_columns, name) && !Find(new_columns, name)) {
      return absl::InvalidArgumentError(
          StrCat("Ignore: column \"", name, "\" is in neither result (old: ",
                 Names(old_columns), "; new: ", Names(new_columns), ")"));
    }
  }

  std::vector<BoundColumn> bound;
  std::vector<bool> old_used(old_columns.size(), false);
  for (std::size_t n = 0; n < new_columns.size(); ++n) {
    const std::string& name = new_columns[n].name;
    if (IsIgnored(name)) continue;
    int sources = 0;
    BoundColumn col;
    col.name = name;
    col.new_index = n;
    for (const Derived& d : derives_) {
      if (d.new_name != name) continue;
      ++sources;
      col.derive = d.fn;
      col.derive_inputs.clear();
      for (const std::string& in : d.old_columns) {
        const std::size_t i = *Find(old_columns, in);
        col.derive_inputs.push_back(i);
        old_used[i] = true;
      }
    }
    for (const Renamed& r : renames_) {
      if (r.new_name != name) continue;
      ++sources;
      col.old_name = r.old_name;
      col.old_index = *Find(old_columns, r.old_name);
    }
    if (sources == 0) {
      const std::optional<std::size_t> same = Find(old_columns, name);
      const bool moved_away =
          AnyOf(renames_, [&](const Renamed& r) { return r.old_name == name; });
      const bool dropped =
          std::find(drops_.begin(), drops_.end(), name) != drops_.end();
      if (!same || moved_away || dropped) {
        return absl::InvalidArgumentError(StrCat(
            "column \"", name,
            "\" is only in the new result: map it with Rename(old, \"", name,
            "\") or Derive(\"", name, "\", {old columns}, fn), or Ignore(\"",
            name, "\") (old columns: ", Names(old_columns), ")"));
      }
      col.old_name = name;
      col.old_index = *same;
      ++sources;
    }
    if (sources > 1) {
      return absl::InvalidArgumentError(
          StrCat("column \"", name,
                 "\" is mapped more than once (Rename and/or Derive); keep "
                 "one"));
    }
    if (!col.derived()) old_used[col.old_index] = true;
    bound.push_back(std::move(col));
  }

  for (std::size_t o = 0; o < old_columns.size(); ++o) {
    const std::string& name = old_columns[o].name;
    // A rename whose target is ignored accounts for its source too.
    const bool renamed =
        AnyOf(renames_, [&](const Renamed& r) { return r.old_name == name; });
    if (old_used[o] || renamed || IsIgnored(name) ||
        std::find(drops_.begin(), drops_.end(), name) != drops_.end()) {
      continue;
    }
    return absl::InvalidArgumentError(
        StrCat("column \"", name,
               "\" is only in the old result: map it with Rename(\"", name,
               "\", new), Drop(\"", name, "\") or Ignore(\"", name,
               "\") (new columns: ", Names(new_columns), ")"));
  }
  for (const Renamed& r : renames_) {
    const int times = static_cast<int>(std::count_if(
        renames_.begin(), renames_.end(),
        [&](const Renamed& x) { return x.old_name == r.old_name; }));
    if (times > 1) {
      return absl::InvalidArgumentError(
          StrCat("column \"", r.old_name, "\" is renamed more than once"));
    }
  }
  return bound;
}

}  // namespace cutover::comparator
