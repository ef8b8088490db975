#include "cutover/experiment_executor.h"

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "cutover/bounded_queue.h"
#include "cutover/internal/strings.h"
#include "cutover/mutex.h"

namespace cutover {
inline namespace sdk {

struct ExperimentExecutor::State {
  explicit State(const Options& o) : options(o), queue(o.queue_capacity) {}

  const Options options;
  BoundedQueue<std::unique_ptr<Task>> queue;

  std::atomic<bool> closed{false};
  // Set when queued tasks must be cancelled rather than run.
  std::atomic<bool> cancel_queued{false};
  // Submitters between their `closed` check and their push: Shutdown waits for
  // them so that nothing lands in the queue after its final sweep.
  std::atomic<int> submitters{0};
  std::atomic<int> sleepers{0};
  std::atomic<int> running{0};
  std::atomic<std::uint64_t> submitted{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> cancelled{0};

  Mutex mu;
  CondVar work_cv;  // a parked worker waits here
  CondVar exit_cv;  // Shutdown waits here for workers to exit
  int exited ABSL_GUARDED_BY(mu) = 0;
  std::vector<bool> worker_exited ABSL_GUARDED_BY(mu);

  Mutex shutdown_mu;
  bool shut_down ABSL_GUARDED_BY(shutdown_mu) = false;
  std::vector<std::thread> threads ABSL_GUARDED_BY(shutdown_mu);

  void Execute(std::unique_ptr<Task> task) {
    if (cancel_queued.load(std::memory_order_acquire)) {
      task->Cancel();
      cancelled.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    running.fetch_add(1, std::memory_order_relaxed);
    task->Run();
    running.fetch_sub(1, std::memory_order_relaxed);
    completed.fetch_add(1, std::memory_order_relaxed);
  }

  // Cancels whatever is still queued, on the calling thread.
  void CancelQueued() {
    std::unique_ptr<Task> task;
    while (queue.TryPop(&task)) {
      task->Cancel();
      cancelled.fetch_add(1, std::memory_order_relaxed);
      task.reset();
    }
  }

  bool PollBriefly(std::unique_ptr<Task>* task) {
    if (options.idle_spin.count() <= 0) return false;
    const auto until = std::chrono::steady_clock::now() + options.idle_spin;
    for (int i = 1;; ++i) {
      if (queue.TryPop(task)) return true;
      if (closed.load(std::memory_order_acquire)) return false;
      __builtin_ia32_pause();
      if ((i & 63) == 0 && std::chrono::steady_clock::now() >= until) {
        return false;
      }
    }
  }

  void Park() {
    MutexLock lock(&mu);
    // Both seq_cst, like the queue's enqueue and the submitter's load of
    // `sleepers`: either the submitter sees this worker asleep and signals,
    // or this worker sees its task here.
    sleepers.fetch_add(1, std::memory_order_seq_cst);
    if (queue.SizeApprox() == 0 && !closed.load(std::memory_order_acquire)) {
      // The timeout is a safety net only; wake-ups come from Signal.
      work_cv.WaitWithTimeout(&mu, absl::Milliseconds(100));
    }
    sleepers.fetch_sub(1, std::memory_order_relaxed);
  }

  void WorkerLoop(int index) {
    std::unique_ptr<Task> task;
    for (;;) {
      if (queue.TryPop(&task) || PollBriefly(&task)) {
        Execute(std::move(task));
        continue;
      }
      if (closed.load(std::memory_order_acquire)) break;
      Park();
    }
    MutexLock lock(&mu);
    worker_exited[index] = true;
    ++exited;
    exit_cv.SignalAll();
  }
};

absl::StatusOr<std::shared_ptr<ExperimentExecutor>> ExperimentExecutor::Create(
    const Options& options) {
  if (options.workers < 1 || options.workers > 256) {
    return absl::InvalidArgumentError(
        StrCat("experiment executor: workers must be between 1 and 256, not ",
               options.workers));
  }
  if (options.queue_capacity < 1 || options.queue_capacity > (1u << 24)) {
    return absl::InvalidArgumentError(StrCat(
        "experiment executor: queue_capacity must be between 1 and 16777216, "
        "not ",
        options.queue_capacity));
  }
  if (options.idle_spin.count() < 0 || options.shutdown_timeout.count() < 0) {
    return absl::InvalidArgumentError(
        "experiment executor: idle_spin and shutdown_timeout must not be "
        "negative");
  }
  auto state = std::make_shared<State>(options);
  {
    MutexLock lock(&state->mu);
    state->worker_exited.assign(static_cast<size_t>(options.workers), false);
  }
  {
    MutexLock lock(&state->shutdown_mu);
    for (int i = 0; i < options.workers; ++i) {
      // Each worker owns a reference: a detached worker keeps the state alive.
      state->threads.emplace_back([state, i] { state->WorkerLoop(i); });
    }
  }
  return std::make_shared<ExperimentExecutor>(Passkey{}, std::move(state));
}

ExperimentExecutor::ExperimentExecutor(Passkey, std::shared_ptr<State> state)
    : state_(std::move(state)) {}

ExperimentExecutor::~ExperimentExecutor() {
  Shutdown(ShutdownMode::kDrain, state_->options.shutdown_timeout)
      .IgnoreError();
}

bool ExperimentExecutor::TrySubmit(std::unique_ptr<Task>* task) noexcept {
  State& s = *state_;
  s.submitters.fetch_add(1, std::memory_order_seq_cst);
  if (s.closed.load(std::memory_order_seq_cst)) {
    s.submitters.fetch_sub(1, std::memory_order_release);
    s.rejected.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const bool pushed = s.queue.TryPush(std::move(*task));
  s.submitters.fetch_sub(1, std::memory_order_release);
  if (!pushed) {
    s.rejected.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  s.submitted.fetch_add(1, std::memory_order_relaxed);
  // The push was a seq_cst compare-and-swap: see Park().
  if (s.sleepers.load(std::memory_order_seq_cst) > 0) {
    MutexLock lock(&s.mu);
    s.work_cv.Signal();
  }
  return true;
}

absl::Status ExperimentExecutor::Shutdown(ShutdownMode mode,
                                          std::chrono::milliseconds timeout) {
  State& s = *state_;
  MutexLock shutdown_lock(&s.shutdown_mu);
  if (s.shut_down) return absl::OkStatus();
  s.shut_down = true;
  // Draining may use 90% of the time; the rest lets workers that were told
  // to cancel leave before anyone is declared stuck.
  const absl::Time start = absl::Now();
  const absl::Time drain_deadline = start + absl::FromChrono(timeout) * 0.9;
  const absl::Time deadline = start + absl::FromChrono(timeout);

  s.closed.store(true, std::memory_order_seq_cst);
  while (s.submitters.load(std::memory_order_acquire) != 0) {
    std::this_thread::yield();
  }
  if (mode == ShutdownMode::kCancel) {
    // Cancelled here and now rather than by workers that may all be busy.
    s.cancel_queued.store(true, std::memory_order_release);
    s.CancelQueued();
  }

  const int n = s.options.workers;
  {
    MutexLock lock(&s.mu);
    s.work_cv.SignalAll();
    while (s.exited < n) {
      if (s.exit_cv.WaitWithDeadline(&s.mu, drain_deadline)) break;
    }
  }
  // Whatever is still queued now missed the deadline (or the workers are all
  // stuck): it will never run.
  s.cancel_queued.store(true, std::memory_order_release);
  s.CancelQueued();
  std::vector<bool> worker_exited;
  {
    MutexLock lock(&s.mu);
    s.work_cv.SignalAll();
    while (s.exited < n) {
      if (s.exit_cv.WaitWithDeadline(&s.mu, deadline)) break;
    }
    worker_exited = s.worker_exited;
  }

  int stuck = 0;
  for (size_t i = 0; i < s.threads.size(); ++i) {
    if (!s.threads[i].joinable()) continue;
    if (worker_exited[i]) {
      s.threads[i].join();
    } else {
      s.threads[i].detach();
      ++stuck;
    }
  }
  if (stuck > 0) {
    return absl::DeadlineExceededError(
        StrCat("experiment executor: ", stuck,
               " worker(s) still inside a candidate after ", timeout.count(),
               " ms; their threads were detached and finish on their own"));
  }
  return absl::OkStatus();
}

ExperimentExecutor::Stats ExperimentExecutor::stats() const {
  const State& s = *state_;
  Stats st;
  st.submitted = s.submitted.load(std::memory_order_relaxed);
  st.rejected = s.rejected.load(std::memory_order_relaxed);
  st.completed = s.completed.load(std::memory_order_relaxed);
  st.cancelled = s.cancelled.load(std::memory_order_relaxed);
  st.queued = s.queue.SizeApprox();
  st.running = s.running.load(std::memory_order_relaxed);
  return st;
}

std::size_t ExperimentExecutor::queue_capacity() const {
  return state_->queue.capacity();
}

int ExperimentExecutor::workers() const { return state_->options.workers; }

std::shared_ptr<ExperimentExecutor> DefaultExperimentExecutor() {
  static const std::shared_ptr<ExperimentExecutor> executor = [] {
    auto created = ExperimentExecutor::Create(ExperimentExecutor::Options{});
    // The default options are valid; Create cannot fail on them.
    return *std::move(created);
  }();
  return executor;
}

}  // namespace sdk
}  // namespace cutover
