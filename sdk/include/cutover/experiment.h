// Scientist-style experiments (docs/design.md, Experiments): run the
// authoritative read (the control) and, when sampled, the other one (the
// candidate); return the control's value; compare the two and publish the
// result.
//
//   ExperimentConfig<User> config;
//   config.name = "users.profile";
//   config.compare = [](const User& a, const User& b) { return a.id == b.id; };
//   auto experiment = Experiment<User>::Create(std::move(config)).value();
//   ...
//   RunContext run;
//   run.flag = "users_v2"; run.user_id = user_id; run.stage = Stage::kShadow;
//   User u = experiment.Run(run, [&] { return ReadOld(id); },
//                                [&] { return ReadNew(id); });
//
// Guarantees:
//  - Run() returns the control's value, or rethrows the control's own
//    exception after the result was published. Nothing else escapes: a
//    candidate's exception is part of the result, and a callback's (compare,
//    ignore, clean, run_if, before_run, publisher) goes to the raised hook.
//    The one deliberate exception is MismatchError with raise_on_mismatch.
//  - An unsampled run calls the control and nothing else: no allocation, no
//    clock read, no std::function call. Sampling is decided before run_if.
//  - In concurrent mode the caller never waits for the candidate: it runs on
//    the executor after the control returned, and a full queue drops it
//    (published as `dropped`). Its callable is copied and runs after Run()
//    returned, so it must own what it uses (capture by value).
//
// Thread-safety: an Experiment is immutable once created and Run() may be
// called from any number of threads at once. Copies share one core.
#ifndef CUTOVER_EXPERIMENT_H_
#define CUTOVER_EXPERIMENT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "cutover/experiment_options.h"
#include "cutover/internal/experiment_async_task.h"
#include "cutover/internal/experiment_clock.h"
#include "cutover/internal/experiment_core.h"
#include "cutover/internal/experiment_sampling.h"
#include "cutover/internal/strings.h"
#include "cutover/mismatch_error.h"

