// Where per-origin tracking goes: every Migration hands one OperationRecord
// per Read and Write to its OperationTracker (operation_record.h).
//
// InMemoryOperationTracker is the default: exact counters per operation,
// stage, reason and origin, readable by the application (a /metrics handler,
// a test, a benchmark). Counting takes no lock and no read-modify-write
// instruction on the request path: each thread owns a shard of the counters
// and the totals add the shards up.
//
// Thread-safety: Record may be called from any number of threads at once (on
// request threads, and on executor workers for concurrent-mode candidates).
// Implementations must not block in Record and should not throw; the
// migration catches what one throws and drops it.
#ifndef CUTOVER_OPERATION_TRACKER_H_
#define CUTOVER_OPERATION_TRACKER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "cutover/mutex.h"
#include "cutover/operation_record.h"

namespace cutover {
inline namespace sdk {

class OperationTracker {
 public:
  virtual ~OperationTracker() = default;
  // Records one operation. `record` and what it points to are valid only
  // during the call: copy what you keep.
  virtual void Record(const OperationRecord& record) = 0;
};

// Per-origin totals of one kind of operation.
struct OriginTotals {
  std::uint64_t runs = 0;            // the origin's callable ran
  std::uint64_t errors = 0;          // ... and failed
  std::uint64_t queued = 0;          // concurrent-mode candidates handed off
  std::uint64_t latency_ns_sum = 0;  // over `runs`
  std::uint64_t latency_ns_max = 0;

  // Mean wall time in nanoseconds; 0 without runs.
  double mean_latency_ns() const {
    return runs == 0 ? 0.0
                     : static_cast<double>(latency_ns_sum) /
                           static_cast<double>(runs);
  }
};

struct OperationTotals {
  std::uint64_t operations = 0;  // records, excluding async_candidate ones
  std::array<std::uint64_t, kStageCount> by_stage{};
  std::array<std::uint64_t, 7> by_reason{};  // indexed by Reason
  std::array<OriginTotals, 2> origins{};     // indexed by Side
  std::uint64_t caller_errors = 0;           // the caller got an error
  std::uint64_t sampled = 0;                 // reads sampled for a comparison
  std::uint64_t compared = 0;                // comparisons with a known outcome
  std::uint64_t disagreements = 0;       // mismatch, candidate or control error
  std::uint64_t reconcile_recorded = 0;  // reconcile entries appended

  const OriginTotals& origin(Side side) const {
    return origins[static_cast<int>(side)];
  }
  std::uint64_t stage(Stage s) const { return by_stage[static_cast<int>(s)]; }
};

struct TrackerTotals {
  std::array<OperationTotals, kMigrationOperationCount> operations{};
  const OperationTotals& reads() const { return operations[0]; }
  const OperationTotals& writes() const { return operations[1]; }
};

// An OperationRecord with its own copies of every string.
struct OwnedOperationRecord {
  std::string flag;
  MigrationOperation operation = MigrationOperation::kRead;
  Evaluation evaluation;
  std::string user_id;
  Side authoritative = Side::kOld;
  struct Origin {
    bool ran = false;
    bool queued = false;
    absl::StatusCode code = absl::StatusCode::kOk;
    std::string error;
    std::int64_t latency_ns = -1;
  };
  Origin old_origin;
  Origin new_origin;
  bool sampled = false;
  bool compared = false;
  Outcome outcome = Outcome::kMatch;
  bool reconcile_recorded = false;
  std::string entity_key;
  absl::StatusCode result = absl::StatusCode::kOk;
  bool async_candidate = false;
  std::int64_t at_ms = 0;

  static OwnedOperationRecord From(const OperationRecord& record);
  const Origin& origin(Side side) const {
    return side == Side::kOld ? old_origin : new_origin;
  }
};

class InMemoryOperationTracker : public OperationTracker {
 public:
  struct Options {
    // Newest records kept as OwnedOperationRecord (copying takes a mutex and
    // allocates: leave at 0 on hot paths; tests turn it on).
    std::size_t keep_records = 0;
  };

  InMemoryOperationTracker() : InMemoryOperationTracker(Options{}) {}
  explicit InMemoryOperationTracker(const Options& options);
  ~InMemoryOperationTracker() override;
  InMemoryOperationTracker(const InMemoryOperationTracker&) = delete;
  InMemoryOperationTracker& operator=(const InMemoryOperationTracker&) = delete;

  void Record(const OperationRecord& record) override;

  // Exact totals of everything recorded so far. Records still inside a
  // concurrent Record call may or may not be included.
  TrackerTotals Totals() const;
  // The kept records, oldest first (empty unless keep_records > 0).
  std::vector<OwnedOperationRecord> Records() const;

  // Counters of one thread; public only so that the implementation can name
  // it.
  struct Shard;

 private:
  Shard* ShardForThisThread();

  const Options options_;
  // One shard per thread slot (allocated on first use), plus one shared by
  // threads beyond the slot limit, updated with atomic read-modify-writes.
  std::unique_ptr<std::atomic<Shard*>[]> shards_;
  std::unique_ptr<Shard> shared_shard_;
  mutable Mutex mu_;
  std::deque<OwnedOperationRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_OPERATION_TRACKER_H_
