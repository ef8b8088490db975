#include "cutover/pg_text_format.h"

#include <cstdio>

#include "absl/status/status.h"
#include "cutover/internal/strings.h"

namespace cutover::comparator {
namespace {

bool IsLeap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// A cursor over the text being parsed; every Read* returns false on a
// mismatch and leaves the error to the caller, which knows what it expected.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  bool Consume(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  // Reads between min and max decimal digits.
  bool ReadDigits(std::size_t min, std::size_t max, std::int64_t* out,
                  std::size_t* count = nullptr) {
    std::int64_t v = 0;
    std::size_t n = 0;
    while (pos_ < s_.size() && n < max && s_[pos_] >= '0' && s_[pos_] <= '9') {
      v = v * 10 + (s_[pos_] - '0');
      ++pos_;
      ++n;
    }
    if (n < min) return false;
    *out = v;
    if (count != nullptr) *count = n;
    return true;
  }
  char Peek() const { return done() ? '\0' : s_[pos_]; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

absl::Status Invalid(std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(
      StrCat("cannot parse ", what, " \"", text,
             "\": expected PostgreSQL ISO output (set DateStyle to 'ISO')"));
}

// PostgreSQL's timestamp range, 4714-11-24 BC up to (not including)
// 294277-01-01, in days since 2000-01-01 (MIN_TIMESTAMP and END_TIMESTAMP in
// PostgreSQL's datatype/timestamp.h).
constexpr std::int64_t kMinTimestampDays = -2451545;
constexpr std::int64_t kEndTimestampDays = 106751983;

absl::Status OutOfRange(std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(
      StrCat("cannot parse ", what, " \"", text,
             "\": outside PostgreSQL's range (4714-11-24 BC to 294276 AD)"));
}

// Year-month-day; the year is as written (BC handled by the caller).
bool ReadDate(Cursor* c, std::int64_t* y, int* m, int* d) {
  std::int64_t yy, mm, dd;
  if (!c->ReadDigits(1, 9, &yy) || !c->Consume("-") ||
      !c->ReadDigits(2, 2, &mm) || !c->Consume("-") ||
      !c->ReadDigits(2, 2, &dd)) {
    return false;
  }
  if (yy < 1 || mm < 1 || mm > 12 || dd < 1) return false;
  *y = yy;
  *m = static_cast<int>(mm);
  *d = static_cast<int>(dd);
  return true;
}

// "HH:MM:SS[.ffffff]" as microseconds into the day.
bool ReadTime(Cursor* c, std::int64_t* micros) {
  std::int64_t h, mi, s;
  if (!c->ReadDigits(2, 2, &h) || !c->Consume(":") ||
      !c->ReadDigits(2, 2, &mi) || !c->Consume(":") ||
      !c->ReadDigits(2, 2, &s)) {
    return false;
  }
  if (h > 24 || mi > 59 || s > 60) return false;
  std::int64_t frac = 0;
  if (c->Consume(".")) {
    std::size_t n = 0;
    if (!c->ReadDigits(1, 6, &frac, &n)) return false;
    for (; n < 6; ++n) frac *= 10;
  }
  *micros = ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + frac;
  return true;
}

// Applies " BC" and validates the day; returns days since 2000-01-01.
bool FinishDate(Cursor* c, std::int64_t y, int m, int d, std::int64_t* days) {
  if (c->Consume(" BC")) y = 1 - y;
  if (d > DaysInMonth(y, m)) return false;
  *days = DaysFromCivil(y, m, d);
  return true;
}

void AppendPadded(std::string* out, std::int64_t v, int width) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%0*lld", width,
                              static_cast<long long>(v));
  out->append(buf, static_cast<std::size_t>(n));
}

// Writes the date part; returns whether the year is BC (the suffix goes last).
bool AppendDate(std::string* out, std::int64_t days) {
  std::int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  const bool bc = y <= 0;
  AppendPadded(out, bc ? 1 - y : y, 4);
  out->push_back('-');
  AppendPadded(out, m, 2);
  out->push_back('-');
  AppendPadded(out, d, 2);
  return bc;
}

std::string FormatTimestampImpl(std::int64_t micros, bool with_zone) {
  if (micros == kTimestampInfinity) return "infinity";
  if (micros == kTimestampMinusInfinity) return "-infinity";
  // Day and time of day by floor division, without multiplying back: near
  // the ends of the int64 range, days * kMicrosPerDay itself would overflow.
  std::int64_t days = micros / kMicrosPerDay;
  std::int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  std::string out;
  const bool bc = AppendDate(&out, days);
  out.push_back(' ');
  const std::int64_t frac = rest % kMicrosPerSecond;
  rest /= kMicrosPerSecond;
  AppendPadded(&out, rest / 3600, 2);
  out.push_back(':');
  AppendPadded(&out, rest / 60 % 60, 2);
  out.push_back(':');
  AppendPadded(&out, rest % 60, 2);
  if (frac != 0) {
    // PostgreSQL prints the fraction without trailing zeros.
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(frac));
    std::string_view f(buf, 6);
    while (!f.empty() && f.back() == '0') f.remove_suffix(1);
    out.push_back('.');
    out.append(f.data(), f.size());
  }
  if (with_zone) out.append("+00");
  if (bc) out.append(" BC");
  return out;
}

