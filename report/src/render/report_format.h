// How a report spells its figures, shared by the text, JSON-adjacent and HTML
// renderers and by readiness reasons so that the same number always reads the
// same way.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_REPORT_FORMAT_H_
#define CUTOVER_REPORT_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>

namespace cutover::report {

// A fraction as a percentage with up to three significant decimals: 0 ->
// "0%", 0.00024 -> "0.024%", 0.5 -> "50%", 1 -> "100%".
std::string FormatPercent(double fraction);

// Nanoseconds as a readable latency: "850ns", "12.3us", "1.25ms", "2.1s";
// "-" when there is no value.
std::string FormatLatency(std::optional<std::int64_t> nanos);

// "1 comparison" / "3 comparisons" / "2 mismatches": `noun` pluralised with
// "s", or "es" after s, x, ch and sh.
std::string PluralCount(std::uint64_t n, const char* noun);

}  // namespace cutover::report

#endif  // CUTOVER_REPORT_FORMAT_H_
