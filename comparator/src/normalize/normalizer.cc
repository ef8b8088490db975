#include "cutover/normalizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "cutover/internal/strings.h"
#include "cutover/pg_text_format.h"
#include "nlohmann/json.hpp"

namespace cutover::comparator {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Simple case folding for the two-byte UTF-8 range (U+0080..U+07FF), whose
// lower-case partners stay two bytes. Returns false when `cp` has none.
bool FoldTwoByte(std::uint32_t cp, std::uint32_t* out) {
  std::uint32_t r = cp;
  if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||     // Latin-1 capitals
      (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) ||  // Greek capitals
      (cp >= 0x410 && cp <= 0x42F)) {                 // Cyrillic А..Я
    r = cp + 0x20;
  } else if (cp >= 0x400 && cp <= 0x40F) {  // Cyrillic Ѐ..Џ
    r = cp + 0x50;
  } else if (((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
              (cp >= 0x14A && cp <= 0x177)) &&
             cp % 2 == 0) {
    r = cp + 1;
  } else if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) &&
             cp % 2 == 1) {
    r = cp + 1;
  } else if (cp == 0x178) {  // Ÿ
    r = 0xFF;
  } else if (cp == 0x386) {
    r = 0x3AC;
  } else if (cp >= 0x388 && cp <= 0x38A) {
    r = cp + 0x25;
  } else if (cp == 0x38C) {
    r = 0x3CC;
  } else if (cp == 0x38E || cp == 0x38F) {
    r = cp + 0x3F;
  }
  *out = r;
  return r != cp;
}

// Folds the character starting at s[i] into `out` (when non-null); returns
// how many bytes it spans and sets *changed.
std::size_t FoldChar(std::string_view s, std::size_t i, std::string* out,
                     bool* changed) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *changed = c >= 'A' && c <= 'Z';
    if (out != nullptr) {
      out->push_back(static_cast<char>(*changed ? c + 32 : c));
    }
    return 1;
  }
  if ((c & 0xE0) == 0xC0 && i + 1 < s.size() &&
      (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
    const std::uint32_t cp =
        ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    std::uint32_t folded;
    *changed = FoldTwoByte(cp, &folded);
    if (out != nullptr) {
      if (*changed) {
        out->push_back(static_cast<char>(0xC0 | (folded >> 6)));
        out->push_back(static_cast<char>(0x80 | (folded & 0x3F)));
      } else {
        out->append(s.data() + i, 2);
      }
    }
    return 2;
  }
  // Longer sequences (and stray bytes) are copied as they are.
  *changed = false;
  if (out != nullptr) out->push_back(s[i]);
  return 1;
}

const Value& ApplyCaseFold(const Value& in, Value* scratch) {
  const std::string_view s = in.text();
  std::size_t i = 0;
  bool changed = false;
  while (i < s.size()) {
    const std::size_t n = FoldChar(s, i, nullptr, &changed);
    if (changed) break;
    i += n;
  }
  if (i >= s.size()) return in;
  std::string* out = scratch->mutable_text(ValueKind::kText);
  out->assign(s.data(), i);
  while (i < s.size()) i += FoldChar(s, i, out, &changed);
  return *scratch;
}

std::int64_t PrecisionMicros(TimestampPrecision p) {
  switch (p) {
    case TimestampPrecision::kMillisecond:
      return 1000;
    case TimestampPrecision::kSecond:
      return kMicrosPerSecond;
    case TimestampPrecision::kMinute:
      return 60 * kMicrosPerSecond;
    case TimestampPrecision::kHour:
      return 3600 * kMicrosPerSecond;
    case TimestampPrecision::kDay:
      return kMicrosPerDay;
  }
  return 1;
}

std::string_view PrecisionName(TimestampPrecision p) {
  switch (p) {
    case TimestampPrecision::kMillisecond:
      return "millisecond";
    case TimestampPrecision::kSecond:
      return "second";
    case TimestampPrecision::kMinute:
      return "minute";
    case TimestampPrecision::kHour:
      return "hour";
    case TimestampPrecision::kDay:
      return "day";
  }
  return "?";
}

