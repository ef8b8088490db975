#include "comparison_plan.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "cutover/internal/strings.h"

namespace cutover::comparator::internal {
namespace {

std::optional<std::size_t> FindColumn(const std::vector<PlannedColumn>& cols,
                                      std::string_view name) {
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (cols[i].bound.name == name) return i;
  }
  return std::nullopt;
}

std::string ComparedNames(const std::vector<PlannedColumn>& cols) {
  std::string out;
  for (const PlannedColumn& c : cols) {
    if (!out.empty()) out.append(", ");
    out.append(c.bound.name);
  }
  return out.empty() ? "(none)" : out;
}

void AddStep(PlannedColumn* col, const Normalizer* n) {
  if (n->is_tolerance()) {
    col->tolerance = n;  // the last one wins, as documented
  } else {
    col->steps.push_back(n);
  }
}

}  // namespace

absl::StatusOr<ComparisonPlan> ComparisonPlan::Make(
    const CompareOptions& options, const RowSet& old_rows,
    const RowSet& new_rows) {
  absl::StatusOr<std::vector<BoundColumn>> bound =
      options.mapping.Bind(old_rows.columns(), new_rows.columns());
  if (!bound.ok()) return bound.status();

  ComparisonPlan plan;
  for (BoundColumn& b : *bound) {
    PlannedColumn col;
    col.bound = std::move(b);
    plan.columns_.push_back(std::move(col));
  }

  for (const std::string& key : options.key_columns) {
    const std::optional<std::size_t> k = FindColumn(plan.columns_, key);
    if (!k) {
      return absl::InvalidArgumentError(
          StrCat("key column \"", key,
                 "\" is not a compared column (compared columns, by new-side "
                 "name: ",
                 ComparedNames(plan.columns_), ")"));
    }
    plan.columns_[*k].is_key = true;
    plan.keys_.push_back(*k);
  }

  for (const auto& [name, normalizer] : options.normalizers.for_columns()) {
    if (FindColumn(plan.columns_, name)) continue;
    // Normalizing an ignored column is harmless; naming no column at all is
    // a typo worth reporting.
    if (old_rows.ColumnIndex(name) || new_rows.ColumnIndex(name)) continue;
    return absl::InvalidArgumentError(StrCat(
        "normalizer ", normalizer.name(), " names column \"", name,
        "\", which is not compared (compared columns, by new-side name: ",
        ComparedNames(plan.columns_), ")"));
  }

  for (std::size_t c = 0; c < plan.columns_.size(); ++c) {
    PlannedColumn& col = plan.columns_[c];
    for (const Normalizer& n : options.normalizers.for_all()) AddStep(&col, &n);
    for (const auto& [name, n] : options.normalizers.for_columns()) {
      if (name != col.bound.name) continue;
      if (col.is_key && n.is_tolerance()) {
        return absl::InvalidArgumentError(
            StrCat("key column \"", name,
                   "\" cannot have a numeric tolerance: keys pair rows and "
                   "are compared exactly (after the other normalizers)"));
      }
      AddStep(&col, &n);
    }
    // A for-all tolerance does not apply to keys (see above).
    if (col.is_key) col.tolerance = nullptr;
    plan.scratch_offsets_.push_back(plan.scratch_slots_);
    plan.scratch_slots_ += col.steps.size();
    if (col.is_key) continue;
    (col.tolerance != nullptr ? plan.tolerant_ : plan.exact_).push_back(c);
  }
  return plan;
}

SideNormalizer::SideNormalizer(const ComparisonPlan& plan, Side side)
    : plan_(plan),
      side_(side),
      derived_(plan.columns().size()),
      scratch_(plan.scratch_slots()) {}

const Value& SideNormalizer::Get(absl::Span<const Value> row, std::size_t c) {
  const PlannedColumn& col = plan_.columns()[c];
  const Value* v;
  if (side_ == Side::kNew) {
    v = &row[col.bound.new_index];
  } else if (col.bound.derived()) {
    derived_[c] = col.bound.OldValue(row);
    v = &derived_[c];
  } else {
    v = &row[col.bound.old_index];
  }
  Value* scratch = scratch_.data() + plan_.scratch_offset(c);
  for (const Normalizer* step : col.steps) v = &step->Apply(*v, scratch++);
  return *v;
}

Value SideNormalizer::Raw(absl::Span<const Value> row, std::size_t c) const {
  const BoundColumn& b = plan_.columns()[c].bound;
  return side_ == Side::kNew ? row[b.new_index] : b.OldValue(row);
}

std::uint64_t SideNormalizer::Hash(absl::Span<const Value> row,
                                   const std::vector<std::size_t>& columns,
                                   std::uint64_t seed) {
  for (const std::size_t c : columns) seed = Get(row, c).HashInto(seed);
  return seed;
}

}  // namespace cutover::comparator::internal
