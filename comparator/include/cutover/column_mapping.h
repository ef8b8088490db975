// How the columns of the old result line up with the columns of the new one.
//
// With no mapping, columns are matched by name. During a migration the shapes
// drift apart, so a mapping says what changed:
//
//   ColumnMapping m;
//   m.Rename("email", "email_address")          // same data, new name
//    .Drop("legacy_flags")                      // old column with no successor
//    .Derive("name", {"first_name", "last_name"},
//            ConcatText(" "))                    // new = f(old columns)
//    .Ignore("updated_at");                      // never compared, either side
//
// The compared columns are the new result's columns in its order (minus the
// ignored ones); each has an old-side source: the same name, a Rename, or a
// Derive. Old columns must all be accounted for: matched, renamed, dropped,
// ignored, or used as a Derive input. Anything left over is an error that
// names the column and the fix, because a silently skipped column is a
// silently skipped difference.
//
// Everything else that names a column (key columns, per-column normalizers)
// uses the compared name, i.e. the new-side name.
//
// Thread-safety: a value type; build it, then share it read-only (derive
// functions are called concurrently from concurrent compares and must be
// thread-safe).
#ifndef CUTOVER_COLUMN_MAPPING_H_
#define CUTOVER_COLUMN_MAPPING_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cutover/row_set.h"
#include "cutover/value.h"

namespace cutover::comparator {

// The old-side inputs of one Derive, in the order they were named, for one
// row.
class DeriveInputs {
 public:
  DeriveInputs(absl::Span<const Value> old_row,
               const std::vector<std::size_t>* indices)
      : row_(old_row), indices_(indices) {}
  std::size_t size() const { return indices_->size(); }
  const Value& operator[](std::size_t i) const { return row_[(*indices_)[i]]; }

 private:
  absl::Span<const Value> row_;
  const std::vector<std::size_t>* indices_;
};

// Computes a new-side value from old-side values. Must be thread-safe and
// must not throw.
using DeriveFunction = std::function<Value(const DeriveInputs&)>;

// Joins the inputs' text with `separator` like concat_ws: NULL inputs are
// skipped, all-NULL gives NULL. Non-text inputs contribute their text form.
DeriveFunction ConcatText(std::string separator);

// One compared column, resolved against two concrete results.
struct BoundColumn {
  std::string name;      // the new-side name; what diffs and options call it
  std::string old_name;  // the old-side source ("" when derived)
  std::size_t new_index = 0;
  // Direct source: old_index is set. Derived: derive is set and reads the
  // old columns at derive_inputs.
  std::size_t old_index = 0;
  std::shared_ptr<const DeriveFunction> derive;
  std::vector<std::size_t> derive_inputs;

  bool derived() const { return derive != nullptr; }
  // The old-side value of this column in `old_row` (computed for a derived
  // column, hence by value).
  Value OldValue(absl::Span<const Value> old_row) const {
    if (derive == nullptr) return old_row[old_index];
    return (*derive)(DeriveInputs(old_row, &derive_inputs));
  }
};

class ColumnMapping {
 public:
  // Each builder returns *this for chaining. Conflicts (the same column
  // renamed twice, derived and renamed, ...) are reported by Bind.
  ColumnMapping& Rename(std::string old_name, std::string new_name);
  ColumnMapping& Drop(std::string old_name);
  ColumnMapping& Derive(std::string new_name,
                        std::vector<std::string> old_columns,
                        DeriveFunction fn);
  ColumnMapping& Ignore(std::string name);

  // Resolves the mapping against the two results' columns, returning the
  // compared columns in new-side order. InvalidArgument, naming the column
  // and what to do, when: a result repeats a column name; a Rename/Drop/
  // Derive names a column its side does not have; Ignore names a column
  // neither side has; a column of either side is left unaccounted for; a
  // column is mapped twice.
  absl::StatusOr<std::vector<BoundColumn>> Bind(
      const std::vector<Column>& old_columns,
      const std::vector<Column>& new_columns) const;

  // Whether `name` is ignored (by old or new name).
  bool IsIgnored(std::string_view name) const;

 private:
  struct Renamed {
    std::string old_name;
    std::string new_name;
  };
  struct Derived {
    std::string new_name;
    std::vector<std::string> old_columns;
    // Shared with the BoundColumns, which may outlive the mapping.
    std::shared_ptr<const DeriveFunction> fn;
  };

  std::vector<Renamed> renames_;
  std::vector<std::string> drops_;
  std::vector<Derived> derives_;
  std::vector<std::string> ignores_;
};

}  // namespace cutover::comparator

#endif  // CUTOVER_COLUMN_MAPPING_H_
