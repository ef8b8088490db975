#include "cutover/progress_reporter.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <utility>

#include "cutover/internal/strings.h"

namespace cutover::pg {
namespace {

constexpr int kBarWidth = 24;

std::string FormatDuration(double seconds) {
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  const std::int64_t h = total / 3600;
  const std::int64_t m = (total / 60) % 60;
  const std::int64_t s = total % 60;
  char buf[32];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld",
                  static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return buf;
}

// The fraction done, or a negative value when there is no usable estimate.
double Fraction(const ProgressSnapshot& s) {
  if (s.estimated_total <= 0) return -1;
  return std::min(1.0, static_cast<double>(s.done) / s.estimated_total);
}

}  // namespace

ProgressReporter::ProgressReporter(std::ostream& out, std::string label,
                                   bool terminal,
                                   std::chrono::milliseconds line_interval)
    : out_(out),
      label_(std::move(label)),
      terminal_(terminal),
      interval_(line_interval) {}

std::string ProgressReporter::Describe(const ProgressSnapshot& s) {
  const double seconds = std::chrono::duration<double>(s.elapsed).count();
  const double rate = seconds > 0 ? s.done_this_run / seconds : 0;
  std::string text = StrCat(s.done, " keys");
  const double fraction = Fraction(s);
  if (fraction >= 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.1f%%", fraction * 100);
    text = StrCat(s.done, " of ~", static_cast<std::int64_t>(s.estimated_total),
                  " keys (", pct, ")");
  }
  text += StrCat(", ", s.changed, " rows changed, ",
                 static_cast<std::int64_t>(rate), " keys/s");
  if (fraction >= 0 && rate > 0) {
    const double left = std::max(0.0, s.estimated_total - s.done) / rate;
    text += StrCat(", ETA ~", FormatDuration(left));
  }
  return text;
}

void ProgressReporter::Print(const ProgressSnapshot& s) {
  if (terminal_) {
    const double fraction = Fraction(s);
    std::string bar;
    if (fraction >= 0) {
      const int filled = static_cast<int>(fraction * kBarWidth);
      bar = StrCat("[", std::string(filled, '#'),
                   std::string(kBarWidth - filled, '.'), "] ");
    }
    // \r and clear-to-end-of-line redraw the bar in place.
    out_ << "\r\x1b[K" << label_ << ": " << bar << Describe(s) << std::flush;
  } else {
    out_ << label_ << ": " << Describe(s) << "\n" << std::flush;
  }
  printed_ = true;
}

void ProgressReporter::Update(const ProgressSnapshot& snapshot) {
  const auto now = std::chrono::steady_clock::now();
  const auto min_gap = terminal_ ? std::chrono::milliseconds(100) : interval_;
  if (printed_ && now - last_print_ < min_gap) return;
  if (!printed_ && !terminal_ && snapshot.elapsed < interval_) return;
  last_print_ = now;
  Print(snapshot);
}

void ProgressReporter::Finish(const ProgressSnapshot& snapshot) {
  Print(snapshot);
  if (terminal_) out_ << "\n" << std::flush;
}

}  // namespace cutover::pg
