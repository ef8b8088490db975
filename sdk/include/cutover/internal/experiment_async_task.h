// A concurrent-mode candidate queued on the executor: it owns copies of
// everything the run needs after Run() returned (the control's outcome, the
// candidate callable, the run's strings) and a share of the experiment's core,
// and it compares and publishes on the worker thread. Internal to
// experiment.h.
//
// Thread-safety: created on the caller's thread, then used only by the worker
// that runs (or the thread that cancels) it.
#ifndef CUTOVER_EXPERIMENT_ASYNC_TASK_H_
#define CUTOVER_EXPERIMENT_ASYNC_TASK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "cutover/experiment_executor.h"
#include "cutover/internal/experiment_clock.h"
#include "cutover/internal/experiment_core.h"

namespace cutover {
inline namespace sdk {
namespace experiment_internal {

template <typename Control, typename Candidate, typename Fn>
class AsyncCandidateTask final : public ExperimentExecutor::Task {
 public:
  AsyncCandidateTask(std::shared_ptr<const Core<Control, Candidate>> core,
                     const RunInfo& run, const Observed<Control>& control,
                     const Fn& fn, std::string_view candidate_name,
                     std::int64_t queued_at_ns)
      : core_(std::move(core)),
        run_(run, candidate_name),
        control_(control),
        fn_(fn),
        queued_at_ns_(queued_at_ns) {}

  void Run() noexcept override {
    const Core<Control, Candidate>& core = *core_;
    Observed<Candidate> candidate;
    const std::int64_t start = MonotonicNanos();
    // Expired while queued: running it now would only load the new schema
    // for a comparison nobody will see in time.
    if (start - queued_at_ns_ > core.deadline_ns()) {
      Publish(Outcome::kTimeout, candidate, {});
      return;
    }
    const std::int64_t cpu_start =
        core.measure_cpu_time() ? ThreadCpuNanos() : 0;
    Observe(fn_, &candidate);
    const std::int64_t end = MonotonicNanos();
    candidate.wall_ns = end - start;
    if (core.measure_cpu_time())
      candidate.cpu_ns = ThreadCpuNanos() - cpu_start;
    if (end - queued_at_ns_ > core.deadline_ns()) {
      Publish(Outcome::kTimeout, candidate, {});
      return;
    }
    std::string diff;
    const Outcome outcome = core.Evaluate(control_, candidate, &diff);
    Publish(outcome, candidate, diff);
  }

  void Cancel() noexcept override {
    Publish(Outcome::kDropped, Observed<Candidate>{}, {});
  }

 private:
  void Publish(Outcome outcome, const Observed<Candidate>& candidate,
               std::string_view diff) noexcept {
    try {
      core_->PublishGuarded(core_->MakeResult(run_.info(), outcome, control_,
                                              candidate, run_.candidate_name(),
                                              diff));
    } catch (...) {
      // MakeResult only copies views; nothing to report if it ever threw.
    }
  }

  const std::shared_ptr<const Core<Control, Candidate>> core_;
  const OwnedRun run_;
  const Observed<Control> control_;
  Fn fn_;
  const std::int64_t queued_at_ns_;
};

}  // namespace experiment_internal
}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_ASYNC_TASK_H_
