// One field of a database result, held losslessly.
//
// A Value is what PostgreSQL returned for one column of one row, in a form the
// comparator can normalize, hash and render without going back to the server:
//
//   kind          payload                          PostgreSQL types
//   kNull         -                                any NULL
//   kBool         bool_value()                     boolean
//   kInt          int_value()                      smallint, integer, bigint,
//   oid kDouble       double_value()                   real, double precision
//   kNumeric      text(), exact decimal text       numeric / decimal
//   kText         text()                           text, varchar, char(n),
//   uuid,
//                                                  and every type not listed
//   kBytea        text(), the raw bytes            bytea
//   kDate         days()                           date
//   kTimestamp    micros()                         timestamp without time zone
//   kTimestampTz  micros(), an instant in UTC      timestamp with time zone
//   kJson         text(), as the server sent it    json, jsonb
//
// Dates and timestamps count from PostgreSQL's own epoch, 2000-01-01 00:00:00,
// in the same units PostgreSQL stores (days, microseconds), so every value the
// server can hold fits, including 'infinity' and '-infinity' (the extreme
// integers, see pg_text_format.h). Numeric stays decimal text because no binary
// type holds 1000 significant digits.
//
// Equality (operator==) is strict but value-based: kinds must match (1 and
// 1.0 and '1' are three different values; see the IntegerWidening normalizer),
// numerics compare by numeric value (1.50 == 1.5: the scale is presentation),
// doubles compare with NaN == NaN and -0.0 == 0.0 (PostgreSQL's own ordering
// rules), NULL == NULL (IS NOT DISTINCT FROM semantics, which is what a diff
// needs). Hash() is consistent with operator==.
//
// Thread-safety: a value type; const methods may be called concurrently.
#ifndef CUTOVER_VALUE_H_
#define CUTOVER_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace cutover::comparator {

enum class ValueKind : std::uint8_t {
  kNull,
  kBool,
  kInt,
  kDouble,
  kNumeric,
  kText,
  kBytea,
  kDate,
  kTimestamp,
  kTimestampTz,
  kJson,
};

// "null", "bool", "int", "double", "numeric", "text", "bytea", "date",
// "timestamp", "timestamptz", "json": the names diffs use.
std::string_view ValueKindName(ValueKind kind);

class Value {
 public:
  // A NULL.
  Value() = default;

  static Value Null() { return Value(); }
  static Value Bool(bool b) { return Value(ValueKind::kBool, b ? 1 : 0); }
  static Value Int(std::int64_t i) { return Value(ValueKind::kInt, i); }
  static Value Double(double d);
  // `decimal` must be PostgreSQL numeric output: [-]digits[.digits], "NaN",
  // "Infinity" or "-Infinity" (no exponent). Anything else is kept and
  // compared as plain text.
  static Value Numeric(std::string decimal) {
    return Value(ValueKind::kNumeric, std::move(decimal));
  }
  static Value Text(std::string text) {
    return Value(ValueKind::kText, std::move(text));
  }
  static Value Bytea(std::string bytes) {
    return Value(ValueKind::kBytea, std::move(bytes));
  }
  // Days since 2000-01-01; see pg_text_format.h for conversions.
  static Value Date(std::int32_t days) { return Value(ValueKind::kDate, days); }
  // Microseconds since 2000-01-01 00:00:00 (wall-clock, no zone).
  static Value Timestamp(std::int64_t micros) {
    return Value(ValueKind::kTimestamp, micros);
  }
  // Microseconds since 2000-01-01 00:00:00 UTC.
  static Value TimestampTz(std::int64_t micros) {
    return Value(ValueKind::kTimestampTz, micros);
  }
  // JSON text as the server sent it (json keeps the input text; jsonb output
  // is already sorted and spaced by the server).
  static Value Json(std::string json) {
    return Value(ValueKind::kJson, std::move(json));
  }

  ValueKind kind() const { return kind_; }
  bool is_null() const { return kind_ == ValueKind::kNull; }

  // Accessors: each is meaningful only for the kinds named; on other kinds
  // they return an unspecified value (never crash).
  bool bool_value() const { return int_ != 0; }    // kBool
  std::int64_t int_value() const { return int_; }  // kInt
  double double_value() const { return double_; }  // kDouble
  std::int32_t days() const {                      // kDate
    return static_cast<std::int32_t>(int_);
  }
  std::int64_t micros() const { return int_; }  // kTimestamp(Tz)
  // kNumeric, kText, kBytea (raw bytes), kJson.
  const std::string& text() const { return text_; }

  // In-place setters used by normalizers to reuse this value's string
  // capacity (so a warm scratch Value allocates nothing). `kind` must be one
  // that holds that payload: SetInt takes kBool, kInt, kDate, kTimestamp or
  // kTimestampTz; SetText and mutable_text take kNumeric, kText, kBytea or
  // kJson.
  void SetNull() { kind_ = ValueKind::kNull; }
  void SetInt(ValueKind kind, std::int64_t i) {
    kind_ = kind;
    int_ = i;
  }
  void SetDouble(double d);
  void SetText(ValueKind kind, std::string_view text) {
    kind_ = kind;
    text_.assign(text.data(), text.size());
  }
  std::string* mutable_text(ValueKind kind) {
    kind_ = kind;
    return &text_;
  }

  // PostgreSQL's text output for this value ("t", "42", "1.50",
  // "2024-01-02 03:04:05.5+00", "\x00ff", ...); "NULL" for a null. Bytea is
  // rendered in hex, timestamptz in UTC.
  std::string ToString() const;

  // A hash consistent with operator==, stable within one process only.
  std::uint64_t Hash() const;
  // Feeds this value into a running hash `seed`; cheaper than combining
  // Hash() results.
  std::uint64_t HashInto(std::uint64_t seed) const;

  friend bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  Value(ValueKind kind, std::int64_t i) : kind_(kind), int_(i) {}
  Value(ValueKind kind, std::string s) : kind_(kind), text_(std::move(s)) {}

  ValueKind kind_ = ValueKind::kNull;
  std::int64_t int_ = 0;
  double double_ = 0;
  std::string text_;
};

// A numeric's value, split without allocating: "-0012.3400" is negative,
// integer digits "12", fraction digits "34". NaN and the infinities set
// `special` to "NaN", "Infinity" or "-Infinity". `valid` is false when the
// text is not PostgreSQL numeric output.
struct NumericParts {
  bool valid = false;
  bool negative = false;
  std::string_view integer_digits;   // no leading zeros; empty for zero
  std::string_view fraction_digits;  // no trailing zeros
  std::string_view special;
};
NumericParts SplitNumeric(std::string_view decimal);

}  // namespace cutover::comparator

#endif  // CUTOVER_VALUE_H_
