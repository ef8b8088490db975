#include "cutover/row_comparator.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "comparison_plan.h"
#include "cutover/strings.h"

namespace cutover::comparator {
namespace {

using internal::ComparisonPlan;
using internal::PlannedColumn;
using internal::Side;
using internal::SideNormalizer;

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// A row only one side has; `count` > 1 for multiset duplicates.
struct Unpaired {
  std::size_t index;
  std::size_t count;
};

// Which rows differ, before any values are copied into a Diff.
struct Pairing {
  std::vector<std::pair<std::size_t, std::size_t>> changed;  // (old, new)
  std::vector<Unpaired> missing;
  std::vector<Unpaired> extra;
};

// One Compare call: both sides' normalizers (with their scratch buffers) and
// the three pairing strategies.
class Comparison {
 public:
  Comparison(const CompareOptions& options, const ComparisonPlan& plan,
             const RowSet& old_rows, const RowSet& new_rows)
      : options_(options),
        plan_(plan),
        old_rows_(old_rows),
        new_rows_(new_rows),
        old_(plan, Side::kOld),
        new_(plan, Side::kNew) {
    hashed_ = plan.keys();
    hashed_.insert(hashed_.end(), plan.exact().begin(), plan.exact().end());
  }

  // The fast path: true when the normalized results are certainly equal
  // (up to a 64-bit hash collision). Only meaningful without tolerances.
  bool DigestsEqual() {
    if (old_rows_.row_count() != new_rows_.row_count()) return false;
    if (options_.mode == CompareMode::kOrdered) {
      return OrderedDigest(&old_, old_rows_) == OrderedDigest(&new_, new_rows_);
    }
    return SumDigest(&old_, old_rows_) == SumDigest(&new_, new_rows_);
  }

  Pairing Pair() {
    switch (options_.mode) {
      case CompareMode::kOrdered:
        return PairOrdered();
      case CompareMode::kByKey:
        return PairByKey();
      case CompareMode::kMultiset:
        return PairMultiset();
    }
    return {};
  }

  Diff BuildDiff(const Pairing& p) {
    Diff d = EmptyDiff();
    for (const Unpaired& u : p.missing) {
      d.missing_row_count += u.count;
      if (d.missing.size() < options_.max_listed) {
        d.missing.push_back(Entry(old_, old_rows_, u));
      }
    }
    for (const Unpaired& u : p.extra) {
      d.extra_row_count += u.count;
      if (d.extra.size() < options_.max_listed) {
        d.extra.push_back(Entry(new_, new_rows_, u));
      }
    }
    for (const auto& [o, n] : p.changed) {
      const bool listed = d.changed.size() < options_.max_listed;
      ChangedRow row;
      row.old_index = o;
      row.new_index = n;
      std::size_t cells = 0;
      for (std::size_t c = 0; c < plan_.columns().size(); ++c) {
        if (plan_.columns()[c].is_key || CellEqual(o, n, c)) continue;
        ++cells;
        const std::string& name = plan_.columns()[c].bound.name;
        ++d.changed_cells_by_column[name];
        if (listed) {
          row.cells.push_back(CellChange{name, old_.Raw(old_rows_.row(o), c),
                                         new_.Raw(new_rows_.row(n), c)});
        }
      }
      if (cells == 0) continue;  // a pairing that was equal after all
      ++d.changed_row_count;
      d.changed_cell_count += cells;
      if (listed) {
        for (const std::size_t k : plan_.keys()) {
          row.key.push_back(old_.Raw(old_rows_.row(o), k));
        }
        d.changed.push_back(std::move(row));
      }
    }
    return d;
  }

  Diff EmptyDiff() const {
    Diff d;
    d.mode = options_.mode;
    for (const PlannedColumn& c : plan_.columns()) {
      d.columns.push_back(c.bound.name);
    }
    d.key_columns = options_.key_columns;
    d.old_row_count = old_rows_.row_count();
    d.new_row_count = new_rows_.row_count();
    d.max_listed = options_.max_listed;
    return d;
  }

 private:
  std::uint64_t OrderedDigest(SideNormalizer* side, const RowSet& rows) {
    std::uint64_t h = 0;
    for (std::size_t i = 0; i < rows.row_count(); ++i) {
      h = side->Hash(rows.row(i), hashed_, h);
    }
    return h;
  }

  // Order-free: the wrapping sum of row hashes.
  std::uint64_t SumDigest(SideNormalizer* side, const RowSet& rows) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < rows.row_count(); ++i) {
      sum += side->Hash(rows.row(i), hashed_, 0);
    }
    return sum;
  }

