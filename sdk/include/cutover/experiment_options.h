// What configures an experiment once (ExperimentConfig) and what varies per
// run (RunContext). See experiment.h for the engine and docs/experiments.md
// for a walkthrough.
//
// Thread-safety: value types. The callbacks in a config are called from every
// thread that runs the experiment (and from executor workers in concurrent
// mode), concurrently: they must be thread-safe.
#ifndef CUTOVER_EXPERIMENT_OPTIONS_H_
#define CUTOVER_EXPERIMENT_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "cutover/comparison.h"
#include "cutover/experiment_error.h"
#include "cutover/experiment_executor.h"
#include "cutover/experiment_result.h"
#include "cutover/publisher.h"
#include "cutover/stage.h"

namespace cutover {
inline namespace sdk {

// How the behaviours of a sampled run are scheduled.
enum class ExecutionMode : std::uint8_t {
  // Control first, then the candidate, both on the caller's thread.
  kSerial = 0,
  // Both on the caller's thread, in an order drawn per run (Scientist's
  // default): neither side always benefits from a warm cache.
  kRandomOrder = 1,
  // Control on the caller's thread; when it returns, the candidate is queued
  // on the executor, and its comparison and publishing happen there. The
  // caller never waits for the candidate.
  kConcurrent = 2,
};
std::string_view ExecutionModeName(ExecutionMode mode);  // "serial", ...

// The callbacks whose failures go to the raised hook.
enum class Operation : std::uint8_t {
  kRunIf = 0,
  kBeforeRun,
  kCompare,
  kCompareErrors,
  kIgnore,
  kClean,
  kPublish,
};
// "run_if", "before_run", "compare", "compare_errors", "ignore", "clean",
// "publish".
std::string_view OperationName(Operation operation);

// Per-run parameters. Everything is borrowed for the duration of Run() only
// (copied into the task in concurrent mode), so building one costs nothing.
struct RunContext {
  // The flag the counters are kept under; empty: the experiment's name.
  std::string_view flag;
  Stage stage = Stage::kShadow;
  std::string_view user_id;
  // Which side the control (authoritative) read is; the candidate is the
  // other. Latency histograms are per side.
  Side control_side = Side::kOld;
  // Overrides the experiment's mode for this run.
  std::optional<ExecutionMode> mode;
  // Extra context for this run's result (a run's key overrides the
  // experiment's).
  absl::Span<const ContextEntry> context;
  // The sticky-sampling key; empty: user_id.
  std::string_view sample_key;
  // Overrides the experiment's sample rate for this run (e.g. the flag's),
  // 0..1; out-of-range values are clamped.
  std::optional<double> sample_rate;
};

template <typename Control, typename Candidate = Control>
struct ExperimentConfig {
  // Names the experiment in results; also the flag counters are kept under
  // when a run names none, so it follows the flag-name rule [a-z0-9_.-]{1,64}.
  std::string name;

  // Fraction of runs that run the candidate at all, 0..1. Unsampled runs cost
  // the control's call plus a few nanoseconds.
  double sample_rate = 1.0;
  // Sticky sampling: the same key (RunContext::sample_key, else user_id) is
  // always in or always out. A run without a key is not sampled.
  bool sticky_sampling = false;
  // Salt of the sticky hash; empty: the run's flag.
  std::string sticky_salt;

  ExecutionMode mode = ExecutionMode::kRandomOrder;

  // Equivalence of the two values; unset: operator== (then the types must be
  // comparable with ==). Set at most one of compare and compare_detailed.
  std::function<bool(const Control&, const Candidate&)> compare;
  // A compare that also explains a mismatch: Comparison::diff_json is
  // attached to the published result and lands in the Redis event stream. The
  // comparator library's row-set compare plugs in here.
  std::function<Comparison(const Control&, const Candidate&)> compare_detailed;
  // Equivalence of two errors when both sides threw; unset: SameError (same
  // dynamic type and same what()).
  std::function<bool(const ErrorInfo& control, const ErrorInfo& candidate)>
      compare_errors;
  // Predicates that excuse a value mismatch (outcome `ignored`); tried in
  // order until one returns true. One that throws does not ignore (and is
  // reported to `raised`).
  std::vector<std::function<bool(const Control&, const Candidate&)>> ignore;
  // Render values for reports (never used for comparing). Unset: a default
  // rendering (strings as-is, numbers, anything with operator<<). If only
  // clean_control is set and both types are the same, it cleans both.
  std::function<std::string(const Control&)> clean_control;
  std::function<std::string(const Candidate&)> clean_candidate;

  // Context attached to every result of this experiment.
  std::vector<std::pair<std::string, std::string>> context;

  // Asked after sampling: false skips the candidate for this run.
  std::function<bool()> run_if;
  // Called once before the behaviours of a run that will compare (expensive
  // setup only the candidate needs).
  std::function<void()> before_run;
  // Receives every exception thrown by a callback above or by the publisher.
  // Unset: counted (Experiment::raised_count) and swallowed, the first one
  // logged. Nothing a hook throws escapes either.
  std::function<void(Operation, const ErrorInfo&)> raised;

  // Throw MismatchError from Run() on mismatch, candidate_error or
  // control_error (for tests). Serial and random-order runs only: in
  // concurrent mode the comparison happens after Run() returned.
  bool raise_on_mismatch = false;
  // Also measure each behaviour's CPU time on its thread (a system call per
  // behaviour).
  bool measure_cpu_time = false;

  // The candidate's name in results.
  std::string candidate_name = "candidate";

  // Where results go; unset: DefaultPublisher().
  std::shared_ptr<Publisher> publisher;
  // Runs concurrent-mode candidates; unset: DefaultExperimentExecutor().
  std::shared_ptr<ExperimentExecutor> executor;
  // Concurrent mode: a candidate that has not finished this long after it was
  // queued is published as a timeout instead of being compared.
  std::chrono::microseconds deadline{std::chrono::seconds(1)};
};

// A candidate with its own name, for RunCandidates.
template <typename Fn>
struct NamedCandidate {
  std::string_view name;
  Fn fn;
};
template <typename Fn>
NamedCandidate<std::decay_t<Fn>> MakeCandidate(std::string_view name, Fn&& fn) {
  return {name, std::forward<Fn>(fn)};
}

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_OPTIONS_H_
