// Renders a VerifyResult for scripts (JSON) and for people (text).
//
// JSON, one object:
//   {"equal":false,"rows_old":1000000,"rows_new":999999,"chunks":101,
//    "differences":[
//      {"key":42,"kind":"changed",
//       "columns":[{"column":"email","old":"a@x","new":"A@x"}]},
//      {"key":77,"kind":"missing_in_new","columns":[{"column":"id","old":77},...]},
//      {"key":[3,"b"],"kind":"extra_in_new","columns":[{"column":"id","new":3},...]}],
//    "difference_count":3,"chunks_differing":2,"resolved_on_recheck":1,
//    "recheck_passes":1,"columns":["id","email"],"seconds":1.9}
// `key` is the key value, an array for composite keys; values follow
// diff_render.h (numbers, strings, null).
//
// Thread-safety: pure functions.
#ifndef CUTOVER_VERIFY_REPORT_H_
#define CUTOVER_VERIFY_REPORT_H_

#include <string>

#include "cutover/table_verifier.h"
#include "nlohmann/json.hpp"

namespace cutover::pg {

nlohmann::ordered_json VerifyResultToJson(const VerifyResult& result);

// E.g.
//   verify: DIFFERENT: 3 differences (old 1000000 rows, new 999999 rows,
//   101 chunks, 2 drilled into, 1 write in flight resolved on re-check)
//     changed 42: email 'a@x' -> 'A@x'
//     missing_in_new 77
//     extra_in_new [3,"b"]
std::string VerifyResultToText(const VerifyResult& result);

}  // namespace cutover::pg

#endif  // CUTOVER_VERIFY_REPORT_H_