  bool CellEqual(std::size_t o, std::size_t n, std::size_t c) {
    const Value& a = old_.Get(old_rows_.row(o), c);
    const Value& b = new_.Get(new_rows_.row(n), c);
    const Normalizer* tolerance = plan_.columns()[c].tolerance;
    return tolerance != nullptr ? tolerance->Equivalent(a, b) : a == b;
  }

  bool AllEqual(std::size_t o, std::size_t n,
                const std::vector<std::size_t>& columns) {
    for (const std::size_t c : columns) {
      if (!CellEqual(o, n, c)) return false;
    }
    return true;
  }

  bool RowsEqual(std::size_t o, std::size_t n) {
    return AllEqual(o, n, plan_.exact()) && AllEqual(o, n, plan_.tolerant());
  }

  Pairing PairOrdered() {
    Pairing p;
    const std::size_t n =
        std::min(old_rows_.row_count(), new_rows_.row_count());
    for (std::size_t i = 0; i < n; ++i) {
      if (!RowsEqual(i, i)) p.changed.emplace_back(i, i);
    }
    for (std::size_t i = n; i < old_rows_.row_count(); ++i) {
      p.missing.push_back({i, 1});
    }
    for (std::size_t i = n; i < new_rows_.row_count(); ++i) {
      p.extra.push_back({i, 1});
    }
    return p;
  }

  Pairing PairByKey() {
    const std::size_t old_count = old_rows_.row_count();
    const std::size_t new_count = new_rows_.row_count();
    // New rows chained by key hash, in input order, so duplicates pair in
    // order of appearance.
    absl::flat_hash_map<std::uint64_t, std::uint32_t> head;
    head.reserve(new_count);
    std::vector<std::uint32_t> next(new_count, kNone);
    for (std::size_t j = new_count; j-- > 0;) {
      const std::uint64_t h = new_.Hash(new_rows_.row(j), plan_.keys(), 0);
      auto [it, inserted] = head.try_emplace(h, static_cast<std::uint32_t>(j));
      if (!inserted) {
        next[j] = it->second;
        it->second = static_cast<std::uint32_t>(j);
      }
    }
    std::vector<std::uint32_t> chain(old_count, kNone);
    for (std::size_t i = 0; i < old_count; ++i) {
      const auto it = head.find(old_.Hash(old_rows_.row(i), plan_.keys(), 0));
      if (it != head.end()) chain[i] = it->second;
    }

    std::vector<std::pair<std::size_t, std::size_t>> changed;
    std::vector<bool> new_used(new_count, false);
    std::vector<bool> old_done(old_count, false);
    // Pass 1: identical rows of the same key; pass 2: the rest, in order.
    for (int pass = 1; pass <= 2; ++pass) {
      for (std::size_t i = 0; i < old_count; ++i) {
        if (old_done[i]) continue;
        for (std::uint32_t j = chain[i]; j != kNone; j = next[j]) {
          if (new_used[j] || !AllEqual(i, j, plan_.keys())) continue;
          if (pass == 1 && !RowsEqual(i, j)) continue;
          new_used[j] = true;
          old_done[i] = true;
          if (pass == 2) changed.emplace_back(i, j);
          break;
        }
      }
    }
    Pairing p;
    std::sort(changed.begin(), changed.end());
    p.changed = std::move(changed);
    for (std::size_t i = 0; i < old_count; ++i) {
      if (!old_done[i]) p.missing.push_back({i, 1});
    }
    for (std::size_t j = 0; j < new_count; ++j) {
      if (!new_used[j]) p.extra.push_back({j, 1});
    }
    return p;
  }

  Pairing PairMultiset() {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> oh =
        Hashes(&old_, old_rows_);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> nh =
        Hashes(&new_, new_rows_);
    Pairing p;
    std::size_t i = 0, j = 0;
    while (i < oh.size() || j < nh.size()) {
      // The next hash group, present on one side or both.
      std::uint64_t h;
      if (j == nh.size() || (i < oh.size() && oh[i].first < nh[j].first)) {
        h = oh[i].first;
      } else {
        h = nh[j].first;
      }
      std::size_t i2 = i, j2 = j;
      while (i2 < oh.size() && oh[i2].first == h) ++i2;
      while (j2 < nh.size() && nh[j2].first == h) ++j2;
      MatchGroup(oh, i, i2, nh, j, j2, &p);
      i = i2;
      j = j2;
    }
    const auto by_index = [](const Unpaired& a, const Unpaired& b) {
      return a.index < b.index;
    };
    std::sort(p.missing.begin(), p.missing.end(), by_index);
    std::sort(p.extra.begin(), p.extra.end(), by_index);
    return p;
  }

