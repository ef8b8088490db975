// A result set: named columns and rows of Values.
//
// Cells are stored row-major in one vector, so a 100,000-row result is one
// allocation for the cells (plus the strings inside them) and a row is a
// cheap Span over it.
//
//   RowSet rows({{"id"}, {"name"}});
//   rows.AddRow({Value::Int(1), Value::Text("ada")}).IgnoreError();
//   for (std::size_t i = 0; i < rows.row_count(); ++i) use(rows.row(i)[1]);
//
// Thread-safety: a value type; concurrent const access is safe, mutation
// needs external synchronization.
#ifndef CUTOVER_ROW_SET_H_
#define CUTOVER_ROW_SET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cutover/value.h"

namespace cutover::comparator {

struct Column {
  std::string name;
  // The PostgreSQL type OID the column came from (pg_type.oid), or 0 when the
  // row set was built in code.
  std::uint32_t type_oid = 0;
};

class RowSet {
 public:
  RowSet() = default;
  explicit RowSet(std::vector<Column> columns) : columns_(std::move(columns)) {}

  const std::vector<Column>& columns() const { return columns_; }
  std::size_t column_count() const { return columns_.size(); }
  std::size_t row_count() const { return rows_; }
  bool empty() const { return row_count() == 0; }

  // The position of the first column named `name`, or nullopt.
  std::optional<std::size_t> ColumnIndex(std::string_view name) const;

  // Appends a row. InvalidArgument (and nothing appended) when `row` does not
  // have exactly column_count() values.
  absl::Status AddRow(std::vector<Value> row);
  // Appends a row of NULLs and returns it for filling in place; the span is
  // valid until the next append.
  absl::Span<Value> AppendRow();
  void Reserve(std::size_t rows) { cells_.reserve(rows * columns_.size()); }

  // Row `i` (precondition: i < row_count()); valid until the next append.
  absl::Span<const Value> row(std::size_t i) const {
    return absl::Span<const Value>(cells_.data() + i * columns_.size(),
                                   columns_.size());
  }
  const Value& at(std::size_t row, std::size_t column) const {
    return cells_[row * columns_.size() + column];
  }
  Value* mutable_at(std::size_t row, std::size_t column) {
    return &cells_[row * columns_.size() + column];
  }

 private:
  std::vector<Column> columns_;
  std::vector<Value> cells_;
  // Kept apart from cells_ because a result may have rows but no columns
  // (SELECT FROM t).
  std::size_t rows_ = 0;
};

}  // namespace cutover::comparator

#endif  // CUTOVER_ROW_SET_H_