bool NumericToInt(std::string_view decimal, std::int64_t* out) {
  const NumericParts p = SplitNumeric(decimal);
  if (!p.valid || !p.special.empty() || !p.fraction_digits.empty() ||
      p.integer_digits.size() > 19) {
    return false;
  }
  if (p.integer_digits.empty()) {
    *out = 0;
    return true;
  }
  char buf[21];
  std::size_t n = 0;
  if (p.negative) buf[n++] = '-';
  std::copy(p.integer_digits.begin(), p.integer_digits.end(), buf + n);
  n += p.integer_digits.size();
  return ParseInteger(std::string_view(buf, n), out);
}

const Value& ApplyIntegerWidening(const Value& in, Value* scratch) {
  std::int64_t i;
  if (in.kind() == ValueKind::kNumeric && NumericToInt(in.text(), &i)) {
    scratch->SetInt(ValueKind::kInt, i);
    return *scratch;
  }
  if (in.kind() == ValueKind::kDouble) {
    const double d = in.double_value();
    // 2^63 is exactly representable; the int64 range is [-2^63, 2^63).
    if (std::trunc(d) == d && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0) {
      scratch->SetInt(ValueKind::kInt, static_cast<std::int64_t>(d));
      return *scratch;
    }
  }
  return in;
}

const Value& ApplyCanonicalJson(const Value& in, Value* scratch) {
  if (in.kind() != ValueKind::kJson && in.kind() != ValueKind::kText) {
    return in;
  }
  const std::string& text = in.text();
  if (in.kind() == ValueKind::kText) {
    // Only text that is recognisably a document: "42" or "true" in a text
    // column are better left as text.
    const auto first = std::find_if_not(text.begin(), text.end(), IsSpace);
    if (first == text.end() || (*first != '{' && *first != '[')) return in;
  }
  const nlohmann::json doc =
      nlohmann::json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return in;
  *scratch->mutable_text(ValueKind::kJson) =
      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return *scratch;
}

bool AsDouble(const Value& v, double* out) {
  switch (v.kind()) {
    case ValueKind::kInt:
      *out = static_cast<double>(v.int_value());
      return true;
    case ValueKind::kDouble:
      *out = v.double_value();
      return true;
    case ValueKind::kNumeric: {
      const NumericParts p = SplitNumeric(v.text());
      if (!p.valid) return false;
      if (!p.special.empty()) {
        *out = p.special == "NaN"        ? std::nan("")
               : p.special == "Infinity" ? HUGE_VAL
                                         : -HUGE_VAL;
        return true;
      }
      return ParseDouble(v.text(), out);
    }
    default:
      return false;
  }
}

std::string FormatBound(double d) {
  std::string s = Value::Double(d).ToString();
  return s;
}

}  // namespace

Normalizer Normalizer::Trim() { return Normalizer(Type::kTrim, "trim"); }

Normalizer Normalizer::CaseFold() {
  return Normalizer(Type::kCaseFold, "case_fold");
}

Normalizer Normalizer::NullEqualsEmpty() {
  return Normalizer(Type::kNullEqualsEmpty, "null_equals_empty");
}

Normalizer Normalizer::TruncateTimestamp(TimestampPrecision precision) {
  Normalizer n(Type::kTruncateTimestamp,
               StrCat("truncate_timestamp(", PrecisionName(precision), ")"));
  n.precision_ = precision;
  return n;
}

Normalizer Normalizer::NumericTolerance(double absolute, double relative) {
  Normalizer n(Type::kNumericTolerance,
               StrCat("numeric_tolerance(absolute=", FormatBound(absolute),
                      ",relative=", FormatBound(relative), ")"));
  n.absolute_ = absolute;
  n.relative_ = relative;
  return n;
}

