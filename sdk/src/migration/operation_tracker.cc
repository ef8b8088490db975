#include "cutover/operation_tracker.h"

#include <algorithm>
#include <utility>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

// Threads that may own a shard at once; further threads share one shard.
constexpr int kMaxThreadSlots = 256;

// Slot ownership, process-wide. Trivially destructible on purpose: a thread
// that exits during static destruction still releases its slot safely.
std::atomic<bool> g_slot_taken[kMaxThreadSlots];

// -2: not asked yet; -1: no slot was free (use the shared shard).
thread_local int tls_slot __attribute__((tls_model("initial-exec"))) = -2;

// Gives the slot back when its thread exits; registered once per thread, on
// the first Record, so the hot path reads only the trivially destructible
// tls_slot.
struct SlotReleaser {
  ~SlotReleaser() {
    if (tls_slot >= 0) {
      g_slot_taken[tls_slot].store(false, std::memory_order_release);
    }
  }
};

int AcquireSlot() {
  static thread_local SlotReleaser releaser;
  (void)releaser;
  for (int i = 0; i < kMaxThreadSlots; ++i) {
    bool expected = false;
    if (!g_slot_taken[i].load(std::memory_order_relaxed) &&
        g_slot_taken[i].compare_exchange_strong(expected, true,
                                                std::memory_order_acquire)) {
      return i;
    }
  }
  return -1;
}

using Counter = std::atomic<std::uint64_t>;

// The owner of a shard is its only writer: a relaxed load and store is exact
// and avoids the locked instruction. The shared shard needs the real thing.
inline void Add(Counter& c, std::uint64_t v, bool exclusive) {
  if (exclusive) {
    c.store(c.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
  } else {
    c.fetch_add(v, std::memory_order_relaxed);
  }
}

inline void Max(Counter& c, std::uint64_t v) {
  std::uint64_t seen = c.load(std::memory_order_relaxed);
  while (v > seen &&
         !c.compare_exchange_weak(seen, v, std::memory_order_relaxed)) {
  }
}

}  // namespace

struct InMemoryOperationTracker::Shard {
  struct Origin {
    Counter runs{0};
    Counter errors{0};
    Counter queued{0};
    Counter latency_ns_sum{0};
    Counter latency_ns_max{0};
  };
  struct Op {
    Counter operations{0};
    Counter by_stage[kStageCount] = {};
    Counter by_reason[7] = {};
    Origin origins[2];
    Counter caller_errors{0};
    Counter sampled{0};
    Counter compared{0};
    Counter disagreements{0};
    Counter reconcile_recorded{0};
  };
  alignas(64) Op ops[kMigrationOperationCount];

  void Add(const OperationRecord& r, bool exclusive) {
    Op& op = ops[static_cast<int>(r.operation)];
    for (Side side : {Side::kOld, Side::kNew}) {
      const OriginOutcome& o = r.origin(side);
      Origin& t = op.origins[static_cast<int>(side)];
      if (o.queued) cutover::Add(t.queued, 1, exclusive);
      if (!o.ran) continue;
      cutover::Add(t.runs, 1, exclusive);
      if (o.code != absl::StatusCode::kOk) cutover::Add(t.errors, 1, exclusive);
      if (o.latency_ns > 0) {
        const auto ns = static_cast<std::uint64_t>(o.latency_ns);
        cutover::Add(t.latency_ns_sum, ns, exclusive);
        Max(t.latency_ns_max, ns);
      }
    }
    if (r.compared) {
      cutover::Add(op.compared, 1, exclusive);
      if (IsDisagreement(r.outcome)) {
        cutover::Add(op.disagreements, 1, exclusive);
      }
    }
    if (r.async_candidate) return;
    cutover::Add(op.operations, 1, exclusive);
    cutover::Add(op.by_stage[static_cast<int>(r.evaluation.stage)], 1,
                 exclusive);
    cutover::Add(op.by_reason[static_cast<int>(r.evaluation.reason)], 1,
                 exclusive);
    if (r.result != absl::StatusCode::kOk) {
      cutover::Add(op.caller_errors, 1, exclusive);
    }
    if (r.sampled) cutover::Add(op.sampled, 1, exclusive);
    if (r.reconcile_recorded) {
      cutover::Add(op.reconcile_recorded, 1, exclusive);
    }
  }

