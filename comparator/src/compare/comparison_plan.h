// Internal: CompareOptions resolved against two concrete row sets, and the
// per-side machinery that produces normalized values without allocating.
//
// Thread-safety: a ComparisonPlan is immutable once made. A SideNormalizer
// owns scratch buffers and belongs to one thread (one compare call).
#ifndef CUTOVER_COMPARATOR_SRC_COMPARISON_PLAN_H_
#define CUTOVER_COMPARATOR_SRC_COMPARISON_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cutover/column_mapping.h"
#include "cutover/compare_options.h"
#include "cutover/normalizer.h"
#include "cutover/row_set.h"
#include "cutover/value.h"

namespace cutover::comparator::internal {

struct PlannedColumn {
  BoundColumn bound;
  // Canonicalizers in application order; they point into the options the
  // plan was made from, which outlive it.
  std::vector<const Normalizer*> steps;
  const Normalizer* tolerance = nullptr;  // never set on key columns
  bool is_key = false;
};

class ComparisonPlan {
 public:
  // InvalidArgument when the mapping does not fit the two results, a key or
  // per-column normalizer names no compared column, or a key column has a
  // per-column tolerance.
  static absl::StatusOr<ComparisonPlan> Make(const CompareOptions& options,
                                             const RowSet& old_rows,
                                             const RowSet& new_rows);

  const std::vector<PlannedColumn>& columns() const { return columns_; }
  // Positions into columns(): key columns (kByKey), the columns compared
  // exactly other than keys, and those compared with a tolerance.
  const std::vector<std::size_t>& keys() const { return keys_; }
  const std::vector<std::size_t>& exact() const { return exact_; }
  const std::vector<std::size_t>& tolerant() const { return tolerant_; }
  std::size_t scratch_slots() const { return scratch_slots_; }
  std::size_t scratch_offset(std::size_t column) const {
    return scratch_offsets_[column];
  }

 private:
  std::vector<PlannedColumn> columns_;
  std::vector<std::size_t> keys_;
  std::vector<std::size_t> exact_;
  std::vector<std::size_t> tolerant_;
  std::vector<std::size_t> scratch_offsets_;
  std::size_t scratch_slots_ = 0;
};

enum class Side { kOld, kNew };

// Produces normalized values of one side's rows.
class SideNormalizer {
 public:
  SideNormalizer(const ComparisonPlan& plan, Side side);

  // Compared column `c` of `row`, normalized. Valid until the next Get for
  // the same column.
  const Value& Get(absl::Span<const Value> row, std::size_t c);
  // The value as the database returned it (computed, for a derived old-side
  // column).
  Value Raw(absl::Span<const Value> row, std::size_t c) const;

  // Folds the normalized values of `columns` into `seed`.
  std::uint64_t Hash(absl::Span<const Value> row,
                     const std::vector<std::size_t>& columns,
                     std::uint64_t seed);

 private:
  const ComparisonPlan& plan_;
  Side side_;
  std::vector<Value> derived_;  // one per compared column
  std::vector<Value> scratch_;  // one per normalizer step
};

}  // namespace cutover::comparator::internal

#endif  // CUTOVER_COMPARATOR_SRC_COMPARISON_PLAN_H_