absl::StatusOr<std::int64_t> ParseTimestampImpl(std::string_view text,
                                                bool with_zone) {
  const std::string_view what = with_zone ? "timestamptz" : "timestamp";
  if (text == "infinity") return kTimestampInfinity;
  if (text == "-infinity") return kTimestampMinusInfinity;
  Cursor c(text);
  std::int64_t y, time;
  int m, d;
  if (!ReadDate(&c, &y, &m, &d) || !c.Consume(" ") || !ReadTime(&c, &time)) {
    return Invalid(what, text);
  }
  std::int64_t offset_seconds = 0;
  if (with_zone) {
    const char sign = c.Peek();
    if (sign != '+' && sign != '-') return Invalid(what, text);
    c.Consume(std::string_view(&sign, 1));
    std::int64_t oh = 0, om = 0, os = 0;
    if (!c.ReadDigits(2, 2, &oh)) return Invalid(what, text);
    if (c.Consume(":")) {
      if (!c.ReadDigits(2, 2, &om)) return Invalid(what, text);
      if (c.Consume(":") && !c.ReadDigits(2, 2, &os)) {
        return Invalid(what, text);
      }
    }
    offset_seconds = (oh * 3600 + om * 60 + os) * (sign == '-' ? -1 : 1);
  }
  std::int64_t days;
  if (!FinishDate(&c, y, m, d, &days) || !c.done()) return Invalid(what, text);
  // The year may have up to nine digits, and days * kMicrosPerDay overflows
  // from about year 292000 on: only a day within PostgreSQL's range (or a
  // day off, before the zone is applied) goes on to the arithmetic, and the
  // instant itself must be in the range, as any value the server sends is.
  if (days < kMinTimestampDays - 1 || days > kEndTimestampDays) {
    return OutOfRange(what, text);
  }
  // Local wall time minus the offset is UTC.
  const std::int64_t micros =
      days * kMicrosPerDay + time - offset_seconds * kMicrosPerSecond;
  if (micros < kMinTimestampDays * kMicrosPerDay ||
      micros >= kEndTimestampDays * kMicrosPerDay) {
    return OutOfRange(what, text);
  }
  return micros;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::int64_t DaysFromCivil(std::int64_t y, int month, int day) {
  // Howard Hinnant's days_from_civil, shifted from 1970 to 2000.
  y -= month <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy =
      (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + kUnixEpochDays;
}

void CivilFromDays(std::int64_t days, std::int64_t* year, int* month,
                   int* day) {
  const std::int64_t z = days - kUnixEpochDays + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe =
      (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

absl::StatusOr<std::int32_t> ParsePgDate(std::string_view text) {
  if (text == "infinity") return kDateInfinity;
  if (text == "-infinity") return kDateMinusInfinity;
  Cursor c(text);
  std::int64_t y, days;
  int m, d;
  if (!ReadDate(&c, &y, &m, &d) || !FinishDate(&c, y, m, d, &days) ||
      !c.done() || days <= kDateMinusInfinity || days >= kDateInfinity) {
    return Invalid("date", text);
  }
  return static_cast<std::int32_t>(days);
}

std::string FormatPgDate(std::int32_t days) {
  if (days == kDateInfinity) return "infinity";
  if (days == kDateMinusInfinity) return "-infinity";
  std::string out;
  if (AppendDate(&out, days)) out.append(" BC");
  return out;
}

absl::StatusOr<std::int64_t> ParsePgTimestamp(std::string_view text) {
  return ParseTimestampImpl(text, /*with_zone=*/false);
}

std::string FormatPgTimestamp(std::int64_t micros) {
  return FormatTimestampImpl(micros, /*with_zone=*/false);
}

absl::StatusOr<std::int64_t> ParsePgTimestampTz(std::string_view text) {
  return ParseTimestampImpl(text, /*with_zone=*/true);
}

std::string FormatPgTimestampTz(std::int64_t micros) {
  return FormatTimestampImpl(micros, /*with_zone=*/true);
}

absl::StatusOr<std::string> ParsePgBytea(std::string_view text) {
  std::string out;
  if (StartsWith(text, "\\x")) {
    text.remove_prefix(2);
    if (text.size() % 2 != 0) {
      return absl::InvalidArgumentError(
          "cannot parse bytea: odd number of hex digits");
    }
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
      const int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(StrCat(
            "cannot parse bytea: '", text.substr(i, 2), "' is not a hex byte"));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
  }
  // Escape format: "\\" is a backslash, "\ooo" an octal byte, the rest is
  // literal.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
      continue;
    }
    if (i + 3 >= text.size() || text[i + 1] < '0' || text[i + 1] > '3' ||
        text[i + 2] < '0' || text[i + 2] > '7' || text[i + 3] < '0' ||
        text[i + 3] > '7') {
      return absl::InvalidArgumentError(
          "cannot parse bytea: a backslash must start \\\\ or an octal "
          "escape \\ooo");
    }
    out.push_back(static_cast<char>((text[i + 1] - '0') * 64 +
                                    (text[i + 2] - '0') * 8 +
                                    (text[i + 3] - '0')));
    i += 3;
  }
  return out;
}

std::string FormatPgBytea(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace cutover::comparator
