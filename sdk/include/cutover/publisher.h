// Where experiment results go. An experiment hands every result to one
// Publisher; the SDK ships two: InMemoryPublisher (the embedded default) and
// RedisPublisher (exact per-minute counters and capped event streams in Redis,
// docs/design.md, Results pipeline).
//
// Thread-safety: implementations must accept Publish from many threads at
// once: in serial modes it runs on the application's request thread, in
// concurrent mode on executor workers.
#ifndef CUTOVER_PUBLISHER_H_
#define CUTOVER_PUBLISHER_H_

#include <chrono>
#include <memory>

#include "absl/status/status.h"
#include "cutover/experiment_result.h"

namespace cutover {
inline namespace sdk {

class Publisher {
 public:
  virtual ~Publisher() = default;

  // Records one result. `result` and everything it points to is valid only
  // during the call: copy what you keep (ResultRecord::Assign). Must not block
  // (it may run on a request thread) and should not throw; an exception is
  // caught by the experiment, reported to its raised(kPublish) hook, and never
  // reaches the application.
  virtual void Publish(const ExperimentResult& result) = 0;

  // Makes everything published before the call durable where this publisher
  // writes (a no-op for in-memory ones), waiting at most `timeout`. OK when
  // done; DeadlineExceeded or Unavailable, saying what is still pending, when
  // not.
  virtual absl::Status Flush(std::chrono::milliseconds timeout) {
    (void)timeout;
    return absl::OkStatus();
  }
};

// The publisher experiments use when their config names none: a process-wide
// InMemoryPublisher unless SetDefaultPublisher installed another. Experiments
// capture it when they are created.
std::shared_ptr<Publisher> DefaultPublisher();
// Installs the default publisher; nullptr restores the built-in one.
void SetDefaultPublisher(std::shared_ptr<Publisher> publisher);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_PUBLISHER_H_
