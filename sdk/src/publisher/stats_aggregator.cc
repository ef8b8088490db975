#include "cutover/stats_aggregator.h"

#include <functional>
#include <limits>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace cutover {
inline namespace sdk {
namespace {

constexpr int kSlots = 4;  // a power of two: minute & (kSlots - 1)
constexpr std::int64_t kNoMinute = std::numeric_limits<std::int64_t>::min();
// A slot being turned to a new minute: writers go the locked way meanwhile.
constexpr std::int64_t kTurning = kNoMinute + 1;
constexpr int kBuckets = LatencyHistogram::kBucketCount;

StatsCounter CounterFor(Outcome outcome) {
  switch (outcome) {
    case Outcome::kMatch:
      return StatsCounter::kMatches;
    case Outcome::kMismatch:
      return StatsCounter::kMismatches;
    case Outcome::kIgnored:
      return StatsCounter::kIgnored;
    case Outcome::kCandidateError:
      return StatsCounter::kCandidateErrors;
    case Outcome::kControlError:
      return StatsCounter::kControlErrors;
    case Outcome::kTimeout:
      return StatsCounter::kTimeouts;
    case Outcome::kDropped:
      return StatsCounter::kDropped;
  }
  return StatsCounter::kDropped;
}

bool Completed(const ObservationView& o) { return o.ran && o.wall_ns >= 0; }

std::size_t HashFlag(std::string_view flag) {
  return std::hash<std::string_view>{}(flag);
}

}  // namespace

struct StatsAggregator::FlagStats {
  struct alignas(64) Slot {
    std::atomic<std::int64_t> minute{kNoMinute};
    // Writers between their minute check and their last increment. Turning
    // the slot waits for them, so no increment meant for the old minute can
    // land after the slot was drained.
    std::atomic<std::int32_t> writers{0};
    std::atomic<std::uint64_t> counters[kStatsCounterCount] = {};
    std::atomic<std::uint64_t> latency[2][kBuckets] = {};

    void Count(const ExperimentResult& r) {
      counters[static_cast<int>(CounterFor(r.outcome))].fetch_add(
          1, std::memory_order_relaxed);
      if (Completed(r.control)) {
        latency[static_cast<int>(r.control_side)]
               [LatencyHistogram::BucketFor(r.control.wall_ns)]
                   .fetch_add(1, std::memory_order_relaxed);
      }
      if (Completed(r.candidate)) {
        latency[static_cast<int>(Other(r.control_side))]
               [LatencyHistogram::BucketFor(r.candidate.wall_ns)]
                   .fetch_add(1, std::memory_order_relaxed);
      }
    }

    // Moves the slot's counts into `out`; true if there were any.
    bool Drain(MinuteCounters* out) {
      bool any = false;
      for (int i = 0; i < kStatsCounterCount; ++i) {
        if (counters[i].load(std::memory_order_relaxed) == 0) continue;
        out->counters[i] += counters[i].exchange(0, std::memory_order_relaxed);
        any = true;
      }
      for (int side = 0; side < 2; ++side) {
        for (int b = 0; b < kBuckets; ++b) {
          if (latency[side][b].load(std::memory_order_relaxed) == 0) continue;
          out->latency[side].AddToBucket(
              b, latency[side][b].exchange(0, std::memory_order_relaxed));
          any = true;
        }
      }
      return any;
    }
  };

  FlagStats(std::string_view n, std::size_t h) : name(n), hash(h) {}

  const std::string name;
  const std::size_t hash;
  Slot slots[kSlots];
  Mutex mu;
  // Counts moved out of a slot when it turned to a new minute, and late
  // results for minutes no slot holds any more; harvested like the slots.
  absl::flat_hash_map<std::int64_t, MinuteCounters> aside ABSL_GUARDED_BY(mu);

  // Returns the slot for `minute`, turning it over under `mu` if it still
  // holds an older minute; nullptr when `minute` is older than the slot's (the
  // caller then counts into `aside` under `mu`). `*opened` is set when this
  // call turned the slot to a new minute.
  Slot* SlotFor(std::int64_t minute, bool* opened)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Slot& slot = slots[static_cast<std::uint64_t>(minute) & (kSlots - 1)];
    const std::int64_t held = slot.minute.load(std::memory_order_acquire);
    if (held == minute) return &slot;
    if (held != kNoMinute && held > minute) return nullptr;
    if (held != kNoMinute) {
      // Close the slot, wait out writers that already saw the old minute,
      // then drain: every old-minute increment is in the drained counts.
      slot.minute.store(kTurning, std::memory_order_seq_cst);
      while (slot.writers.load(std::memory_order_seq_cst) != 0) {
        __builtin_ia32_pause();
      }
      MinuteCounters old;
      if (slot.Drain(&old)) aside[held].Add(old);
    }
    slot.minute.store(minute, std::memory_order_release);
    *opened = true;
    return &slot;
  }
};

StatsAggregator::StatsAggregator(std::size_t max_flags)
    : max_flags_(max_flags == 0 ? 1 : max_flags),
      mask_([this] {
        std::size_t c = 16;
        while (c < 2 * max_flags_) c <<= 1;
        return c - 1;
      }()),
      table_(std::make_unique<std::atomic<FlagStats*>[]>(mask_ + 1)) {
  for (std::size_t i = 0; i <= mask_; ++i) {
    table_[i].store(nullptr, std::memory_order_relaxed);
  }
}

StatsAggregator::~StatsAggregator() = default;