  void AddTo(TrackerTotals* totals) const {
    auto get = [](const Counter& c) {
      return c.load(std::memory_order_relaxed);
    };
    for (int i = 0; i < kMigrationOperationCount; ++i) {
      const Op& op = ops[i];
      OperationTotals& t = totals->operations[i];
      t.operations += get(op.operations);
      for (int s = 0; s < kStageCount; ++s)
        t.by_stage[s] += get(op.by_stage[s]);
      for (int r = 0; r < 7; ++r) t.by_reason[r] += get(op.by_reason[r]);
      for (int side = 0; side < 2; ++side) {
        const Origin& o = op.origins[side];
        OriginTotals& ot = t.origins[side];
        ot.runs += get(o.runs);
        ot.errors += get(o.errors);
        ot.queued += get(o.queued);
        ot.latency_ns_sum += get(o.latency_ns_sum);
        ot.latency_ns_max = std::max(ot.latency_ns_max, get(o.latency_ns_max));
      }
      t.caller_errors += get(op.caller_errors);
      t.sampled += get(op.sampled);
      t.compared += get(op.compared);
      t.disagreements += get(op.disagreements);
      t.reconcile_recorded += get(op.reconcile_recorded);
    }
  }
};

OwnedOperationRecord OwnedOperationRecord::From(const OperationRecord& r) {
  OwnedOperationRecord o;
  o.flag = std::string(r.flag);
  o.operation = r.operation;
  o.evaluation = r.evaluation;
  o.user_id = std::string(r.user_id);
  o.authoritative = r.authoritative;
  auto copy = [](const OriginOutcome& in, Origin* out) {
    out->ran = in.ran;
    out->queued = in.queued;
    out->code = in.code;
    out->error = std::string(in.error);
    out->latency_ns = in.latency_ns;
  };
  copy(r.old_origin, &o.old_origin);
  copy(r.new_origin, &o.new_origin);
  o.sampled = r.sampled;
  o.compared = r.compared;
  o.outcome = r.outcome;
  o.reconcile_recorded = r.reconcile_recorded;
  o.entity_key = std::string(r.entity_key);
  o.result = r.result;
  o.async_candidate = r.async_candidate;
  o.at_ms = r.at_ms;
  return o;
}

InMemoryOperationTracker::InMemoryOperationTracker(const Options& options)
    : options_(options),
      shards_(std::make_unique<std::atomic<Shard*>[]>(kMaxThreadSlots)),
      shared_shard_(std::make_unique<Shard>()) {
  for (int i = 0; i < kMaxThreadSlots; ++i) {
    shards_[i].store(nullptr, std::memory_order_relaxed);
  }
}

InMemoryOperationTracker::~InMemoryOperationTracker() {
  for (int i = 0; i < kMaxThreadSlots; ++i) {
    std::unique_ptr<Shard> owned(shards_[i].load(std::memory_order_acquire));
  }
}

InMemoryOperationTracker::Shard*
InMemoryOperationTracker::ShardForThisThread() {
  int slot = tls_slot;
  if (__builtin_expect(slot == -2, 0)) slot = tls_slot = AcquireSlot();
  if (slot < 0) return nullptr;
  Shard* shard = shards_[slot].load(std::memory_order_acquire);
  if (__builtin_expect(shard == nullptr, 0)) {
    // Only this slot's owner ever installs its shard, so a plain store does.
    shard = std::make_unique<Shard>().release();
    shards_[slot].store(shard, std::memory_order_release);
  }
  return shard;
}

void InMemoryOperationTracker::Record(const OperationRecord& record) {
  if (Shard* shard = ShardForThisThread(); shard != nullptr) {
    shard->Add(record, /*exclusive=*/true);
  } else {
    shared_shard_->Add(record, /*exclusive=*/false);
  }
  if (options_.keep_records > 0) {
    OwnedOperationRecord owned = OwnedOperationRecord::From(record);
    MutexLock lock(&mu_);
    records_.push_back(std::move(owned));
    while (records_.size() > options_.keep_records) records_.pop_front();
  }
}

TrackerTotals InMemoryOperationTracker::Totals() const {
  TrackerTotals totals;
  for (int i = 0; i < kMaxThreadSlots; ++i) {
    if (const Shard* s = shards_[i].load(std::memory_order_acquire)) {
      s->AddTo(&totals);
    }
  }
  shared_shard_->AddTo(&totals);
  return totals;
}

std::vector<OwnedOperationRecord> InMemoryOperationTracker::Records() const {
  MutexLock lock(&mu_);
  return std::vector<OwnedOperationRecord>(records_.begin(), records_.end());
}

}  // namespace sdk
}  // namespace cutover
