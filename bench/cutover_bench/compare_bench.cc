// BM_CompareRows: two 1,000-row x 5-column results compared by key with two
// normalizers (trim on every column, timestamps truncated to the second), as
// a shadow read of a user list would be. mismatch_pct:0 is the common case
// (equal results: the hashing fast path); mismatch_pct:1 changes 1% of the
// cells (50 cells), so the pairing and the detailed diff are built.
//
// Counters: cells_per_second (compared cells, rows x columns of one side, per
// second; target >= 20,000,000), allocs_per_compare (heap allocations per
// Compare call).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>

#include "alloc_counter.h"
#include "cutover/internal/strings.h"
#include "cutover/normalizer.h"
#include "cutover/pg_text_format.h"
#include "cutover/row_comparator.h"
#include "cutover/row_set.h"
#include "cutover/value.h"

namespace cutover::comparator {
namespace {

constexpr int kRows = 1000;
constexpr int kColumns = 5;

RowSet Users() {
  RowSet rows({{"id"}, {"name"}, {"email"}, {"balance"}, {"updated_at"}});
  rows.Reserve(kRows);
  const std::int64_t base = DaysFromCivil(2024, 3, 1) * kMicrosPerDay;
  for (int i = 0; i < kRows; ++i) {
    absl::Span<Value> row = rows.AppendRow();
    row[0] = Value::Int(100000 + i);
    row[1] = Value::Text(StrCat("User Number ", i));
    row[2] = Value::Text(StrCat("user.", i, "@example.com"));
    row[3] = Value::Numeric(
        StrCat(i * 7 % 10000, ".", i % 100 < 10 ? "0" : "", i % 100));
    row[4] = Value::Timestamp(base + i * 1234567LL);
  }
  return rows;
}

void BM_CompareRows(benchmark::State& state) {
  const int mismatch_pct = static_cast<int>(state.range(0));
  RowSet old_rows = Users();
  RowSet new_rows = Users();
  // The new side's timestamps carry extra microseconds (the truncation must
  // hide them) and its names trailing padding (trim must hide it).
  for (int i = 0; i < kRows; ++i) {
    *new_rows.mutable_at(i, 4) = Value::Timestamp(
        new_rows.at(i, 4).micros() / kMicrosPerSecond * kMicrosPerSecond + 999);
    if (i % 10 == 0) {
      *new_rows.mutable_at(i, 1) = Value::Text(new_rows.at(i, 1).text() + "  ");
    }
  }
  for (int i = 0; i < kRows; ++i) {
    *old_rows.mutable_at(i, 4) = Value::Timestamp(
        old_rows.at(i, 4).micros() / kMicrosPerSecond * kMicrosPerSecond);
  }
  const int changed_cells = kRows * kColumns * mismatch_pct / 100;
  std::mt19937 rng(42);
  for (int n = 0; n < changed_cells; ++n) {
    const auto row = static_cast<std::size_t>(rng() % kRows);
    const auto col = static_cast<std::size_t>(1 + rng() % (kColumns - 1));
    *new_rows.mutable_at(row, col) = Value::Text(StrCat("changed-", n));
  }

  CompareOptions options;
  options.mode = CompareMode::kByKey;
  options.key_columns = {"id"};
  options.normalizers.ForAll(Normalizer::Trim())
      .ForColumn("updated_at",
                 Normalizer::TruncateTimestamp(TimestampPrecision::kSecond));
  absl::StatusOr<RowComparator> comparator = RowComparator::Create(options);
  if (!comparator.ok()) {
    state.SkipWithError(std::string(comparator.status().message()).c_str());
    return;
  }

  std::size_t changed_rows = 0;
  const std::uint64_t allocs_before = cutover::bench::AllocationCount();
  for (auto _ : state) {
    absl::StatusOr<Diff> diff = comparator->Compare(old_rows, new_rows);
    if (!diff.ok()) {
      state.SkipWithError(std::string(diff.status().message()).c_str());
      return;
    }
    changed_rows = diff->changed_row_count;
    benchmark::DoNotOptimize(diff);
  }
  const std::uint64_t allocs =
      cutover::bench::AllocationCount() - allocs_before;
  const double cells = static_cast<double>(kRows) * kColumns;
  state.counters["cells_per_second"] =
      benchmark::Counter(cells * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["allocs_per_compare"] =
      static_cast<double>(allocs) / static_cast<double>(state.iterations());
  state.counters["changed_rows"] = static_cast<double>(changed_rows);
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_CompareRows)->ArgName("mismatch_pct")->Arg(0)->Arg(1);

}  // namespace
}  // namespace cutover::comparator
