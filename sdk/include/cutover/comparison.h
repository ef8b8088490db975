// The outcome of comparing a control value with a candidate value, with the evidence.
//
// A plain `bool` compare answers "equal?"; a detailed compare (the comparator library's
// row-set comparator, for instance) also explains a mismatch so that the published result
// carries it to Redis and to the report.
//
// Thread-safety: a value type.
#ifndef CUTOVER_COMPARISON_H_
#define CUTOVER_COMPARISON_H_

#include <string>

namespace cutover {
inline namespace sdk {

struct Comparison {
  bool equal = true;
  // On a mismatch: a structured diff as one JSON document (an object), or empty when the
  // compare could not say more than "different". Empty when equal.
  std::string diff_json;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_COMPARISON_H_
