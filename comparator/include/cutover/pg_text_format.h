// PostgreSQL's text formats for dates, timestamps and bytea, both ways.
//
// The server sends every field as text; these functions turn the text of the
// ISO DateStyle (the default) and of both bytea_output settings into the
// integers Value stores, and back. Days and microseconds count from
// 2000-01-01 00:00:00, PostgreSQL's internal epoch, so the whole range the
// server accepts (4713 BC to 294276 AD for timestamps) fits in 64 bits.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_PG_TEXT_FORMAT_H_
#define CUTOVER_PG_TEXT_FORMAT_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cutover::comparator {

// 'infinity' and '-infinity', as PostgreSQL itself encodes them.
inline constexpr std::int32_t kDateMinusInfinity =
    std::numeric_limits<std::int32_t>::min();
inline constexpr std::int32_t kDateInfinity =
    std::numeric_limits<std::int32_t>::max();
inline constexpr std::int64_t kTimestampMinusInfinity =
    std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kTimestampInfinity =
    std::numeric_limits<std::int64_t>::max();

inline constexpr std::int64_t kMicrosPerSecond = 1000000;
inline constexpr std::int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// 1970-01-01 minus 2000-01-01, for callers holding Unix times.
inline constexpr std::int64_t kUnixEpochDays = -10957;
inline constexpr std::int64_t kUnixEpochMicros = kUnixEpochDays * kMicrosPerDay;

// Proleptic Gregorian calendar with astronomical years (year 0 is 1 BC).
std::int64_t DaysFromCivil(std::int64_t year, int month, int day);
void CivilFromDays(std::int64_t days, std::int64_t* year, int* month, int* day);

// "2024-02-29", "0044-03-15 BC", "infinity", "-infinity". InvalidArgument
// naming the text when it is not an ISO date (set DateStyle to ISO).
absl::StatusOr<std::int32_t> ParsePgDate(std::string_view text);
std::string FormatPgDate(std::int32_t days);

// "2024-02-29 13:45:00", "2024-02-29 13:45:00.25", "... BC", "infinity".
// InvalidArgument for text outside the server's range, as for malformed text.
absl::StatusOr<std::int64_t> ParsePgTimestamp(std::string_view text);
std::string FormatPgTimestamp(std::int64_t micros);

// As ParsePgTimestamp plus the session's UTC offset ("+02", "-03:30",
// "+00:53:28"); returns the instant in UTC. Formatting always writes "+00".
absl::StatusOr<std::int64_t> ParsePgTimestampTz(std::string_view text);
std::string FormatPgTimestampTz(std::int64_t micros);

// bytea in hex ("\x00ff") or escape ("a\000\\") output; returns raw bytes.
absl::StatusOr<std::string> ParsePgBytea(std::string_view text);
// Raw bytes to hex output: "\x00ff".
std::string FormatPgBytea(std::string_view bytes);

}  // namespace cutover::comparator

#endif  // CUTOVER_PG_TEXT_FORMAT_H_
