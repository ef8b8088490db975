#include "render/report_format.h"

#include <cmath>
#include <cstdio>

#include "cutover/internal/strings.h"

namespace cutover::report {
namespace {

// %g drops trailing zeros, which is what a reader wants from "0.5%".
std::string Significant(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

}  // namespace

std::string FormatPercent(double fraction) {
  if (!(fraction > 0)) return "0%";
  return StrCat(Significant(fraction * 100, fraction >= 0.01 ? 4 : 2), "%");
}

std::string FormatLatency(std::optional<std::int64_t> nanos) {
  if (!nanos) return "-";
  const double v = static_cast<double>(*nanos);
  if (v < 1e3) return StrCat(*nanos, "ns");
  if (v < 1e6) return StrCat(Significant(v / 1e3, 3), "us");
  if (v < 1e9) return StrCat(Significant(v / 1e6, 3), "ms");
  return StrCat(Significant(v / 1e9, 3), "s");
}

std::string PluralCount(std::uint64_t n, const char* noun) {
  if (n == 1) return StrCat(n, " ", noun);
  const std::string_view word(noun);
  const bool sibilant =
      word.size() >= 2 && (word.back() == 's' || word.back() == 'x' ||
                           word.substr(word.size() - 2) == "ch" ||
                           word.substr(word.size() - 2) == "sh");
  return StrCat(n, " ", word, sibilant ? "es" : "s");
}

}  // namespace cutover::report