Normalizer Normalizer::IntegerWidening() {
  return Normalizer(Type::kIntegerWidening, "integer_widening");
}

Normalizer Normalizer::CanonicalJson() {
  return Normalizer(Type::kCanonicalJson, "canonical_json");
}

Normalizer Normalizer::Custom(std::string name,
                              std::function<Value(const Value&)> fn) {
  Normalizer n(Type::kCustom, std::move(name));
  n.custom_ =
      std::make_shared<const std::function<Value(const Value&)>>(std::move(fn));
  return n;
}

absl::Status Normalizer::Validate() const {
  if (type_ == Type::kNumericTolerance &&
      (!std::isfinite(absolute_) || !std::isfinite(relative_) ||
       absolute_ < 0 || relative_ < 0)) {
    return absl::InvalidArgumentError(
        StrCat(name_, ": tolerance bounds must be finite and >= 0"));
  }
  if (type_ == Type::kCustom && (custom_ == nullptr || !*custom_)) {
    return absl::InvalidArgumentError(
        StrCat("custom normalizer \"", name_, "\" has no function"));
  }
  return absl::OkStatus();
}

const Value& Normalizer::Apply(const Value& in, Value* scratch) const {
  switch (type_) {
    case Type::kTrim: {
      if (in.kind() != ValueKind::kText) return in;
      const std::string& s = in.text();
      if (s.empty() || (!IsSpace(s.front()) && !IsSpace(s.back()))) return in;
      std::size_t b = 0, e = s.size();
      while (b < e && IsSpace(s[b])) ++b;
      while (e > b && IsSpace(s[e - 1])) --e;
      scratch->SetText(ValueKind::kText, std::string_view(s).substr(b, e - b));
      return *scratch;
    }
    case Type::kCaseFold:
      if (in.kind() != ValueKind::kText) return in;
      return ApplyCaseFold(in, scratch);
    case Type::kNullEqualsEmpty:
      if (in.kind() != ValueKind::kText || !in.text().empty()) return in;
      scratch->SetNull();
      return *scratch;
    case Type::kTruncateTimestamp: {
      if (in.kind() != ValueKind::kTimestamp &&
          in.kind() != ValueKind::kTimestampTz) {
        return in;
      }
      const std::int64_t t = in.micros();
      if (t == kTimestampInfinity || t == kTimestampMinusInfinity) return in;
      const std::int64_t unit = PrecisionMicros(precision_);
      std::int64_t rem = t % unit;
      if (rem == 0) return in;
      if (rem < 0) rem += unit;  // toward the past, also before 2000
      // Within a unit of the int64 minimum, long before anything PostgreSQL
      // stores, the truncated instant is not representable: left alone.
      if (t < std::numeric_limits<std::int64_t>::min() + rem) return in;
      scratch->SetInt(in.kind(), t - rem);
      return *scratch;
    }
    case Type::kNumericTolerance:
      return in;
    case Type::kIntegerWidening:
      return ApplyIntegerWidening(in, scratch);
    case Type::kCanonicalJson:
      return ApplyCanonicalJson(in, scratch);
    case Type::kCustom:
      *scratch = (*custom_)(in);
      return *scratch;
  }
  return in;
}

Value Normalizer::Normalize(const Value& in) const {
  Value scratch;
  return Apply(in, &scratch);
}

bool Normalizer::Equivalent(const Value& a, const Value& b) const {
  if (type_ != Type::kNumericTolerance) return Normalize(a) == Normalize(b);
  if (a == b) return true;
  double x, y;
  if (!AsDouble(a, &x) || !AsDouble(b, &y)) return false;
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  if (x == y) return true;
  const double diff = std::fabs(x - y);
  if (!std::isfinite(diff)) return false;
  return diff <= absolute_ ||
         diff <= relative_ * std::max(std::fabs(x), std::fabs(y));
}

}  // namespace cutover::comparator
