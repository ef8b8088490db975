#include "cutover/value.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/hash/hash.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_text_format.h"

namespace cutover::comparator {
namespace {

bool AllDigits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The bits that represent `d` for hashing: every NaN one pattern, -0.0 as 0.0,
// matching operator==.
std::uint64_t CanonicalDoubleBits(double d) {
  if (std::isnan(d)) return 0x7ff8000000000000ULL;
  if (d == 0) d = 0;
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

bool NumericEqual(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const NumericParts pa = SplitNumeric(a), pb = SplitNumeric(b);
  if (!pa.valid || !pb.valid) return false;
  return pa.negative == pb.negative && pa.special == pb.special &&
         pa.integer_digits == pb.integer_digits &&
         pa.fraction_digits == pb.fraction_digits;
}

}  // namespace

std::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kNumeric:
      return "numeric";
    case ValueKind::kText:
      return "text";
    case ValueKind::kBytea:
      return "bytea";
    case ValueKind::kDate:
      return "date";
    case ValueKind::kTimestamp:
      return "timestamp";
    case ValueKind::kTimestampTz:
      return "timestamptz";
    case ValueKind::kJson:
      return "json";
  }
  return "unknown";
}

Value Value::Double(double d) {
  Value v;
  v.SetDouble(d);
  return v;
}

void Value::SetDouble(double d) {
  kind_ = ValueKind::kDouble;
  double_ = d;
}

NumericParts SplitNumeric(std::string_view s) {
  NumericParts p;
  if (s == "NaN" || s == "Infinity" || s == "-Infinity") {
    p.valid = true;
    p.special = s;
    return p;
  }
  std::string_view rest = s;
  if (!rest.empty() && rest.front() == '-') {
    p.negative = true;
    rest.remove_prefix(1);
  }
  const std::size_t dot = rest.find('.');
  std::string_view integer = rest.substr(0, dot);
  std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  if ((integer.empty() && fraction.empty()) || !AllDigits(integer) ||
      !AllDigits(fraction)) {
    return p;  // not valid
  }
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  p.valid = true;
  p.integer_digits = integer;
  p.fraction_digits = fraction;
  if (integer.empty() && fraction.empty()) p.negative = false;  // -0 is 0
  return p;
}

std::string Value::ToString() const {
  switch (kind_) {
    case ValueKind::kNull:
      return "NULL";
    case ValueKind::kBool:
      return int_ != 0 ? "t" : "f";
    case ValueKind::kInt:
      return StrCat(int_);
    case ValueKind::kDouble: {
      if (std::isnan(double_)) return "NaN";
      if (std::isinf(double_)) return double_ > 0 ? "Infinity" : "-Infinity";
      char buf[32];
      // Shortest text that reads back as the same double, as PostgreSQL 12+
      // prints it.
      const auto r = std::to_chars(buf, buf + sizeof buf, double_);
      return std::string(buf, r.ptr);
    }
    case ValueKind::kNumeric:
    case ValueKind::kText:
    case ValueKind::kJson:
      return text_;
    case ValueKind::kBytea:
      return FormatPgBytea(text_);
    case ValueKind::kDate:
      return FormatPgDate(days());
    case ValueKind::kTimestamp:
      return FormatPgTimestamp(int_);
    case ValueKind::kTimestampTz:
      return FormatPgTimestampTz(int_);
  }
  return "";
}

std::uint64_t Value::HashInto(std::uint64_t seed) const {
  const auto kind = static_cast<std::uint8_t>(kind_);
  switch (kind_) {
    case ValueKind::kNull:
      return absl::HashOf(seed, kind);
    case ValueKind::kBool:
    case ValueKind::kInt:
    case ValueKind::kDate:
    case ValueKind::kTimestamp:
    case ValueKind::kTimestampTz:
      return absl::HashOf(seed, kind, int_);
    case ValueKind::kDouble:
      return absl::HashOf(seed, kind, CanonicalDoubleBits(double_));
    case ValueKind::kNumeric: {
      const NumericParts p = SplitNumeric(text_);
      if (p.valid) {
        return absl::HashOf(seed, kind, p.negative, ToAbsl(p.integer_digits),
                            ToAbsl(p.fraction_digits), ToAbsl(p.special));
      }
      return absl::HashOf(seed, kind, ToAbsl(text_));
    }
    case ValueKind::kText:
    case ValueKind::kBytea:
    case ValueKind::kJson:
      return absl::HashOf(seed, kind, ToAbsl(text_));
  }
  return seed;
}

std::uint64_t Value::Hash() const { return HashInto(0); }

bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
    case ValueKind::kInt:
    case ValueKind::kDate:
    case ValueKind::kTimestamp:
    case ValueKind::kTimestampTz:
      return a.int_ == b.int_;
    case ValueKind::kDouble:
      return CanonicalDoubleBits(a.double_) == CanonicalDoubleBits(b.double_);
    case ValueKind::kNumeric:
      return NumericEqual(a.text_, b.text_);
    case ValueKind::kText:
    case ValueKind::kBytea:
    case ValueKind::kJson:
      return a.text_ == b.text_;
  }
  return false;
}

}  // namespace cutover::comparator
