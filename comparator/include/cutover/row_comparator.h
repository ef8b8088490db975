// Compares two row sets and explains the difference.
//
//   CompareOptions options;
//   options.mode = CompareMode::kByKey;
//   options.key_columns = {"id"};
//   options.mapping.Derive("name", {"first_name", "last_name"}, ConcatText("
//   ")); options.normalizers.ForAll(Normalizer::Trim());
//   absl::StatusOr<RowComparator> cmp = RowComparator::Create(options);
//   absl::StatusOr<Diff> diff = cmp->Compare(old_rows, new_rows);
//   if (diff.ok() && !diff->equal()) log(RenderDiffText(*diff));
//
// How it decides (see compare_options.h for the modes):
//  1. Fast path. Every row is normalized and hashed (64-bit, per process).
//     When no column has a tolerance, the row hashes are compared (position
//     by position for kOrdered, as an order-free sum for kByKey and
//     kMultiset); equal hashes mean equal results and nothing else is built.
//     Normalizing reuses scratch buffers: a compare makes a constant number
//     of allocations, not one per row.
//     Accepting equal 64-bit digests is a deliberate trade: a false "equal"
//     needs a hash collision, about 2^-64 per comparison.
//  2. Pairing, only when the digests differ (or tolerances are in play).
//     kOrdered pairs by position. kByKey and kMultiset first pair identical
//     rows (equal row hashes, tolerance columns within bounds); kByKey then
//     pairs what is left by key (a hash index on the normalized key,
//     verified value by value). Paired rows that are not identical are
//     compared cell by cell on normalized values. Costs O(n log n), also
//     when a key repeats many times.
//  3. The diff: exact counts of missing, extra and changed rows and changed
//     cells per column; the first max_listed of each listed with raw values.
//
// In kByKey mode with a key repeated on one side, rows of that key are first
// matched to identical rows of the other side, then paired in order of
// appearance. Key columns are normalized with the canonicalizing normalizers
// and compared exactly (a tolerance never applies to a key).
//
// Thread-safety: immutable after Create; Compare may be called from any
// number of threads at once.
#ifndef CUTOVER_ROW_COMPARATOR_H_
#define CUTOVER_ROW_COMPARATOR_H_

#include "absl/status/statusor.h"
#include "cutover/compare_options.h"
#include "cutover/diff.h"
#include "cutover/row_set.h"

namespace cutover::comparator {

class RowComparator {
 public:
  // Checks what can be checked without data. InvalidArgument when: kByKey has
  // no key columns or another mode has some; a key column is named twice; a
  // tolerance bound is negative or not finite; a custom normalizer has no
  // function.
  static absl::StatusOr<RowComparator> Create(CompareOptions options);

  // Compares `old_rows` with `new_rows` (the names matter: the column mapping
  // goes from old to new, and "missing" means "in old, not in new").
  // InvalidArgument, with nothing compared, when the options do not fit these
  // results (see ColumnMapping::Bind; unknown key or normalizer columns).
  absl::StatusOr<Diff> Compare(const RowSet& old_rows,
                               const RowSet& new_rows) const;

  const CompareOptions& options() const { return options_; }

 private:
  explicit RowComparator(CompareOptions options)
      : options_(std::move(options)) {}

  CompareOptions options_;
};

}  // namespace cutover::comparator

#endif  // CUTOVER_ROW_COMPARATOR_H_
