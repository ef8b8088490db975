// The result of comparing two row sets: exact counts of what differs, and the
// first few examples of each kind.
//
// "Old" is the first argument of the comparison, "new" the second (in an
// experiment: whichever side the mapping calls old; see experiment_compare.h).
//   missing  rows in old that new does not have
//   extra    rows in new that old does not have
//   changed  rows present on both sides (same key, or same position when
//            ordered) with at least one differing cell; each lists every
//            differing cell with its old and new value
// Values in a diff are as the databases returned them (derived columns as
// computed), not normalized: the reader sees the real data, while the
// decision "different" was taken on normalized values.
//
// Thread-safety: a value type.
#ifndef CUTOVER_DIFF_H_
#define CUTOVER_DIFF_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "cutover/compare_options.h"
#include "cutover/value.h"

namespace cutover::comparator {

// A row only one side has.
struct RowEntry {
  // Position of the row in its own input, 0-based. kMultiset: of the first
  // surplus copy (identical rows are matched in input order, so the surplus
  // copies are the last ones).
  std::size_t index = 0;
  // kMultiset: how many surplus copies of this row the side has; else 1.
  std::size_t count = 1;
  // kByKey: the key values, aligned with Diff::key_columns.
  std::vector<Value> key;
  // The row, aligned with Diff::columns.
  std::vector<Value> values;
};

struct CellChange {
  std::string column;
  Value old_value;
  Value new_value;
};

// A row both sides have, with differing cells.
struct ChangedRow {
  std::size_t old_index = 0;
  std::size_t new_index = 0;
  // kByKey: the key values, aligned with Diff::key_columns.
  std::vector<Value> key;
  std::vector<CellChange> cells;
};

struct Diff {
  CompareMode mode = CompareMode::kOrdered;
  // The compared columns (new-side names) and, for kByKey, the key columns.
  std::vector<std::string> columns;
  std::vector<std::string> key_columns;

  // Exact totals.
  std::size_t old_row_count = 0;
  std::size_t new_row_count = 0;
  std::size_t missing_row_count = 0;  // kMultiset: counting duplicates
  std::size_t extra_row_count = 0;
  std::size_t changed_row_count = 0;
  std::size_t changed_cell_count = 0;
  std::map<std::string, std::size_t> changed_cells_by_column;

  // The first max_listed entries of each kind, in input order.
  std::size_t max_listed = 20;
  std::vector<RowEntry> missing;
  std::vector<RowEntry> extra;
  std::vector<ChangedRow> changed;

  bool equal() const {
    return missing_row_count == 0 && extra_row_count == 0 &&
           changed_row_count == 0;
  }
  // Whether some differences are counted but not listed.
  bool truncated() const;
};

}  // namespace cutover::comparator

#endif  // CUTOVER_DIFF_H_
