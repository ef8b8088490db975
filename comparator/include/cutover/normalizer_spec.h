// Normalizers named on a command line (`cutover verify --normalize ...`).
//
//   trim | case-fold | null-equals-empty | integer-widening | canonical-json
//   truncate-timestamp=millisecond|second|minute|hour|day
//   numeric-tolerance=ABS[:REL]         e.g. numeric-tolerance=0.01:0
//   any of the above followed by @COLUMN applies to that column only,
//   e.g. case-fold@email
//
// Underscores work in place of dashes (null_equals_empty), matching the names
// diffs print. Order matters as in NormalizerSet: trim,null-equals-empty treats
// blank strings as NULL.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_NORMALIZER_SPEC_H_
#define CUTOVER_NORMALIZER_SPEC_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/normalizer_set.h"

namespace cutover::comparator {

// Adds the normalizer `spec` names to `set`. InvalidArgument naming the
// spec and listing the valid names when it is unknown or its parameter is
// malformed.
absl::Status AddNormalizerSpec(std::string_view spec,
                               comparator::NormalizerSet* set);

// Splits each element on commas and adds every spec, in order.
absl::StatusOr<comparator::NormalizerSet> ParseNormalizerSpecs(
    const std::vector<std::string>& specs);

}  // namespace cutover::comparator

#endif  // CUTOVER_NORMALIZER_SPEC_H_
