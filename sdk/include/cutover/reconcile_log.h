// Where a Migration records the keys whose non-authoritative write failed, so
// their rows can be re-synced (reconcile_entry.h has the entry and its Redis
// fields; `cutover reconcile` replays them).
//
// Two implementations: InMemoryReconcileLog (the default, for tests and for
// applications without Redis) and RedisReconcileLog (redis_reconcile_log.h,
// appends to <prefix>reconcile:<flag> from a background thread).
//
// Thread-safety: Append may be called from any number of threads at once, on
// request threads: implementations must never block it (no network, no
// waiting for a full queue) and should not throw.
#ifndef CUTOVER_RECONCILE_LOG_H_
#define CUTOVER_RECONCILE_LOG_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "cutover/mutex.h"
#include "cutover/reconcile_entry.h"

namespace cutover {
inline namespace sdk {

class ReconcileLog {
 public:
  virtual ~ReconcileLog() = default;

  // Records one failed non-authoritative write. Never blocks; an entry that
  // cannot be kept (a full queue) is dropped, counted and logged with its key
  // by the implementation.
  virtual void Append(ReconcileEntry entry) = 0;

  // Makes every entry appended before the call durable where this log writes,
  // waiting at most `timeout`. OK when done (always, for in-memory logs);
  // DeadlineExceeded or Unavailable saying what is still pending otherwise.
  virtual absl::Status Flush(std::chrono::milliseconds timeout) {
    (void)timeout;
    return absl::OkStatus();
  }
};

// Keeps entries in process memory, newest last, up to a limit (the oldest go
// first beyond it, counted as dropped).
class InMemoryReconcileLog : public ReconcileLog {
 public:
  explicit InMemoryReconcileLog(std::size_t max_entries = 100000)
      : max_entries_(max_entries) {}

  void Append(ReconcileEntry entry) override;

  // The kept entries of `flag` (all flags when empty), oldest first. Each has
  // a synthetic id "<n>-0", n counting from 1, for Acknowledge.
  std::vector<ReconcileEntry> Entries(std::string_view flag = {}) const;
  // Removes the entry with this id (as `cutover reconcile` XDELs a repaired
  // one). Returns whether it was there.
  bool Acknowledge(std::string_view id);
  std::size_t size() const;
  std::uint64_t dropped() const;

 private:
  const std::size_t max_entries_;
  mutable Mutex mu_;
  std::deque<ReconcileEntry> entries_ ABSL_GUARDED_BY(mu_);
  std::uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_RECONCILE_LOG_H_
