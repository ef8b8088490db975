// Times as operators read and type them: durations on a command line ("30m",
// "24h", "7d", "1h30m") and back, and instants as RFC 3339 UTC.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_TIME_TEXT_H_
#define CUTOVER_TIME_TEXT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cutover::report {

// Parses one or more "<whole number><unit>" parts, unit s, m, h or d (e.g.
// "90s", "30m", "24h", "7d", "1d12h"). Returns the total. InvalidArgument,
// naming `what` (e.g. "--since") and the expected format, for an empty string,
// a missing or unknown unit, a zero total, or a total over 366 days.
absl::StatusOr<std::chrono::seconds> ParseDuration(std::string_view text,
                                                   std::string_view what);

// The shortest exact spelling ParseDuration accepts: "7d", "1d12h", "45m",
// "90s" becomes "1m30s"; "0s" for zero and negative durations.
std::string FormatDuration(std::chrono::seconds duration);

// "2026-11-21T10:00:00Z" (UTC, whole seconds) for a Unix time in milliseconds.
std::string FormatUnixMillis(std::int64_t unix_ms);

}  // namespace cutover::report

#endif  // CUTOVER_TIME_TEXT_H_
