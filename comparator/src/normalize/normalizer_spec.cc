#include "cutover/normalizer_spec.h"

#include <cmath>
#include <string>

#include "cutover/internal/strings.h"

namespace cutover::comparator {
namespace {

using comparator::Normalizer;
using comparator::TimestampPrecision;

constexpr std::string_view kValidNames =
    "trim, case-fold, null-equals-empty, integer-widening, canonical-json, "
    "truncate-timestamp=UNIT, numeric-tolerance=ABS[:REL], each optionally "
    "followed by @COLUMN";

absl::Status Unknown(std::string_view spec, std::string_view why) {
  return absl::InvalidArgumentError(
      StrCat("normalizer '", spec, "' ", why, "; valid: ", kValidNames));
}

bool ParseBound(std::string_view text, double* out) {
  return ParseDouble(text, out) && std::isfinite(*out) && *out >= 0;
}

absl::StatusOr<Normalizer> ParseOne(std::string_view spec) {
  std::string name;
  std::string_view param;
  const size_t eq = spec.find('=');
  for (const char c : spec.substr(0, eq)) name.push_back(c == '_' ? '-' : c);
  const bool has_param = eq != std::string_view::npos;
  if (has_param) param = spec.substr(eq + 1);
  auto no_param = [&](Normalizer n) -> absl::StatusOr<Normalizer> {
    if (has_param) return Unknown(spec, "takes no parameter");
    return n;
  };
  if (name == "trim") return no_param(Normalizer::Trim());
  if (name == "case-fold") return no_param(Normalizer::CaseFold());
  if (name == "null-equals-empty")
    return no_param(Normalizer::NullEqualsEmpty());
  if (name == "integer-widening")
    return no_param(Normalizer::IntegerWidening());
  if (name == "canonical-json") return no_param(Normalizer::CanonicalJson());
  if (name == "truncate-timestamp") {
    if (param == "millisecond") {
      return Normalizer::TruncateTimestamp(TimestampPrecision::kMillisecond);
    }
    if (param == "second") {
      return Normalizer::TruncateTimestamp(TimestampPrecision::kSecond);
    }
    if (param == "minute") {
      return Normalizer::TruncateTimestamp(TimestampPrecision::kMinute);
    }
    if (param == "hour") {
      return Normalizer::TruncateTimestamp(TimestampPrecision::kHour);
    }
    if (param == "day") {
      return Normalizer::TruncateTimestamp(TimestampPrecision::kDay);
    }
    return Unknown(spec,
                   "needs a unit: millisecond, second, minute, hour or day");
  }
  if (name == "numeric-tolerance") {
    const size_t colon = param.find(':');
    double absolute = 0;
    double relative = 0;
    if (!ParseBound(param.substr(0, colon), &absolute) ||
        (colon != std::string_view::npos &&
         !ParseBound(param.substr(colon + 1), &relative))) {
      return Unknown(spec,
                     "needs ABS[:REL], finite numbers >= 0, e.g. "
                     "numeric-tolerance=0.01 or numeric-tolerance=0:0.001");
    }
    return Normalizer::NumericTolerance(absolute, relative);
  }
  return Unknown(spec, "is unknown");
}

}  // namespace

absl::Status AddNormalizerSpec(std::string_view spec,
                               comparator::NormalizerSet* set) {
  std::string_view column;
  if (const size_t at = spec.rfind('@'); at != std::string_view::npos) {
    column = spec.substr(at + 1);
    spec = spec.substr(0, at);
    if (column.empty()) return Unknown(spec, "has an empty @COLUMN");
  }
  if (spec.empty()) return Unknown(spec, "is empty");
  absl::StatusOr<Normalizer> normalizer = ParseOne(spec);
  if (!normalizer.ok()) return normalizer.status();
  if (column.empty()) {
    set->ForAll(*std::move(normalizer));
  } else {
    set->ForColumn(std::string(column), *std::move(normalizer));
  }
  return absl::OkStatus();
}

absl::StatusOr<comparator::NormalizerSet> ParseNormalizerSpecs(
    const std::vector<std::string>& specs) {
  comparator::NormalizerSet set;
  for (const std::string& list : specs) {
    std::string_view rest = list;
    while (true) {
      const size_t comma = rest.find(',');
      if (absl::Status s = AddNormalizerSpec(rest.substr(0, comma), &set);
          !s.ok()) {
        return s;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return set;
}

}  // namespace cutover::comparator
