#include "cutover/in_memory_publisher.h"

#include <algorithm>
#include <utility>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

InMemoryPublisher::InMemoryPublisher(const Options& options)
    : options_(options), aggregator_(options.max_flags) {}

void InMemoryPublisher::Publish(const ExperimentResult& result) {
  const bool opened_minute = aggregator_.Record(result);
  const bool keep = options_.keep_results > 0 &&
                    (options_.keep_all_results || IsEvent(result.outcome));
  if (!keep && !opened_minute) return;
  MutexLock lock(&mu_);
  // Harvesting when a flag turns to a new minute keeps the aggregator's
  // put-aside minutes from piling up in a process nobody reads from.
  if (opened_minute) Sync();
  if (!keep) return;
  if (recent_.size() < options_.keep_results) {
    recent_.push_back(ResultRecord::From(result, options_.max_text_bytes));
    return;
  }
  // Full: overwrite the oldest, reusing its buffers.
  recent_[recent_next_].Assign(result, options_.max_text_bytes);
  recent_next_ = (recent_next_ + 1) % recent_.size();
}

void InMemoryPublisher::Sync() {
  // Harvest calls back synchronously, on this thread, while Sync's caller
  // holds mu_: the annotation lets the analysis check the body.
  aggregator_.Harvest([this](std::string_view flag, std::int64_t minute,
                             const MinuteCounters& counts)
                          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                            FlagTotals& t = totals_[ToAbsl(flag)];
                            t.all.Add(counts);
                            t.minutes[minute].Add(counts);
                            while (t.minutes.size() > options_.keep_minutes) {
                              t.minutes.erase(t.minutes.begin());
                            }
                          });
}

MinuteCounters InMemoryPublisher::Totals(std::string_view flag) {
  MutexLock lock(&mu_);
  Sync();
  auto it = totals_.find(ToAbsl(flag));
  return it == totals_.end() ? MinuteCounters{} : it->second.all;
}

std::map<std::int64_t, MinuteCounters> InMemoryPublisher::PerMinute(
    std::string_view flag) {
  MutexLock lock(&mu_);
  Sync();
  auto it = totals_.find(ToAbsl(flag));
  return it == totals_.end() ? std::map<std::int64_t, MinuteCounters>{}
                             : it->second.minutes;
}

std::vector<std::string> InMemoryPublisher::Flags() {
  MutexLock lock(&mu_);
  Sync();
  std::vector<std::string> flags;
  flags.reserve(totals_.size());
  for (const auto& [name, t] : totals_) flags.push_back(name);
  std::sort(flags.begin(), flags.end());
  return flags;
}

std::vector<ResultRecord> InMemoryPublisher::RecentResults() {
  MutexLock lock(&mu_);
  std::vector<ResultRecord> out;
  out.reserve(recent_.size());
  for (std::size_t i = 0; i < recent_.size(); ++i) {
    out.push_back(recent_[(recent_next_ + i) % recent_.size()]);
  }
  return out;
}

std::optional<ResultRecord> InMemoryPublisher::LastResult() {
  MutexLock lock(&mu_);
  if (recent_.empty()) return std::nullopt;
  return recent_[(recent_next_ + recent_.size() - 1) % recent_.size()];
}

std::uint64_t InMemoryPublisher::published() {
  MutexLock lock(&mu_);
  Sync();
  std::uint64_t n = 0;
  for (const auto& [name, t] : totals_) {
    for (int i = 0; i < kStatsCounterCount; ++i) {
      const auto c = static_cast<StatsCounter>(i);
      if (c == StatsCounter::kComparisons ||
          c == StatsCounter::kEventsDropped) {
        continue;
      }
      n += t.all.get(c);
    }
  }
  return n;
}

void InMemoryPublisher::Clear() {
  MutexLock lock(&mu_);
  Sync();
  totals_.clear();
  recent_.clear();
  recent_next_ = 0;
}

}  // namespace sdk
}  // namespace cutover
