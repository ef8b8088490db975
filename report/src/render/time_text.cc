#include "cutover/time_text.h"

#include <cstdint>

#include "absl/time/time.h"
#include "cutover/internal/strings.h"

namespace cutover::report {
namespace {

constexpr std::int64_t kMaxSeconds = 366LL * 24 * 3600;

absl::Status Malformed(std::string_view text, std::string_view what,
                       std::string_view problem) {
  return absl::InvalidArgumentError(
      StrCat(what, ": \"", text, "\" is not a duration (", problem,
             "); use a whole number followed by s, m, h or d, e.g. 30m, 24h, "
             "7d or 1d12h"));
}

}  // namespace

absl::StatusOr<std::chrono::seconds> ParseDuration(std::string_view text,
                                                   std::string_view what) {
  if (text.empty()) return Malformed(text, what, "it is empty");
  std::int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
      ++digits;
    }
    if (digits == 0) {
      return Malformed(text, what,
                       StrCat("expected a number at \"", rest, "\""));
    }
    std::int64_t n = 0;
    if (digits > 9 || !ParseInteger(rest.substr(0, digits), &n)) {
      return Malformed(text, what, "the number is too large");
    }
    if (digits == rest.size()) {
      return Malformed(text, what, StrCat("the number ", n, " has no unit"));
    }
    std::int64_t unit = 0;
    switch (rest[digits]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return Malformed(text, what,
                         StrCat("unknown unit '", rest.substr(digits, 1), "'"));
    }
    total += n * unit;
    if (total > kMaxSeconds) {
      return Malformed(text, what, "it is longer than 366d");
    }
    rest.remove_prefix(digits + 1);
  }
  if (total == 0) return Malformed(text, what, "it is zero");
  return std::chrono::seconds(total);
}

std::string FormatDuration(std::chrono::seconds duration) {
  std::int64_t s = duration.count();
  if (s <= 0) return "0s";
  std::string out;
  for (const auto& [unit, name] : {std::pair<std::int64_t, char>{86400, 'd'},
                                   {3600, 'h'},
                                   {60, 'm'},
                                   {1, 's'}}) {
    if (s >= unit) {
      out += StrCat(s / unit, name);
      s %= unit;
    }
  }
  return out;
}

std::string FormatUnixMillis(std::int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

}  // namespace cutover::report
