#include "cutover/row_comparator.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "comparison_plan.h"
#include "cutover/internal/strings.h"

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

// One Compare call: both sides' normalizers (with their scratch buffers),
// the row hashes, and the three pairing strategies.
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
    old_hashes_ = RowHashes(&old_, old_rows_);
    new_hashes_ = RowHashes(&new_, new_rows_);
  }

  // The fast path: true when the normalized results are certainly equal
  // (up to a 64-bit hash collision). Only meaningful without tolerances,
  // which the row hashes leave out.
  bool DigestsEqual() const {
    if (old_hashes_.size() != new_hashes_.size()) return false;
    if (options_.mode == CompareMode::kOrdered) {
      return old_hashes_ == new_hashes_;
    }
    // Order-free: the wrapping sums of the row hashes.
    std::uint64_t old_sum = 0, new_sum = 0;
    for (const std::uint64_t h : old_hashes_) old_sum += h;
    for (const std::uint64_t h : new_hashes_) new_sum += h;
    return old_sum == new_sum;
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
      if (cells == 0) continue;  // equal after all (a hash collision)
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
  using Hashed = std::pair<std::uint64_t, std::uint32_t>;  // (hash, row)

  // Per row: the hash of its normalized keys and exactly compared columns.
  std::vector<std::uint64_t> RowHashes(SideNormalizer* side,
                                       const RowSet& rows) const {
    std::vector<std::uint64_t> out(rows.row_count());
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = side->Hash(rows.row(i), hashed_, 0);
    }
    return out;
  }

  static std::vector<Hashed> Sorted(const std::vector<std::uint64_t>& hashes,
                                    const std::vector<std::uint32_t>& rows) {
    std::vector<Hashed> out;
    out.reserve(rows.size());
    for (const std::uint32_t r : rows) out.emplace_back(hashes[r], r);
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::vector<std::uint32_t> AllRows(std::size_t n) {
    std::vector<std::uint32_t> rows(n);
    for (std::size_t i = 0; i < n; ++i) rows[i] = static_cast<std::uint32_t>(i);
    return rows;
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

  // Pairs identical rows: equal hashes (keys and exact columns), tolerance
  // columns within bounds. Rows are taken in input order within a group of
  // identical rows. Returns the rows left over on each side, in input order.
  void MatchIdentical(std::vector<std::uint32_t>* old_left,
                      std::vector<std::uint32_t>* new_left) {
    const std::vector<Hashed> oh =
        Sorted(old_hashes_, AllRows(old_hashes_.size()));
    const std::vector<Hashed> nh =
        Sorted(new_hashes_, AllRows(new_hashes_.size()));
    std::size_t i = 0, j = 0;
    while (i < oh.size() || j < nh.size()) {
      std::uint64_t h;
      if (j == nh.size() || (i < oh.size() && oh[i].first < nh[j].first)) {
        h = oh[i].first;
      } else {
        h = nh[j].first;
      }
      std::size_t i2 = i, j2 = j;
      while (i2 < oh.size() && oh[i2].first == h) ++i2;
      while (j2 < nh.size() && nh[j2].first == h) ++j2;
      if (plan_.tolerant().empty()) {
        const std::size_t matched = std::min(i2 - i, j2 - j);
        for (std::size_t x = i + matched; x < i2; ++x) {
          old_left->push_back(oh[x].second);
        }
        for (std::size_t y = j + matched; y < j2; ++y) {
          new_left->push_back(nh[y].second);
        }
      } else {
        // Greedy within the group; a tolerance is not transitive, so this is
        // a good matching, not always the largest one.
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
          if (!matched) old_left->push_back(oh[x].second);
        }
        for (std::size_t y = j; y < j2; ++y) {
          if (!used[y - j]) new_left->push_back(nh[y].second);
        }
      }
      i = i2;
      j = j2;
    }
    std::sort(old_left->begin(), old_left->end());
    std::sort(new_left->begin(), new_left->end());
  }

  Pairing PairOrdered() {
    Pairing p;
    const std::size_t n =
        std::min(old_rows_.row_count(), new_rows_.row_count());
    for (std::size_t i = 0; i < n; ++i) {
      if (old_hashes_[i] != new_hashes_[i] ||
          !AllEqual(i, i, plan_.tolerant())) {
        p.changed.emplace_back(i, i);
      }
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
    // Pass 1: identical rows pair up, so reordering rows that share a key is
    // not a change. Usually only the differing rows are left.
    std::vector<std::uint32_t> old_left, new_left;
    MatchIdentical(&old_left, &new_left);

    // Pass 2: the rest pair by key, in order of appearance. Each key-hash
    // bucket is a chain of new rows in input order; its head skips rows
    // already paired, so a key repeated n times costs O(n), not O(n^2).
    absl::flat_hash_map<std::uint64_t, std::uint32_t> head;
    head.reserve(new_left.size());
    std::vector<std::uint32_t> next(new_rows_.row_count(), kNone);
    for (std::size_t x = new_left.size(); x-- > 0;) {
      const std::uint32_t j = new_left[x];
      const std::uint64_t h = new_.Hash(new_rows_.row(j), plan_.keys(), 0);
      auto [it, inserted] = head.try_emplace(h, j);
      if (!inserted) {
        next[j] = it->second;
        it->second = j;
      }
    }
    std::vector<bool> new_used(new_rows_.row_count(), false);
    Pairing p;
    for (const std::uint32_t i : old_left) {
      const auto it = head.find(old_.Hash(old_rows_.row(i), plan_.keys(), 0));
      bool paired = false;
      if (it != head.end()) {
        while (it->second != kNone && new_used[it->second]) {
          it->second = next[it->second];
        }
        for (std::uint32_t j = it->second; j != kNone; j = next[j]) {
          // Different keys share a chain only on a hash collision.
          if (new_used[j] || !AllEqual(i, j, plan_.keys())) continue;
          new_used[j] = true;
          p.changed.emplace_back(i, j);
          paired = true;
          break;
        }
      }
      if (!paired) p.missing.push_back({i, 1});
    }
    for (const std::uint32_t j : new_left) {
      if (!new_used[j]) p.extra.push_back({j, 1});
    }
    return p;
  }

  Pairing PairMultiset() {
    std::vector<std::uint32_t> old_left, new_left;
    MatchIdentical(&old_left, &new_left);
    Pairing p;
    p.missing = Surplus(old_hashes_, old_left);
    p.extra = Surplus(new_hashes_, new_left);
    return p;
  }

  // Leftover rows as diff entries; without tolerances, identical leftovers
  // (equal hashes) become one entry with a count.
  std::vector<Unpaired> Surplus(const std::vector<std::uint64_t>& hashes,
                                const std::vector<std::uint32_t>& left) const {
    std::vector<Unpaired> out;
    if (!plan_.tolerant().empty()) {
      for (const std::uint32_t r : left) out.push_back({r, 1});
      return out;
    }
    const std::vector<Hashed> sorted = Sorted(hashes, left);
    for (std::size_t x = 0; x < sorted.size();) {
      std::size_t y = x;
      while (y < sorted.size() && sorted[y].first == sorted[x].first) ++y;
      out.push_back({sorted[x].second, y - x});
      x = y;
    }
    std::sort(out.begin(), out.end(), [](const Unpaired& a, const Unpaired& b) {
      return a.index < b.index;
    });
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
  std::vector<std::uint64_t> old_hashes_;
  std::vector<std::uint64_t> new_hashes_;
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
