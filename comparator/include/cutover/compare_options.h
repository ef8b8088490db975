// What a row-set comparison does: how rows are paired, how columns line up,
// what noise to ignore, and how much of a diff to list.
//
// Choosing a mode:
//   kOrdered   row i of the old result is compared with row i of the new one.
//              For queries with a total ORDER BY, where order is part of the
//              answer (a paginated list). A row moved up by one shows as a
//              change in every later row.
//   kByKey     rows are paired by the key columns (one or more); unpaired rows
//              are missing (old only) or extra (new only), paired rows are
//              compared cell by cell. For results with a primary key. Order
//              does not matter. When a key repeats, its rows first pair with
//              identical rows of the other side, the rest in order of
//              appearance.
//   kMultiset  the results are bags of rows: order does not matter, duplicates
//              count (three copies vs two copies is one missing row). For join
//              tables and anything without a key. There are no "changed" rows
//              in this mode, only missing and extra ones.
//
// Thread-safety: a value type.
#ifndef CUTOVER_COMPARE_OPTIONS_H_
#define CUTOVER_COMPARE_OPTIONS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/column_mapping.h"
#include "cutover/normalizer_set.h"

namespace cutover::comparator {

enum class CompareMode { kOrdered, kByKey, kMultiset };

// "ordered", "by_key", "multiset".
std::string_view CompareModeName(CompareMode mode);

struct CompareOptions {
  CompareMode mode = CompareMode::kOrdered;
  // kByKey only: the compared (new-side) names of the key columns. Key values
  // are normalized like any other column before pairing.
  std::vector<std::string> key_columns;
  ColumnMapping mapping;
  NormalizerSet normalizers;
  // How many entries each list of a diff (missing, extra, changed) holds at
  // most; the counts are always exact.
  std::size_t max_listed = 20;
};

}  // namespace cutover::comparator

#endif  // CUTOVER_COMPARE_OPTIONS_H_