  // Rows of one hash group: identical on the exactly compared columns.
  void MatchGroup(
      const std::vector<std::pair<std::uint64_t, std::uint32_t>>& oh,
      std::size_t i, std::size_t i2,
      const std::vector<std::pair<std::uint64_t, std::uint32_t>>& nh,
      std::size_t j, std::size_t j2, Pairing* p) {
    if (plan_.tolerant().empty()) {
      // All copies are interchangeable: only the surplus matters.
      const std::size_t a = i2 - i, b = j2 - j;
      if (a > b) p->missing.push_back({oh[i].second, a - b});
      if (b > a) p->extra.push_back({nh[j].second, b - a});
      return;
    }
    std::vector<bool> used(j2 - j, false);
    for (std::size_t x = i; x < i2; ++x) {
      bool matched = false;
      for (std::size_t y = j; y < j2 && !matched; ++y) {
        if (used[y - j] ||
            !AllEqual(oh[x].second, nh[y].second, plan_.tolerant())) {
          continue;
        }
        used[y - j] = true;
        matched = true;
      }
      if (!matched) p->missing.push_back({oh[x].second, 1});
    }
    for (std::size_t y = j; y < j2; ++y) {
      if (!used[y - j]) p->extra.push_back({nh[y].second, 1});
    }
  }

  std::vector<std::pair<std::uint64_t, std::uint32_t>> Hashes(
      SideNormalizer* side, const RowSet& rows) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
    out.reserve(rows.row_count());
    for (std::size_t i = 0; i < rows.row_count(); ++i) {
      out.emplace_back(side->Hash(rows.row(i), hashed_, 0),
                       static_cast<std::uint32_t>(i));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  RowEntry Entry(const SideNormalizer& side, const RowSet& rows,
                 const Unpaired& u) const {
    RowEntry e;
    e.index = u.index;
    e.count = u.count;
    const absl::Span<const Value> row = rows.row(u.index);
    for (const std::size_t k : plan_.keys()) e.key.push_back(side.Raw(row, k));
    for (std::size_t c = 0; c < plan_.columns().size(); ++c) {
      e.values.push_back(side.Raw(row, c));
    }
    return e;
  }

  const CompareOptions& options_;
  const ComparisonPlan& plan_;
  const RowSet& old_rows_;
  const RowSet& new_rows_;
  SideNormalizer old_;
  SideNormalizer new_;
  std::vector<std::size_t> hashed_;  // keys, then exactly compared columns
};

}  // namespace

absl::StatusOr<RowComparator> RowComparator::Create(CompareOptions options) {
  const bool by_key = options.mode == CompareMode::kByKey;
  if (by_key && options.key_columns.empty()) {
    return absl::InvalidArgumentError(
        "CompareMode::kByKey needs at least one key column in key_columns");
  }
  if (!by_key && !options.key_columns.empty()) {
    return absl::InvalidArgumentError(
        StrCat("key_columns are only used with CompareMode::kByKey, not ",
               CompareModeName(options.mode),
               "; set mode = kByKey or clear key_columns"));
  }
  for (std::size_t i = 0; i < options.key_columns.size(); ++i) {
    for (std::size_t j = i + 1; j < options.key_columns.size(); ++j) {
      if (options.key_columns[i] == options.key_columns[j]) {
        return absl::InvalidArgumentError(StrCat(
            "key column \"", options.key_columns[i], "\" is named twice"));
      }
    }
  }
  for (const Normalizer& n : options.normalizers.for_all()) {
    if (absl::Status s = n.Validate(); !s.ok()) return s;
  }
  for (const auto& [column, n] : options.normalizers.for_columns()) {
    if (absl::Status s = n.Validate(); !s.ok()) {
      return absl::InvalidArgumentError(
          StrCat("column \"", column, "\": ", std::string(s.message())));
    }
  }
  return RowComparator(std::move(options));
}

absl::StatusOr<Diff> RowComparator::Compare(const RowSet& old_rows,
                                            const RowSet& new_rows) const {
  if (old_rows.row_count() > kNone || new_rows.row_count() > kNone) {
    return absl::InvalidArgumentError(
        "row sets of more than 4294967295 rows cannot be compared in memory; "
        "compare them in key ranges");
  }
  absl::StatusOr<ComparisonPlan> plan =
      ComparisonPlan::Make(options_, old_rows, new_rows);
  if (!plan.ok()) return plan.status();
  Comparison comparison(options_, *plan, old_rows, new_rows);
  if (plan->tolerant().empty() && comparison.DigestsEqual()) {
    return comparison.EmptyDiff();
  }
  return comparison.BuildDiff(comparison.Pair());
}

}  // namespace cutover::comparator
