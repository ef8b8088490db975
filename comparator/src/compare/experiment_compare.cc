#include "cutover/experiment_compare.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "cutover/diff_render.h"
#include "cutover/internal/strings.h"
#include "nlohmann/json.hpp"

namespace cutover::comparator {
namespace {

std::string Render(const Diff& diff, const char* old_side) {
  nlohmann::ordered_json json = DiffToJson(diff);
  json["old_side"] = old_side;
  return json.dump(-1, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

// Lists fewer entries until the document fits; counts stay exact, and
// "truncated" turns true as soon as anything is left out.
std::string RenderWithin(Diff diff, const char* old_side,
                         std::size_t max_bytes) {
  std::string out = Render(diff, old_side);
  std::size_t listed =
      std::max({diff.missing.size(), diff.extra.size(), diff.changed.size()});
  while (out.size() > max_bytes && listed > 0) {
    listed /= 2;
    if (diff.missing.size() > listed) diff.missing.resize(listed);
    if (diff.extra.size() > listed) diff.extra.resize(listed);
    if (diff.changed.size() > listed) diff.changed.resize(listed);
    diff.max_listed = listed;
    out = Render(diff, old_side);
  }
  return out;
}

Comparison Refused(const absl::Status& status) {
  nlohmann::json json = {{"error", std::string(status.message())}};
  return Comparison{false, json.dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace)};
}

}  // namespace

RowSetExperimentCompare::RowSetExperimentCompare(
    RowComparator comparator, ExperimentCompareOptions options)
    : comparator_(std::make_shared<const RowComparator>(std::move(comparator))),
      options_(options) {}

absl::StatusOr<RowSetExperimentCompare> RowSetExperimentCompare::Create(
    CompareOptions options, ExperimentCompareOptions experiment) {
  absl::StatusOr<RowComparator> comparator =
      RowComparator::Create(std::move(options));
  if (!comparator.ok()) return comparator.status();
  return RowSetExperimentCompare(*std::move(comparator), experiment);
}

Comparison RowSetExperimentCompare::operator()(const RowSet& control,
                                               const RowSet& candidate) const {
  const bool control_is_new =
      options_.orientation == ExperimentOrientation::kControlIsNew;
  absl::StatusOr<Diff> diff = control_is_new
                                  ? comparator_->Compare(candidate, control)
                                  : comparator_->Compare(control, candidate);
  bool old_is_control = !control_is_new;
  if (!diff.ok() && options_.orientation == ExperimentOrientation::kByShape &&
      absl::IsInvalidArgument(diff.status())) {
    absl::StatusOr<Diff> flipped = comparator_->Compare(candidate, control);
    if (flipped.ok()) {
      diff = std::move(flipped);
      old_is_control = false;
    }
  }
  if (!diff.ok()) return Refused(diff.status());
  if (diff->equal()) return Comparison{true, ""};
  return Comparison{
      false,
      RenderWithin(*std::move(diff), old_is_control ? "control" : "candidate",
                   options_.max_diff_bytes)};
}

std::string RowSetSummary(const RowSet& rows) {
  std::string out =
      StrCat(rows.row_count(), rows.row_count() == 1 ? " row" : " rows");
  for (std::size_t c = 0; c < rows.column_count(); ++c) {
    out.append(c == 0 ? ": " : ", ");
    out.append(rows.columns()[c].name);
  }
  return out;
}

}  // namespace cutover::comparator
