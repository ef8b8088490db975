// The bounded, shared executor that runs asynchronous experiment candidates:
// a fixed number of worker threads fed by a fixed-capacity lock-free queue.
//
// Submitting never blocks: a full queue refuses the task at once (the
// experiment publishes it as `dropped`), so a slow new schema can never back up
// into the application's request threads. Idle workers spin briefly before
// parking, so a steady stream of submissions rarely pays for a wake-up.
//
// Shutdown is bounded: queued tasks are drained (or cancelled) and workers are
// joined within a deadline; a worker still stuck in a candidate after it is
// detached (C++ cannot interrupt a running function) and keeps only shared
// state alive.
//
// Thread-safety: every method may be called from any thread. Task::Run and
// Task::Cancel run on worker threads (Cancel may also run on the thread that
// calls Shutdown).
#ifndef CUTOVER_EXPERIMENT_EXECUTOR_H_
#define CUTOVER_EXPERIMENT_EXECUTOR_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cutover {
inline namespace sdk {

class ExperimentExecutor {
 public:
  // One unit of work. Exactly one of Run() or Cancel() is called, once; then
  // the task is destroyed. Neither may throw.
  class Task {
   public:
    virtual ~Task() = default;
    virtual void Run() noexcept = 0;
    // The task will never run (the executor shut down before reaching it).
    virtual void Cancel() noexcept = 0;
  };

  struct Options {
    // Worker threads: 1..256.
    int workers = 2;
    // Queued (not yet running) tasks: 1..(1 << 24), rounded up to a power of
    // two.
    std::size_t queue_capacity = 1024;
    // How long an idle worker polls the queue before parking; 0 parks at
    // once. Polling spares submitters the cost of waking a parked thread.
    std::chrono::microseconds idle_spin{50};
    // The destructor's Shutdown(kDrain, shutdown_timeout).
    std::chrono::milliseconds shutdown_timeout{2000};
  };

  enum class ShutdownMode {
    kDrain,   // run what is queued, as far as the deadline allows
    kCancel,  // cancel what is queued; let running tasks finish
  };

  struct Stats {
    std::uint64_t submitted = 0;  // accepted by TrySubmit
    std::uint64_t rejected = 0;   // refused: queue full or shut down
    std::uint64_t completed = 0;  // Run() returned
    std::uint64_t cancelled = 0;  // Cancel() called instead
    std::size_t queued = 0;       // waiting now (approximate)
    int running = 0;              // in Run() now
  };

  // Starts the workers. InvalidArgument naming the option when one is out of
  // range.
  static absl::StatusOr<std::shared_ptr<ExperimentExecutor>> Create(
      const Options& options);

  // Shutdown(kDrain, options.shutdown_timeout).
  ~ExperimentExecutor();
  ExperimentExecutor(const ExperimentExecutor&) = delete;
  ExperimentExecutor& operator=(const ExperimentExecutor&) = delete;

  // Queues `*task` and takes it (leaving `*task` null). Returns false when the
  // queue is full or the executor is shut down; `*task` is then left with the
  // caller, who decides what a drop means. Never blocks.
  bool TrySubmit(std::unique_ptr<Task>* task) noexcept;

  // Stops accepting tasks, then drains or cancels the queue and joins the
  // workers, all within `timeout`. Queued tasks still waiting at the deadline
  // are cancelled. OK when every worker exited in time; DeadlineExceeded
  // naming how many workers were still inside a task (their threads are
  // detached and finish on their own). Later calls return OK at once.
  absl::Status Shutdown(ShutdownMode mode, std::chrono::milliseconds timeout);

  Stats stats() const;
  std::size_t queue_capacity() const;
  int workers() const;

  // Shared state of the workers; public only so that the implementation can
  // name it.
  struct State;

 private:
  struct Passkey {};

 public:
  ExperimentExecutor(Passkey, std::shared_ptr<State> state);

 private:
  std::shared_ptr<State> state_;
};

// The process-wide executor used by experiments that were not given one: two
// workers, 1024 queued tasks. Created on first use; shut down at exit.
std::shared_ptr<ExperimentExecutor> DefaultExperimentExecutor();

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_EXECUTOR_H_
