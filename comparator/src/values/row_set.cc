#include "cutover/row_set.h"

#include <iterator>
#include <utility>

#include "cutover/internal/strings.h"

namespace cutover::comparator {

std::optional<std::size_t> RowSet::ColumnIndex(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name == name) return i;
  }
  return std::nullopt;
}

absl::Status RowSet::AddRow(std::vector<Value> row) {
  if (row.size() != columns_.size()) {
    return absl::InvalidArgumentError(
        StrCat("row has ", row.size(), " values but the row set has ",
               columns_.size(), " columns; pass one value per column"));
  }
  cells_.insert(cells_.end(), std::make_move_iterator(row.begin()),
                std::make_move_iterator(row.end()));
  ++rows_;
  return absl::OkStatus();
}

absl::Span<Value> RowSet::AppendRow() {
  cells_.resize(cells_.size() + columns_.size());
  ++rows_;
  return absl::Span<Value>(cells_.data() + cells_.size() - columns_.size(),
                           columns_.size());
}

}  // namespace cutover::comparator
