// The shared, immutable state of one experiment and the steps every run takes
// after it was sampled: evaluating the outcome, building the result view,
// publishing, reporting callback failures. Internal to experiment.h: use
// cutover::Experiment.
//
// Thread-safety: a Core is immutable after construction (apart from atomic
// counters) and used by every thread that runs the experiment at once.
#ifndef CUTOVER_EXPERIMENT_CORE_H_
#define CUTOVER_EXPERIMENT_CORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cutover/experiment_error.h"
#include "cutover/experiment_options.h"
#include "cutover/experiment_result.h"
#include "cutover/internal/experiment_sampling.h"
#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace experiment_internal {

// One behaviour's run.
template <typename T>
struct Observed {
  std::optional<T> value;
  std::optional<ErrorInfo> error;
  bool ran = false;
  std::int64_t wall_ns = -1;
  std::int64_t cpu_ns = -1;
};

// Runs `fn` into `out`, catching whatever it throws.
template <typename T, typename Fn>
void Observe(Fn& fn, Observed<T>* out) noexcept {
  try {
    out->value.emplace(fn());
  } catch (...) {
    out->error.emplace(CaptureCurrentError());
  }
  out->ran = true;
}

// Everything about a run that ends up in its result, borrowed.
struct RunInfo {
  std::string_view flag;
  Stage stage = Stage::kShadow;
  std::string_view user_id;
  Side control_side = Side::kOld;
  absl::Span<const ContextEntry> context;
  std::int64_t timestamp_ms = 0;
};

// A RunInfo plus a candidate name, owned: what a concurrent-mode task keeps
// after Run() returned. One inline buffer holds every string, so a typical
// run (flag, user id, a few context pairs) is copied without allocating.
// Neither copyable nor movable: the views point into it.
class OwnedRun {
 public:
  OwnedRun(const RunInfo& run, std::string_view candidate_name);
  OwnedRun(const OwnedRun&) = delete;
  OwnedRun& operator=(const OwnedRun&) = delete;

  const RunInfo& info() const { return info_; }
  std::string_view candidate_name() const { return candidate_name_; }

 private:
  absl::InlinedVector<char, 160> buffer_;
  absl::InlinedVector<ContextEntry, 4> context_;
  RunInfo info_;
  std::string_view candidate_name_;
};

// Checks what Experiment::Create checks that does not depend on the value
// types. InvalidArgument naming the field otherwise.
absl::Status ValidateCommonConfig(std::string_view name, double sample_rate,
                                  std::chrono::microseconds deadline,
                                  std::string_view candidate_name);

template <typename A, typename B, typename = void>
struct IsEqualityComparable : std::false_type {};
template <typename A, typename B>
struct IsEqualityComparable<
    A, B,
    std::void_t<decltype(static_cast<bool>(std::declval<const A&>() ==
                                           std::declval<const B&>()))>>
    : std::true_type {};

template <typename T, typename = void>
struct IsStreamable : std::false_type {};
template <typename T>
struct IsStreamable<T, std::void_t<decltype(std::declval<std::ostream&>()
                                            << std::declval<const T&>())>>
    : std::true_type {};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// The rendering used when no clean function is configured.
template <typename T>
std::string DefaultRender(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return std::string(std::string_view(value));
  } else if constexpr (std::is_arithmetic_v<T>) {
    return StrCat(value);
  } else if constexpr (IsOptional<T>::value) {
    return value.has_value() ? DefaultRender(*value) : std::string("null");
  } else if constexpr (IsStreamable<T>::value) {
    std::ostringstream out;
    out << value;
    return out.str();
  } else {
    return "(value without a clean function)";
  }
}

// The part of a Core that does not depend on the value types.
class CoreBase {
 public:
  template <typename Config>
  explicit CoreBase(const Config& config)
      : name_(config.name),
        threshold_(SampleThreshold(config.sample_rate)),
        sticky_(config.sticky_sampling),
        sticky_salt_(config.sticky_salt),
        mode_(config.mode),
        raise_on_mismatch_(config.raise_on_mismatch),
        measure_cpu_time_(config.measure_cpu_time),
        candidate_name_(config.candidate_name),
        deadline_ns_(std::chrono::nanoseconds(config.deadline).count()),
        context_storage_(config.context),
        raised_hook_(config.raised),
        publisher_(config.publisher ? config.publisher : DefaultPublisher()),
        executor_(config.executor) {
    context_.reserve(context_storage_.size());
    for (const auto& [k, v] : context_storage_) context_.push_back({k, v});
  }
  CoreBase(const CoreBase&) = delete;
  CoreBase& operator=(const CoreBase&) = delete;

