// Renders a Diff for machines (JSON) and for people (text).
//
// JSON (keys in this order; "key" only in by_key mode, "index" in the
// others, "count" only in multiset mode, "old_type"/"new_type" only when a
// cell changed kind):
//   {"mode":"by_key","equal":false,"columns":["id","name"],"key_columns":["id"],
//    "rows":{"old":3,"new":3},
//    "counts":{"missing_rows":1,"extra_rows":1,"changed_rows":1,
//              "changed_cells":1},
//    "changed_cells_by_column":{"name":1},
//    "max_listed":20,"truncated":false,
//    "missing":[{"key":{"id":2},"row":{"id":2,"name":"b"}}],
//    "extra":[{"key":{"id":4},"row":{"id":4,"name":"d"}}],
//    "changed":[{"key":{"id":3},"cells":[{"column":"name","old":"c","new":"C"}]}]}
//
// Values: NULL is null, bool and int are JSON literals, double is a number
// (NaN and the infinities as the strings "NaN", "Infinity", "-Infinity"),
// numeric is a string holding the exact decimal, and every other kind is its
// PostgreSQL text as a string (bytea in hex, timestamptz in UTC, json as
// text). Invalid UTF-8 in text is replaced by U+FFFD.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_DIFF_RENDER_H_
#define CUTOVER_DIFF_RENDER_H_

#include <string>

#include "cutover/diff.h"
#include "cutover/value.h"
#include "nlohmann/json.hpp"

namespace cutover::comparator {

nlohmann::ordered_json ValueToJson(const Value& value);
nlohmann::ordered_json DiffToJson(const Diff& diff);
// DiffToJson as compact text, never throws.
std::string RenderDiffJson(const Diff& diff);

// A few lines for a terminal or a log: the verdict, the counts, then the
// listed entries, e.g.
//   by_key comparison on id: DIFFERENT (old 3 rows, new 3 rows)
//   missing (in old, not in new): 1
//     id=2: {id=2, name='b'}
//   extra (in new, not in old): 1
//     id=4: {id=4, name='d'}
//   changed: 1 row, 1 cell (name: 1)
//     id=3: name 'c' -> 'C'
std::string RenderDiffText(const Diff& diff);

}  // namespace cutover::comparator

#endif  // CUTOVER_DIFF_RENDER_H_
