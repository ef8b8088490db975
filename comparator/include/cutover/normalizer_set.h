// Which normalizers apply to which columns.
//
//   NormalizerSet n;
//   n.ForAll(Normalizer::Trim())
//    .ForColumn("email", Normalizer::CaseFold())
//    .ForColumn("updated_at",
//               Normalizer::TruncateTimestamp(TimestampPrecision::kSecond));
//
// A column's chain is every ForAll normalizer, then its own ForColumn ones,
// each group in the order added; canonicalizers run in that order (so Trim
// before NullEqualsEmpty treats "  " as NULL). When a chain has more than one
// NumericTolerance, the last one applies. Columns are named as the comparison
// names them: by their new-side name (see column_mapping.h).
//
// Thread-safety: a value type; build it, then share it read-only.
#ifndef CUTOVER_NORMALIZER_SET_H_
#define CUTOVER_NORMALIZER_SET_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cutover/normalizer.h"

namespace cutover::comparator {

class NormalizerSet {
 public:
  NormalizerSet& ForAll(Normalizer normalizer) {
    for_all_.push_back(std::move(normalizer));
    return *this;
  }
  NormalizerSet& ForColumn(std::string column, Normalizer normalizer) {
    for_columns_.emplace_back(std::move(column), std::move(normalizer));
    return *this;
  }

  // The chain for `column`, as described above.
  std::vector<Normalizer> ChainFor(std::string_view column) const {
    std::vector<Normalizer> chain = for_all_;
    for (const auto& [name, normalizer] : for_columns_) {
      if (name == column) chain.push_back(normalizer);
    }
    return chain;
  }

  const std::vector<Normalizer>& for_all() const { return for_all_; }
  const std::vector<std::pair<std::string, Normalizer>>& for_columns() const {
    return for_columns_;
  }
  bool empty() const { return for_all_.empty() && for_columns_.empty(); }

 private:
  std::vector<Normalizer> for_all_;
  std::vector<std::pair<std::string, Normalizer>> for_columns_;
};

}  // namespace cutover::comparator

#endif  // CUTOVER_NORMALIZER_SET_H_
