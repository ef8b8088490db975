// An operator tool built against an installed cutover: compares two row sets
// with the comparator, renders the diff, and quotes an identifier with the
// PostgreSQL library, so cutover::comparator and cutover::pg link and work from
// the installed tree.
#include <iostream>

#include "cutover/diff_render.h"
#include "cutover/row_comparator.h"
#include "cutover/sql_identifier.h"

int main() {
  using cutover::comparator::RowSet;
  using cutover::comparator::Value;
  RowSet old_rows({{"id"}, {"name"}});
  RowSet new_rows({{"id"}, {"name"}});
  if (!old_rows.AddRow({Value::Int(1), Value::Text("Ada")}).ok()) return 1;
  if (!new_rows.AddRow({Value::Int(1), Value::Text("Grace")}).ok()) return 1;
  cutover::comparator::CompareOptions options;
  options.mode = cutover::comparator::CompareMode::kByKey;
  options.key_columns = {"id"};
  auto comparator = cutover::comparator::RowComparator::Create(options);
  if (!comparator.ok()) {
    std::cerr << comparator.status() << "\n";
    return 1;
  }
  auto diff = comparator->Compare(old_rows, new_rows);
  if (!diff.ok()) {
    std::cerr << diff.status() << "\n";
    return 1;
  }
  auto quoted = cutover::pg::QuoteIdentifier("user pair");
  if (!quoted.ok()) return 1;
  std::cout << *quoted << " " << diff->changed_row_count << "\n";
  return 0;
}
