// Normalizers: rules that make harmless differences disappear before values
// are compared (trailing spaces, letter case, NULL vs '', timestamp precision,
// float noise, integer vs numeric, JSON key order).
//
// Most normalizers *canonicalize*: they map a value to a canonical value, and
// two values are the same when their canonical values are equal (operator==
// in value.h). That keeps rows hashable, which is what makes comparing equal
// results fast. NumericTolerance is different: "within 0.01" is not a
// canonical form (it is not transitive), so it is a *tolerance*, checked
// pairwise after the rows are matched; see row_comparator.h for what that
// means per mode.
//
// Each normalizer touches only the kinds it names and passes everything else
// through unchanged, so applying one to all columns is safe.
//
// Thread-safety: immutable after construction; safe to share between threads
// (a Custom function must itself be thread-safe).
#ifndef CUTOVER_NORMALIZER_H_
#define CUTOVER_NORMALIZER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "cutover/value.h"

namespace cutover::comparator {

// Units for TruncateTimestamp, finest first.
enum class TimestampPrecision {
  kMillisecond,
  kSecond,
  kMinute,
  kHour,
  kDay,
};

class Normalizer {
 public:
  enum class Type {
    kTrim,
    kCaseFold,
    kNullEqualsEmpty,
    kTruncateTimestamp,
    kNumericTolerance,
    kIntegerWidening,
    kCanonicalJson,
    kCustom,
  };

  // text: strips leading and trailing ASCII whitespace (space, \t, \n, \r,
  // \f, \v), e.g. char(n) padding.
  static Normalizer Trim();
  // text: lower-cases ASCII and the Latin-1, Latin Extended-A, Greek and
  // Cyrillic capitals (simple one-to-one folding; no locale, no ß -> ss).
  static Normalizer CaseFold();
  // text: '' becomes NULL, so NULL and '' compare equal. Put it after Trim to
  // treat blank strings as NULL too.
  static Normalizer NullEqualsEmpty();
  // timestamp, timestamptz: truncates toward the past to `precision`, like
  // date_trunc (timestamptz in UTC). 'infinity' is left alone.
  static Normalizer TruncateTimestamp(TimestampPrecision precision);
  // int, double, numeric (any mix): equal when |a - b| <= absolute or
  // |a - b| <= relative * max(|a|, |b|). Values compared in double precision.
  // Both bounds must be finite and >= 0 (RowComparator::Create checks).
  static Normalizer NumericTolerance(double absolute, double relative);
  // numeric and double holding an integer that fits int64 become int, so
  // integer -> bigint -> numeric(20,0) -> double precision changes compare
  // equal. (smallint, integer and bigint are all kInt already.)
  static Normalizer IntegerWidening();
  // json, and text holding a JSON object or array: re-serialized compactly
  // with keys sorted, so key order and whitespace do not matter and a text
  // column that became jsonb compares equal. Text that is not JSON is left
  // alone. Numbers go through double precision.
  static Normalizer CanonicalJson();
  // Anything else: `fn` maps a value to its canonical value; it must be
  // thread-safe, must not throw, and should map its own output to itself.
  // `name` appears in error messages.
  static Normalizer Custom(std::string name,
                           std::function<Value(const Value&)> fn);

  // InvalidArgument naming the normalizer when its parameters are unusable:
  // a tolerance bound negative or not finite, a Custom without a function.
  absl::Status Validate() const;

  Type type() const { return type_; }
  // "trim", "case_fold", "null_equals_empty", "truncate_timestamp(second)",
  // "numeric_tolerance(absolute=0.01,relative=0)", "integer_widening",
  // "canonical_json", or the custom name.
  const std::string& name() const { return name_; }
  bool is_tolerance() const { return type_ == Type::kNumericTolerance; }
  double absolute_tolerance() const { return absolute_; }
  double relative_tolerance() const { return relative_; }

  // The canonical value of `in`: returns `in` itself when this normalizer
  // leaves it unchanged (always, for a tolerance), otherwise writes the result
  // into `*scratch` and returns `*scratch`. Reusing one scratch Value per call
  // site keeps its string capacity, so steady-state normalizing allocates
  // nothing. The result is valid until `in` or `*scratch` changes.
  const Value& Apply(const Value& in, Value* scratch) const;
  // Convenience: Apply with a fresh scratch, returning a copy.
  Value Normalize(const Value& in) const;
  // Whether `a` and `b` are the same under this normalizer alone: within
  // tolerance for NumericTolerance, equal canonical values for the others.
  bool Equivalent(const Value& a, const Value& b) const;

 private:
  Normalizer(Type type, std::string name)
      : type_(type), name_(std::move(name)) {}

  Type type_;
  std::string name_;
  TimestampPrecision precision_ = TimestampPrecision::kSecond;
  double absolute_ = 0;
  double relative_ = 0;
  std::shared_ptr<const std::function<Value(const Value&)>> custom_;
};

}  // namespace cutover::comparator

#endif  // CUTOVER_NORMALIZER_H_
