// The result of one experiment run (one control compared with one candidate):
// the outcome, both observations, and everything a report needs to explain it.
//
// Two shapes:
//  - ExperimentResult is a view handed to Publisher::Publish. It borrows
//    everything (names, user id, context, values) from the run that produced
//    it and is valid only during that call, so publishing a match copies
//    nothing. Values are rendered (cleaned) only when a publisher asks.
//  - ResultRecord owns a copy, for publishers that keep results (the event
//    queue, the in-memory publisher's recent results, MismatchError), and
//    renders the JSON document stored in the Redis event stream.
//
// Thread-safety: value types. A view must not outlive the Publish call it was
// given to.
#ifndef CUTOVER_EXPERIMENT_RESULT_H_
#define CUTOVER_EXPERIMENT_RESULT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "cutover/experiment_error.h"
#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

// What happened to one comparison. See docs/experiments.md for the meaning of
// each outcome and stats_schema.h for the counter each one increments.
enum class Outcome : std::uint8_t {
  kMatch = 0,           // values (or errors) equivalent
  kMismatch = 1,        // values differ (or both raised non-equivalent errors)
  kIgnored = 2,         // values differ but an ignore predicate excused it
  kCandidateError = 3,  // the candidate raised, the control returned
  kControlError = 4,    // the control raised, the candidate returned
  kTimeout = 5,         // the candidate missed its deadline; not compared
  kDropped = 6,         // the candidate never ran (executor full or closed)
};
inline constexpr int kOutcomeCount = 7;

// "match", "mismatch", "ignored", "candidate_error", "control_error",
// "timeout", "dropped".
std::string_view OutcomeName(Outcome outcome);
std::optional<Outcome> ParseOutcome(std::string_view name);

// True for the outcomes that count as a comparison (match .. control_error).
constexpr bool IsCompared(Outcome o) { return o <= Outcome::kControlError; }
// True for the outcomes written to the event stream: mismatches, errors and
// timeouts.
constexpr bool IsEvent(Outcome o) {
  return o == Outcome::kMismatch || o == Outcome::kCandidateError ||
         o == Outcome::kControlError || o == Outcome::kTimeout;
}
// True for the outcomes raise_on_mismatch turns into a MismatchError.
constexpr bool IsDisagreement(Outcome o) {
  return o == Outcome::kMismatch || o == Outcome::kCandidateError ||
         o == Outcome::kControlError;
}

// One key/value pair of experiment context. Views: the owner is the caller.
struct ContextEntry {
  std::string_view key;
  std::string_view value;
};

// A value that can be rendered to text on demand, with the experiment's clean
// function; cheap to copy (three pointers).
class ValueRef {
 public:
  // `render(renderer, value)` returns the cleaned text; it must not throw.
  using RenderFn = std::string (*)(const void* renderer, const void* value);

  ValueRef() = default;
  ValueRef(const void* renderer, const void* value, RenderFn render)
      : renderer_(renderer), value_(value), render_(render) {}

  bool has_value() const { return render_ != nullptr; }
  // The cleaned value, or "" when there is none.
  std::string Render() const {
    return render_ != nullptr ? render_(renderer_, value_) : std::string();
  }

 private:
  const void* renderer_ = nullptr;
  const void* value_ = nullptr;
  RenderFn render_ = nullptr;
};

// One behaviour's run, as seen by a publisher.
struct ObservationView {
  std::string_view name;  // "control" or the candidate's name
  Side side = Side::kOld;
  // False when the behaviour never ran (a dropped candidate, or one whose
  // deadline passed while it waited in the queue).
  bool ran = false;
  // Non-null when the behaviour threw.
  const ErrorInfo* error = nullptr;
  // Wall time in nanoseconds; -1 when it did not run to completion.
  std::int64_t wall_ns = -1;
  // CPU time of the executing thread in nanoseconds; -1 when not measured.
  std::int64_t cpu_ns = -1;
  // The returned value; empty when it threw or did not run.
  ValueRef value;
};

struct ExperimentResult {
  std::string_view experiment;  // the experiment's configured name
  std::string_view flag;        // the stats key: the run's flag or the name
  Stage stage = Stage::kShadow;
  std::string_view user_id;
  Outcome outcome = Outcome::kMatch;
  // Which side the control (the authoritative read) was; the candidate is the
  // other one. Latencies are recorded per side, not per role.
  Side control_side = Side::kOld;
  ObservationView control;
  ObservationView candidate;
  // On a mismatch from a detailed compare: its diff (a JSON object), else "".
  std::string_view diff_json;
  // The experiment's own context, then the run's (a run's key overrides an
  // experiment's in JSON).
  absl::Span<const ContextEntry> experiment_context;
  absl::Span<const ContextEntry> run_context;
  // The run's start, Unix milliseconds. Counters are kept per minute of it.
  std::int64_t timestamp_ms = 0;

  const ObservationView& observation(Side side) const {
    return side == control_side ? control : candidate;
  }
};

// An owned observation.
struct ObservationRecord {
  std::string name;
  Side side = Side::kOld;
  bool ran = false;
  bool raised = false;
  std::string error_type;
  std::string error_message;
  std::int64_t wall_ns = -1;
  std::int64_t cpu_ns = -1;
  std::string value;  // cleaned; "" when raised or not run
};
// Field by field, so that queues recycling records swap buffers instead of
// moving every string three times.
void swap(ObservationRecord& a, ObservationRecord& b) noexcept;

// An owned result. Assign() reuses the strings' capacity, so a record recycled
// through a queue stops allocating once warm.
struct ResultRecord {
  std::string experiment;
  std::string flag;
  Stage stage = Stage::kShadow;
  std::string user_id;
  Outcome outcome = Outcome::kMatch;
  Side control_side = Side::kOld;
  ObservationRecord control;
  ObservationRecord candidate;
  std::string diff_json;
  std::vector<std::pair<std::string, std::string>> context;
  std::int64_t timestamp_ms = 0;

  // Copies `result`, rendering both values with the experiment's clean
  // functions. Any text longer than `max_text_bytes` (values, error messages,
  // the diff) is cut there and marked "...[truncated]" (a diff that is cut is
  // replaced by {"truncated":true,"bytes":N} so the JSON stays valid), which
  // bounds the memory a queued record can hold.
  void Assign(const ExperimentResult& result,
              std::size_t max_text_bytes = 64 * 1024);
  static ResultRecord From(const ExperimentResult& result,
                           std::size_t max_text_bytes = 64 * 1024);

  // One compact JSON object:
  // {"experiment","flag","stage","user","outcome","control_side","at_ms",
  //  "control":{"side","wall_ns","value"|"error"},
  //  "candidate":{"name","side","wall_ns","value"|"error"},
  //  "diff":<object>|absent, "context":{...}}
  // "error" is {"type","message"}; an observation that did not run has
  // "ran":false and neither; "cpu_ns" appears when it was measured. An
  // unparsable diff_json is kept as a string under "diff_text" rather than
  // breaking the document.
  std::string ToJson() const;
  void AppendJson(std::string* out) const;
};
void swap(ResultRecord& a, ResultRecord& b) noexcept;

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_RESULT_H_
