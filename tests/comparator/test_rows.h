// Builds small RowSets inline for comparator tests:
//   RowSet r = Rows({"id", "name"}, {{Value::Int(1), Value::Text("a")}});
#ifndef CUTOVER_TESTS_COMPARATOR_COMPARATOR_TEST_ROWS_H_
#define CUTOVER_TESTS_COMPARATOR_COMPARATOR_TEST_ROWS_H_

#include <string>
#include <utility>
#include <vector>

#include "cutover/row_set.h"
#include "cutover/value.h"
#include "gtest/gtest.h"

namespace cutover::comparator {

// Columns named `names` (type OID 0), then `rows`; a row of the wrong width
// fails the current test.
inline RowSet Rows(std::vector<std::string> names,
                   std::vector<std::vector<Value>> rows) {
  std::vector<Column> columns;
  for (std::string& n : names) columns.push_back(Column{std::move(n), 0});
  RowSet out(std::move(columns));
  for (std::vector<Value>& r : rows) {
    const absl::Status s = out.AddRow(std::move(r));
    EXPECT_TRUE(s.ok()) << s;
  }
  return out;
}

}  // namespace cutover::comparator

#endif  // CUTOVER_TESTS_COMPARATOR_COMPARATOR_TEST_ROWS_H_
