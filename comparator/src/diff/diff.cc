#include "cutover/diff.h"

namespace cutover::comparator {
namespace {

std::size_t ListedRows(const std::vector<RowEntry>& entries) {
  std::size_t n = 0;
  for (const RowEntry& e : entries) n += e.count;
  return n;
}

}  // namespace

bool Diff::truncated() const {
  return ListedRows(missing) < missing_row_count ||
         ListedRows(extra) < extra_row_count ||
         changed.size() < changed_row_count;
}

}  // namespace cutover::comparator