  std::string_view FlagOf(const RunContext& run) const {
    return run.flag.empty() ? std::string_view(name_) : run.flag;
  }

  // The sampling decision: first thing every run does, so an unsampled run
  // reads no clock, allocates nothing and calls no std::function.
  bool Sampled(const RunContext& run) const noexcept {
    const std::uint64_t threshold =
        run.sample_rate ? SampleThreshold(*run.sample_rate) : threshold_;
    if (!sticky_) return RandomSampled(threshold);
    const std::string_view key =
        run.sample_key.empty() ? run.user_id : run.sample_key;
    if (key.empty()) return false;
    return StickySampled(
        threshold, sticky_salt_.empty() ? FlagOf(run) : sticky_salt_, key);
  }

  // Counts `error` from `operation` and hands it to the raised hook (or, with
  // none, logs the first one). Never throws.
  void Raise(Operation operation, const ErrorInfo& error) const noexcept;

  // Publishes, reporting a throwing publisher to the raised hook.
  void PublishGuarded(const ExperimentResult& result) const noexcept {
    try {
      publisher_->Publish(result);
    } catch (...) {
      Raise(Operation::kPublish, CaptureCurrentError());
    }
  }

  const std::string& name() const { return name_; }
  ExecutionMode mode() const { return mode_; }
  bool raise_on_mismatch() const { return raise_on_mismatch_; }
  bool measure_cpu_time() const { return measure_cpu_time_; }
  const std::string& candidate_name() const { return candidate_name_; }
  std::int64_t deadline_ns() const { return deadline_ns_; }
  absl::Span<const ContextEntry> context() const { return context_; }
  const std::shared_ptr<Publisher>& publisher() const { return publisher_; }
  // The configured executor, else the process default (created on first
  // use). Never null; owned by the core or by the process.
  ExperimentExecutor* executor() const;
  std::uint64_t raised_count() const {
    return raised_count_.load(std::memory_order_relaxed);
  }

 private:
  const std::string name_;
  const std::uint64_t threshold_;
  const bool sticky_;
  const std::string sticky_salt_;
  const ExecutionMode mode_;
  const bool raise_on_mismatch_;
  const bool measure_cpu_time_;
  const std::string candidate_name_;
  const std::int64_t deadline_ns_;
  const std::vector<std::pair<std::string, std::string>> context_storage_;
  std::vector<ContextEntry> context_;
  const std::function<void(Operation, const ErrorInfo&)> raised_hook_;
  const std::shared_ptr<Publisher> publisher_;
  const std::shared_ptr<ExperimentExecutor> executor_;
  mutable std::atomic<std::uint64_t> raised_count_{0};
  mutable std::atomic<bool> logged_raise_{false};
};

template <typename Control, typename Candidate>
class Core : public CoreBase {
 public:
  using Config = ExperimentConfig<Control, Candidate>;
  static constexpr bool kComparableByDefault =
      IsEqualityComparable<Control, Candidate>::value;

  explicit Core(Config config)
      : CoreBase(config),
        compare_(std::move(config.compare)),
        compare_detailed_(std::move(config.compare_detailed)),
        compare_errors_(std::move(config.compare_errors)),
        ignore_(std::move(config.ignore)),
        clean_control_(std::move(config.clean_control)),
        clean_candidate_(std::move(config.clean_candidate)),
        run_if_(std::move(config.run_if)),
        before_run_(std::move(config.before_run)) {}

  // run_if, guarded: a throwing run_if means "do not run".
  bool AllowsRun() const noexcept {
    if (!run_if_) return true;
    try {
      return run_if_();
    } catch (...) {
      Raise(Operation::kRunIf, CaptureCurrentError());
      return false;
    }
  }

  void BeforeRun() const noexcept {
    if (!before_run_) return;
    try {
      before_run_();
    } catch (...) {
      Raise(Operation::kBeforeRun, CaptureCurrentError());
    }
  }

  // The outcome of one control/candidate pair; on a detailed mismatch its
  // diff goes to `*diff`.
  Outcome Evaluate(const Observed<Control>& control,
                   const Observed<Candidate>& candidate,
                   std::string* diff) const noexcept {
    if (control.error && candidate.error) {
      return ErrorsEquivalent(*control.error, *candidate.error)
                 ? Outcome::kMatch
                 : Outcome::kMismatch;
    }
    if (control.error) return Outcome::kControlError;
    if (candidate.error) return Outcome::kCandidateError;
    const Control& a = *control.value;
    const Candidate& b = *candidate.value;
    if (ValuesEquivalent(a, b, diff)) return Outcome::kMatch;
    for (const auto& ignore : ignore_) {
      try {
        if (ignore(a, b)) return Outcome::kIgnored;
      } catch (...) {
        Raise(Operation::kIgnore, CaptureCurrentError());
      }
    }
    return Outcome::kMismatch;
  }