namespace cutover {
inline namespace sdk {

template <typename Control, typename Candidate = Control>
class Experiment {
  static_assert(!std::is_reference_v<Control> && !std::is_void_v<Control>,
                "an experiment's control returns a value");
  static_assert(!std::is_reference_v<Candidate> && !std::is_void_v<Candidate>,
                "an experiment's candidate returns a value");

  using Core = experiment_internal::Core<Control, Candidate>;

 public:
  using Config = ExperimentConfig<Control, Candidate>;

  // Validates `config` and builds the experiment. InvalidArgument naming the
  // field when: the name breaks the flag-name rule, sample_rate is outside
  // 0..1, deadline is not positive, candidate_name is empty or "control",
  // both compare and compare_detailed are set, or neither is set while the two
  // types cannot be compared with ==.
  static absl::StatusOr<Experiment> Create(Config config) {
    absl::Status status = experiment_internal::ValidateCommonConfig(
        config.name, config.sample_rate, config.deadline,
        config.candidate_name);
    if (!status.ok()) return status;
    if (config.compare && config.compare_detailed) {
      return absl::InvalidArgumentError(
          StrCat("experiment '", config.name,
                 "': set compare or compare_detailed, not both"));
    }
    if (!Core::kComparableByDefault && !config.compare &&
        !config.compare_detailed) {
      return absl::InvalidArgumentError(
          StrCat("experiment '", config.name,
                 "': the control and candidate types cannot be compared with "
                 "==; set compare or compare_detailed"));
    }
    return Experiment(std::make_shared<const Core>(std::move(config)));
  }

  // Runs the experiment with one candidate named by the config's
  // candidate_name. `control` and `candidate` are callables returning
  // something convertible to Control and Candidate. Returns the control's
  // value; rethrows the control's exception after publishing; throws
  // MismatchError only with raise_on_mismatch.
  template <typename ControlFn, typename CandidateFn>
  Control Run(const RunContext& run, ControlFn&& control,
              CandidateFn&& candidate) const {
    if (__builtin_expect(!core_->Sampled(run), 1)) {
      return std::forward<ControlFn>(control)();
    }
    return RunSampled(
        run, control,
        std::tuple<NamedCandidate<CandidateFn&>>(
            NamedCandidate<CandidateFn&>{core_->candidate_name(), candidate}));
  }

  // Runs several named candidates against one control (MakeCandidate("v2",
  // fn), ...); each comparison is published as its own result. Same contract
  // as Run.
  template <typename ControlFn, typename... Fns>
  Control RunCandidates(const RunContext& run, ControlFn&& control,
                        NamedCandidate<Fns>... candidates) const {
    static_assert(sizeof...(Fns) >= 1, "give at least one candidate");
    if (__builtin_expect(!core_->Sampled(run), 1)) {
      return std::forward<ControlFn>(control)();
    }
    return RunSampled(run, control,
                      std::tuple<NamedCandidate<Fns&>...>(NamedCandidate<Fns&>{
                          candidates.name, candidates.fn}...));
  }

  const std::string& name() const { return core_->name(); }
  // Callback and publisher exceptions reported so far (whether or not a
  // raised hook is installed).
  std::uint64_t raised_count() const { return core_->raised_count(); }
  // Where this experiment's results go.
  const std::shared_ptr<Publisher>& publisher() const {
    return core_->publisher();
  }

 private:
  explicit Experiment(std::shared_ptr<const Core> core)
      : core_(std::move(core)) {}

  template <typename ControlFn, typename... Fns>
  __attribute__((noinline)) Control RunSampled(
      const RunContext& run, ControlFn& control,
      std::tuple<NamedCandidate<Fns&>...> candidates) const {
    const Core& core = *core_;
    if (!core.AllowsRun()) return control();
    core.BeforeRun();
    const ExecutionMode mode = run.mode.value_or(core.mode());
    if (mode == ExecutionMode::kConcurrent) {
      if constexpr (std::is_copy_constructible_v<Control> &&
                    (std::is_copy_constructible_v<std::decay_t<Fns>> && ...)) {
        return RunConcurrent(run, control, candidates,
                             std::index_sequence_for<Fns...>{});
      }
    }
    return RunHere(run, mode == ExecutionMode::kRandomOrder, control,
                   candidates, std::index_sequence_for<Fns...>{});
  }

  // Serial and random-order runs: everything on the caller's thread.
  template <typename ControlFn, typename Tuple, std::size_t... Is>
  Control RunHere(const RunContext& run, bool shuffle, ControlFn& control,
                  Tuple& candidates, std::index_sequence<Is...>) const {
    constexpr std::size_t kN = sizeof...(Is);
    const Core& core = *core_;
    experiment_internal::Observed<Control> ctl;
    std::array<experiment_internal::Observed<Candidate>, kN> cands;
    const std::int64_t timestamp_ms = experiment_internal::UnixMillisCoarse();

    // Behaviour 0 is the control, 1..kN the candidates.
    std::array<std::uint8_t, kN + 1> order;
    std::iota(order.begin(), order.end(), std::uint8_t{0});
    if (shuffle) {
      for (std::size_t i = kN; i > 0; --i) {
        std::swap(order[i], order[ThreadRandom() % (i + 1)]);
      }
    }
    const bool cpu = core.measure_cpu_time();
    std::int64_t t = experiment_internal::MonotonicNanos();
    for (std::uint8_t b : order) {
      const std::int64_t cpu_start =
          cpu ? experiment_internal::ThreadCpuNanos() : 0;
      if (b == 0) {
        experiment_internal::Observe(control, &ctl);
      } else {
        ((b == Is + 1 ? experiment_internal::Observe(
                            std::get<Is>(candidates).fn, &cands[Is])
                      : void()),
         ...);
      }
      const std::int64_t now = experiment_internal::MonotonicNanos();
      const std::int64_t cpu_ns =
          cpu ? experiment_internal::ThreadCpuNanos() - cpu_start : -1;
      if (b == 0) {
        ctl.wall_ns = now - t;
        ctl.cpu_ns = cpu_ns;
      } else {
        cands[b - 1].wall_ns = now - t;
        cands[b - 1].cpu_ns = cpu_ns;
      }
      t = now;
    }

    const experiment_internal::RunInfo info{core.FlagOf(run), run.stage,
                                            run.user_id,      run.control_side,
                                            run.context,      timestamp_ms};
    const std::array<std::string_view, kN> names = {
        std::get<Is>(candidates).name...};
    std::optional<ResultRecord> disagreement;
    for (std::size_t i = 0; i < kN; ++i) {
      std::string diff;
      const Outcome outcome = core.Evaluate(ctl, cands[i], &diff);
      const ExperimentResult result =
          core.MakeResult(info, outcome, ctl, cands[i], names[i], diff);
      core.PublishGuarded(result);
      if (core.raise_on_mismatch() && IsDisagreement(outcome) &&
          !disagreement) {
        disagreement = ResultRecord::From(result);
      }
    }
    if (disagreement) throw MismatchError(std::move(*disagreement));
    if (ctl.error) std::rethrow_exception(ctl.error->exception);
    return std::move(*ctl.value);
  }

  // Concurrent runs: the control here, each candidate queued on the executor.
  template <typename ControlFn, typename Tuple, std::size_t... Is>
  Control RunConcurrent(const RunContext& run, ControlFn& control,
                        Tuple& candidates, std::index_sequence<Is...>) const {
    const Core& core = *core_;
    experiment_internal::Observed<Control> ctl;
    const std::int64_t timestamp_ms = experiment_internal::UnixMillisCoarse();
    const bool cpu = core.measure_cpu_time();
    const std::int64_t cpu_start =
        cpu ? experiment_internal::ThreadCpuNanos() : 0;
    const std::int64_t start = experiment_internal::MonotonicNanos();
    experiment_internal::Observe(control, &ctl);
    const std::int64_t queued_at = experiment_internal::MonotonicNanos();
    ctl.wall_ns = queued_at - start;
    if (cpu) ctl.cpu_ns = experiment_internal::ThreadCpuNanos() - cpu_start;

    const experiment_internal::RunInfo info{core.FlagOf(run), run.stage,
                                            run.user_id,      run.control_side,
                                            run.context,      timestamp_ms};
    (Submit(info, ctl, std::get<Is>(candidates), queued_at), ...);
    if (ctl.error) std::rethrow_exception(ctl.error->exception);
    return std::move(*ctl.value);
  }

  template <typename Fn>
  void Submit(const experiment_internal::RunInfo& info,
              const experiment_internal::Observed<Control>& ctl,
              const NamedCandidate<Fn&>& candidate,
              std::int64_t queued_at) const noexcept {
    using Task = experiment_internal::AsyncCandidateTask<Control, Candidate,
                                                         std::decay_t<Fn>>;
    const Core& core = *core_;
    ExperimentExecutor* executor = core.executor();
    try {
      std::unique_ptr<ExperimentExecutor::Task> task = std::make_unique<Task>(
          core_, info, ctl, candidate.fn, candidate.name, queued_at);
      if (executor->TrySubmit(&task)) return;
    } catch (...) {
      // Out of memory copying the task: the candidate is dropped like one
      // refused by a full queue.
    }
    // Counted on the caller's thread: a few atomic increments, no event.
    core.PublishGuarded(core.MakeResult(
        info, Outcome::kDropped, ctl,
        experiment_internal::Observed<Candidate>{}, candidate.name, {}));
  }

  std::shared_ptr<const Core> core_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_H_