StatsAggregator::FlagStats* StatsAggregator::Find(
    std::string_view flag) noexcept {
  const std::size_t hash = HashFlag(flag);
  for (std::size_t i = 0; i <= mask_; ++i) {
    FlagStats* f = table_[(hash + i) & mask_].load(std::memory_order_acquire);
    if (f == nullptr) return Insert(flag, hash);
    if (f->hash == hash && f->name == flag) return f;
  }
  return nullptr;
}

StatsAggregator::FlagStats* StatsAggregator::Insert(std::string_view flag,
                                                    std::size_t hash) noexcept {
  MutexLock lock(&insert_mu_);
  // Another thread may have inserted it since the lock-free probe.
  std::size_t i = 0;
  for (; i <= mask_; ++i) {
    FlagStats* f = table_[(hash + i) & mask_].load(std::memory_order_acquire);
    if (f == nullptr) break;
    if (f->hash == hash && f->name == flag) return f;
  }
  if (i > mask_ || flags_.size() >= max_flags_) return nullptr;
  try {
    auto created = std::make_unique<FlagStats>(flag, hash);
    FlagStats* f = created.get();
    flags_.push_back(std::move(created));
    table_[(hash + i) & mask_].store(f, std::memory_order_release);
    return f;
  } catch (...) {
    return nullptr;  // out of memory: the result goes uncounted
  }
}

bool StatsAggregator::Record(const ExperimentResult& result) noexcept {
  FlagStats* f = Find(result.flag);
  if (f == nullptr) {
    untracked_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const std::int64_t minute = UnixMinuteOfMillis(result.timestamp_ms);
  FlagStats::Slot& slot =
      f->slots[static_cast<std::uint64_t>(minute) & (kSlots - 1)];
  // Announce, then check (both seq_cst): either SlotFor sees this writer and
  // waits for it, or this writer sees the slot turning and takes the lock.
  slot.writers.fetch_add(1, std::memory_order_seq_cst);
  if (slot.minute.load(std::memory_order_seq_cst) == minute) {
    slot.Count(result);
    slot.writers.fetch_sub(1, std::memory_order_release);
    return false;
  }
  slot.writers.fetch_sub(1, std::memory_order_release);
  bool opened = false;
  MutexLock lock(&f->mu);
  if (FlagStats::Slot* s = f->SlotFor(minute, &opened)) {
    s->Count(result);
    return opened;
  }
  // A late result (its minute's slot has moved on): count it exactly, aside.
  MinuteCounters& late = f->aside[minute];
  late.at(CounterFor(result.outcome)) += 1;
  if (Completed(result.control)) {
    late.histogram(result.control_side).Add(result.control.wall_ns);
  }
  if (Completed(result.candidate)) {
    late.histogram(Other(result.control_side)).Add(result.candidate.wall_ns);
  }
  return false;
}

void StatsAggregator::RecordEventDropped(std::string_view flag,
                                         std::int64_t unix_minute) noexcept {
  FlagStats* f = Find(flag);
  if (f == nullptr) {
    untracked_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  FlagStats::Slot& slot =
      f->slots[static_cast<std::uint64_t>(unix_minute) & (kSlots - 1)];
  constexpr int kIndex = static_cast<int>(StatsCounter::kEventsDropped);
  slot.writers.fetch_add(1, std::memory_order_seq_cst);
  if (slot.minute.load(std::memory_order_seq_cst) == unix_minute) {
    slot.counters[kIndex].fetch_add(1, std::memory_order_relaxed);
    slot.writers.fetch_sub(1, std::memory_order_release);
    return;
  }
  slot.writers.fetch_sub(1, std::memory_order_release);
  bool opened = false;
  MutexLock lock(&f->mu);
  if (FlagStats::Slot* s = f->SlotFor(unix_minute, &opened)) {
    s->counters[kIndex].fetch_add(1, std::memory_order_relaxed);
  } else {
    f->aside[unix_minute].at(StatsCounter::kEventsDropped) += 1;
  }
}

void StatsAggregator::Harvest(
    absl::FunctionRef<void(std::string_view, std::int64_t,
                           const MinuteCounters&)>
        fn) {
  std::vector<FlagStats*> flags;
  {
    MutexLock lock(&insert_mu_);
    flags.reserve(flags_.size());
    for (const auto& f : flags_) flags.push_back(f.get());
  }
  std::map<std::int64_t, MinuteCounters> minutes;
  for (FlagStats* f : flags) {
    minutes.clear();
    {
      MutexLock lock(&f->mu);
      for (FlagStats::Slot& slot : f->slots) {
        const std::int64_t m = slot.minute.load(std::memory_order_acquire);
        if (m == kNoMinute) continue;
        MinuteCounters counts;
        if (slot.Drain(&counts)) minutes[m].Add(counts);
      }
      for (auto& [m, counts] : f->aside) minutes[m].Add(counts);
      f->aside.clear();
    }
    for (auto& [m, counts] : minutes) {
      std::uint64_t compared = 0;
      for (StatsCounter c :
           {StatsCounter::kMatches, StatsCounter::kMismatches,
            StatsCounter::kIgnored, StatsCounter::kCandidateErrors,
            StatsCounter::kControlErrors}) {
        compared += counts.get(c);
      }
      counts.at(StatsCounter::kComparisons) = compared;
      if (!counts.empty()) fn(f->name, m, counts);
    }
  }
}

}  // namespace sdk
}  // namespace cutover
