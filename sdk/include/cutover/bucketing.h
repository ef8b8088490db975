// Sticky percentage bucketing (docs/design.md, Flag model), a cross-language
// contract that never changes:
//
//   bucket = murmur3_x86_32(salt + ":" + user_id, seed 0) % 100 + 1 (1..100) in
//   rule  iff  percent > 0 && bucket <= percent
//
// Raising the percentage only adds users. Thread-safety: pure functions and a
// value type.
#ifndef CUTOVER_BUCKETING_H_
#define CUTOVER_BUCKETING_H_

#include <string_view>

#include "cutover/murmur3.h"

namespace cutover {
inline namespace sdk {

int Bucket(std::string_view salt, std::string_view user_id);

inline bool InPercentage(int percent, int bucket) {
  return percent > 0 && bucket <= percent;
}

// Bucketing with the "salt:" prefix hashed once, for the evaluator's hot path.
class PrefixedBucketer {
 public:
  explicit PrefixedBucketer(std::string_view salt);
  int Bucket(std::string_view user_id) const {
    Murmur3x86_32 h = prefix_;  // a copy: 16 bytes on the stack, no allocation
    h.Update(user_id);
    return static_cast<int>(h.Finish() % 100) + 1;
  }

 private:
  Murmur3x86_32 prefix_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_BUCKETING_H_