  ExperimentResult MakeResult(const RunInfo& run, Outcome outcome,
                              const Observed<Control>& control,
                              const Observed<Candidate>& candidate,
                              std::string_view candidate_name,
                              std::string_view diff) const {
    ExperimentResult r;
    r.experiment = name();
    r.flag = run.flag;
    r.stage = run.stage;
    r.user_id = run.user_id;
    r.outcome = outcome;
    r.control_side = run.control_side;
    r.control = View(control, "control", run.control_side, &RenderControl);
    r.candidate = View(candidate, candidate_name, Other(run.control_side),
                       &RenderCandidate);
    r.diff_json = diff;
    r.experiment_context = context();
    r.run_context = run.context;
    r.timestamp_ms = run.timestamp_ms;
    return r;
  }

  bool has_compare() const {
    return static_cast<bool>(compare_) || static_cast<bool>(compare_detailed_);
  }
  bool has_both_compares() const {
    return static_cast<bool>(compare_) && static_cast<bool>(compare_detailed_);
  }

 private:
  bool ErrorsEquivalent(const ErrorInfo& a, const ErrorInfo& b) const noexcept {
    if (!compare_errors_) return SameError(a, b);
    try {
      return compare_errors_(a, b);
    } catch (...) {
      Raise(Operation::kCompareErrors, CaptureCurrentError());
      return false;
    }
  }

  bool ValuesEquivalent(const Control& a, const Candidate& b,
                        std::string* diff) const noexcept {
    try {
      if (compare_detailed_) {
        Comparison c = compare_detailed_(a, b);
        if (!c.equal) *diff = std::move(c.diff_json);
        return c.equal;
      }
      if (compare_) return compare_(a, b);
      if constexpr (kComparableByDefault) {
        return static_cast<bool>(a == b);
      } else {
        return false;  // Create refuses this configuration
      }
    } catch (...) {
      Raise(Operation::kCompare, CaptureCurrentError());
      return false;
    }
  }

  template <typename T>
  ObservationView View(const Observed<T>& o, std::string_view name, Side side,
                       ValueRef::RenderFn render) const {
    ObservationView v;
    v.name = name;
    v.side = side;
    v.ran = o.ran;
    v.error = o.error ? &*o.error : nullptr;
    v.wall_ns = o.wall_ns;
    v.cpu_ns = o.cpu_ns;
    if (o.value) v.value = ValueRef(this, &*o.value, render);
    return v;
  }

  static std::string RenderControl(const void* core,
                                   const void* value) noexcept {
    const auto* self = static_cast<const Core*>(core);
    return self->Render(self->clean_control_,
                        *static_cast<const Control*>(value));
  }

  static std::string RenderCandidate(const void* core,
                                     const void* value) noexcept {
    const auto* self = static_cast<const Core*>(core);
    const auto& v = *static_cast<const Candidate*>(value);
    if constexpr (std::is_same_v<Control, Candidate>) {
      if (!self->clean_candidate_) return self->Render(self->clean_control_, v);
    }
    return self->Render(self->clean_candidate_, v);
  }

  // Cleans with `clean` if set; a throwing clean is reported and the value is
  // rendered the default way instead (Scientist returns the raw value).
  template <typename T>
  std::string Render(const std::function<std::string(const T&)>& clean,
                     const T& value) const noexcept {
    try {
      if (clean) {
        try {
          return clean(value);
        } catch (...) {
          Raise(Operation::kClean, CaptureCurrentError());
        }
      }
      return DefaultRender(value);
    } catch (...) {
      return std::string();
    }
  }

  const std::function<bool(const Control&, const Candidate&)> compare_;
  const std::function<Comparison(const Control&, const Candidate&)>
      compare_detailed_;
  const std::function<bool(const ErrorInfo&, const ErrorInfo&)> compare_errors_;
  const std::vector<std::function<bool(const Control&, const Candidate&)>>
      ignore_;
  const std::function<std::string(const Control&)> clean_control_;
  const std::function<std::string(const Candidate&)> clean_candidate_;
  const std::function<bool()> run_if_;
  const std::function<void()> before_run_;
};

}  // namespace experiment_internal
}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_CORE_H_
