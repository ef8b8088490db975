// The Redis key layout (docs/design.md, Redis layout), in one place: every key
// cutover reads or writes is named here. Prefix configurable, default
// "cutover:".
//
//   <prefix>flags                  hash: flag name -> flag JSON document
//   <prefix>groups:<group>         set: user ids of an operator-managed group
//   <prefix>version                string: integer, bumped on every change
//   <prefix>changes                pub/sub channel: one message per change
//   <prefix>audit                  stream: who changed what, when
//   <prefix>events:<flag>          stream, capped: comparison results
//   <prefix>stats:<flag>:<minute>  hash, TTL: experiment counters per minute
//                                  (fields in stats_schema.h)
//   <prefix>ops:<flag>:<minute>    hash, TTL: migration operations per minute
//                                  (fields in redis_operation_tracker.h)
//   <prefix>reconcile:<flag>       stream: keys whose other-side write failed
//   <prefix>verify:<flag>          stream: results of `cutover verify --flag`
//   <prefix>backfill:<name>        hash: a backfill's checkpoint
//
// <minute> is the Unix time in whole minutes. Flag names ([a-z0-9_.-]) hold no
// glob characters, so the patterns below match exactly one flag's keys.
//
// The free functions take the prefix as a view for the publishing hot path;
// RedisKeys carries it for everything else.
//
// Thread-safety: free functions and a value type.
#ifndef CUTOVER_REDIS_KEYS_H_
#define CUTOVER_REDIS_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

inline constexpr std::string_view kDefaultPrefix = "cutover:";

inline std::string StatsKey(std::string_view prefix, std::string_view flag,
                            std::int64_t unix_minute) {
  return StrCat(prefix, "stats:", flag, ":", unix_minute);
}

// A SCAN MATCH pattern for every minute of a flag's counters.
inline std::string StatsKeyPattern(std::string_view prefix,
                                   std::string_view flag) {
  return StrCat(prefix, "stats:", flag, ":*");
}

inline std::string OperationStatsKey(std::string_view prefix,
                                     std::string_view flag,
                                     std::int64_t unix_minute) {
  return StrCat(prefix, "ops:", flag, ":", unix_minute);
}

inline std::string EventsKey(std::string_view prefix, std::string_view flag) {
  return StrCat(prefix, "events:", flag);
}

class RedisKeys {
 public:
  explicit RedisKeys(std::string prefix = std::string(kDefaultPrefix))
      : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string Flags() const { return prefix_ + "flags"; }
  std::string Version() const { return prefix_ + "version"; }
  std::string Changes() const { return prefix_ + "changes"; }
  std::string Audit() const { return prefix_ + "audit"; }
  std::string GroupPrefix() const { return prefix_ + "groups:"; }
  std::string Group(std::string_view g) const {
    return StrCat(GroupPrefix(), g);
  }
  std::string Events(std::string_view flag) const {
    return EventsKey(prefix_, flag);
  }
  std::string Stats(std::string_view flag, std::int64_t unix_minute) const {
    return StatsKey(prefix_, flag, unix_minute);
  }
  std::string Operations(std::string_view flag,
                         std::int64_t unix_minute) const {
    return OperationStatsKey(prefix_, flag, unix_minute);
  }
  std::string Reconcile(std::string_view flag) const {
    return StrCat(prefix_, "reconcile:", flag);
  }
  std::string Verify(std::string_view flag) const {
    return StrCat(prefix_, "verify:", flag);
  }
  std::string Backfill(std::string_view name) const {
    return StrCat(prefix_, "backfill:", name);
  }

 private:
  std::string prefix_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_KEYS_H_
