#include "cutover/compare_options.h"

namespace cutover::comparator {

std::string_view CompareModeName(CompareMode mode) {
  switch (mode) {
    case CompareMode::kOrdered:
      return "ordered";
    case CompareMode::kByKey:
      return "by_key";
    case CompareMode::kMultiset:
      return "multiset";
  }
  return "unknown";
}

}  // namespace cutover::comparator
