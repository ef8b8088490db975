// Plugs a RowComparator into an experiment as its detailed compare, so every
// mismatch published to Redis (<prefix>events:<flag>) carries the structured
// diff of the two result sets.
//
//   CompareOptions options;
//   options.mode = CompareMode::kByKey;
//   options.key_columns = {"id"};
//   ExperimentConfig<RowSet> config;
//   config.name = "users.list";
//   config.compare_detailed =
//       RowSetExperimentCompare(RowComparator::Create(options).value());
//   config.clean_control = RowSetSummary;
//
// Old and new: the column mapping runs from the old shape to the new one, but
// an experiment hands the compare (control, candidate), and the control is
// the old read in `shadow` and the new read in `live`. The compare is not told
// the stage, so by default (kByShape) it lets the shapes decide: control is
// taken as old when the mapping fits control -> candidate, else as new when
// it fits candidate -> control. With identical shapes both fit and control is
// taken as old. The diff says which role was old: "old_side": "control" or
// "candidate"; the event's "control_side" says which schema the control read.
//
// The diff_json is DiffToJson (diff_render.h) plus "old_side". It is kept
// under max_diff_bytes by listing fewer entries (the counts stay exact), so
// the publisher never has to cut it. When the comparator refuses the inputs
// (the mapping fits neither way round, an unknown key column...), the result
// is a mismatch whose diff is {"error": "<what is wrong>"}: a misconfigured
// compare shows up in the mismatch report instead of silently matching.
//
// Thread-safety: immutable; copies share the comparator; operator() may be
// called from any number of threads at once (the experiment does).
#ifndef CUTOVER_EXPERIMENT_COMPARE_H_
#define CUTOVER_EXPERIMENT_COMPARE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cutover/compare_options.h"
#include "cutover/comparison.h"
#include "cutover/row_comparator.h"
#include "cutover/row_set.h"

namespace cutover::comparator {

enum class ExperimentOrientation {
  kByShape,       // see above
  kControlIsOld,  // for experiments that only ever run in `shadow`
  kControlIsNew,  // for experiments that only ever run in `live`
};

struct ExperimentCompareOptions {
  ExperimentOrientation orientation = ExperimentOrientation::kByShape;
  // Fits RedisPublisher's default max_text_bytes (16 KiB) with room to spare.
  std::size_t max_diff_bytes = 12 * 1024;
};

class RowSetExperimentCompare {
 public:
  explicit RowSetExperimentCompare(RowComparator comparator,
                                   ExperimentCompareOptions options = {});

  // Validates `options` like RowComparator::Create.
  static absl::StatusOr<RowSetExperimentCompare> Create(
      CompareOptions options, ExperimentCompareOptions experiment = {});

  // {true, ""} when the results are equal; {false, diff} otherwise. Throws
  // only what a custom normalizer or derive function throws (the experiment
  // reports that to its raised hook).
  Comparison operator()(const RowSet& control, const RowSet& candidate) const;

 private:
  std::shared_ptr<const RowComparator> comparator_;
  ExperimentCompareOptions options_;
};

// A short rendering of a result for the experiment's clean_control /
// clean_candidate ("3 rows: id, name"): the diff carries the detail, so the
// event need not carry whole result sets.
std::string RowSetSummary(const RowSet& rows);

}  // namespace cutover::comparator

#endif  // CUTOVER_EXPERIMENT_COMPARE_H_
