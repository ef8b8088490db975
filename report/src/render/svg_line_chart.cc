#include "render/svg_line_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "absl/time/time.h"
#include "cutover/internal/strings.h"
#include "render/html_text.h"

namespace cutover::report {
namespace {

constexpr int kLeft = 72;
constexpr int kRight = 20;
constexpr int kTop = 44;
constexpr int kBottom = 34;

// Coordinates with one decimal: enough for a crisp line, short enough that a
// day of minutes stays a small file.
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// 1, 2 or 5 times a power of ten, at least `raw`.
double NiceStep(double raw) {
  if (!(raw > 0)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string TickLabel(double v, const std::string& unit) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return EscapeHtml(StrCat(buf, unit));
}

std::int64_t TimeStepMs(std::int64_t range_ms) {
  constexpr std::array<std::int64_t, 14> kSteps = {
      60'000,     300'000,     600'000,     900'000,      1'800'000,
      3'600'000,  7'200'000,   10'800'000,  21'600'000,   43'200'000,
      86'400'000, 172'800'000, 604'800'000, 2'592'000'000};
  for (std::int64_t step : kSteps) {
    if (range_ms / step <= 8) return step;
  }
  return kSteps.back();
}

}  // namespace

std::string RenderSvgLineChart(const LineChart& chart) {
  const int plot_w = std::max(100, chart.width - kLeft - kRight);
  const int plot_h = std::max(60, chart.height - kTop - kBottom);
  const std::int64_t x_min = chart.x_min_ms;
  const std::int64_t x_max = std::max(chart.x_max_ms, x_min + 60'000);
  double y_max = 0;
  bool any = false;
  for (const ChartSeries& s : chart.series) {
    for (const ChartPoint& p : s.points) {
      if (p.y) {
        y_max = std::max(y_max, *p.y);
        any = true;
      }
    }
  }
  const double y_step = NiceStep((y_max > 0 ? y_max : 1) / 4);
  const double y_top = std::max(y_step, std::ceil(y_max / y_step) * y_step);
  auto px = [&](std::int64_t x) {
    return kLeft + static_cast<double>(x - x_min) /
                       static_cast<double>(x_max - x_min) * plot_w;
  };
  auto py = [&](double y) { return kTop + plot_h - y / y_top * plot_h; };

  std::string svg = StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"",
      chart.width, "\" height=\"", chart.height, "\" viewBox=\"0 0 ",
      chart.width, " ", chart.height, "\" role=\"img\" aria-label=\"",
      EscapeHtml(chart.title), "\">\n");
  svg += StrCat("<rect x=\"0\" y=\"0\" width=\"", chart.width, "\" height=\"",
                chart.height, "\" fill=\"#ffffff\"/>\n");
  svg += StrCat("<text x=\"", kLeft,
                "\" y=\"18\" font-size=\"15\" "
                "font-weight=\"600\" fill=\"#222\">",
                EscapeHtml(chart.title), "</text>\n");

  // Legend, right-aligned on the title line.
  double lx = chart.width - kRight;
  for (auto it = chart.series.rbegin(); it != chart.series.rend(); ++it) {
    const double text_w = 7.0 * static_cast<double>(it->label.size());
    lx -= text_w + 34;
    svg += StrCat("<line x1=\"", Num(lx), "\" y1=\"14\" x2=\"", Num(lx + 22),
                  "\" y2=\"14\" stroke=\"", EscapeHtml(it->color),
                  "\" stroke-width=\"3\"",
                  it->dashed ? " stroke-dasharray=\"6 4\"" : "", "/>");
    svg += StrCat("<text x=\"", Num(lx + 27),
                  "\" y=\"18\" font-size=\"12\" "
                  "fill=\"#333\">",
                  EscapeHtml(it->label), "</text>\n");
  }

  // Grid and y ticks.
  for (double y = 0; y <= y_top + y_step / 2; y += y_step) {
    svg += StrCat("<line x1=\"", kLeft, "\" y1=\"", Num(py(y)), "\" x2=\"",
                  kLeft + plot_w, "\" y2=\"", Num(py(y)),
                  "\" stroke=\"#e4e4e4\"/>");
    svg += StrCat("<text x=\"", kLeft - 6, "\" y=\"", Num(py(y) + 4),
                  "\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">",
                  TickLabel(y, chart.y_unit), "</text>\n");
  }
  // X ticks, on round UTC times.
  const std::int64_t step = TimeStepMs(x_max - x_min);
  const bool long_range = x_max - x_min > 86'400'000;
  for (std::int64_t t = (x_min + step - 1) / step * step; t <= x_max;
       t += step) {
    const std::string label =
        absl::FormatTime(long_range ? "%m-%d %H:%M" : "%H:%M",
                         absl::FromUnixMillis(t), absl::UTCTimeZone());
    svg += StrCat("<line x1=\"", Num(px(t)), "\" y1=\"", kTop, "\" x2=\"",
                  Num(px(t)), "\" y2=\"", kTop + plot_h,
                  "\" stroke=\"#f0f0f0\"/>");
    svg += StrCat("<text x=\"", Num(px(t)), "\" y=\"", kTop + plot_h + 16,
                  "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">",
                  label, "</text>\n");
  }
  svg += StrCat("<text x=\"", kLeft + plot_w, "\" y=\"", kTop + plot_h + 30,
                "\" font-size=\"10\" text-anchor=\"end\" fill=\"#888\">UTC"
                "</text>\n");
  // Axes.
  svg +=
      StrCat("<line x1=\"", kLeft, "\" y1=\"", kTop + plot_h, "\" x2=\"",
             kLeft + plot_w, "\" y2=\"", kTop + plot_h, "\" stroke=\"#888\"/>");
  svg += StrCat("<line x1=\"", kLeft, "\" y1=\"", kTop, "\" x2=\"", kLeft,
                "\" y2=\"", kTop + plot_h, "\" stroke=\"#888\"/>\n");

  if (!any) {
    svg +=
        StrCat("<text x=\"", kLeft + plot_w / 2, "\" y=\"", kTop + plot_h / 2,
               "\" font-size=\"14\" text-anchor=\"middle\" fill=\"#888\">"
               "no data in this window</text>\n");
  }
  for (const ChartSeries& s : chart.series) {
    std::string path;
    std::string dots;
    std::size_t run = 0;  // points in the current unbroken run
    std::int64_t last_x = 0;
    std::string run_start;  // the first point of the run, for a lone dot
    auto close_run = [&] {
      if (run == 1) dots += run_start;
      run = 0;
    };
    for (const ChartPoint& p : s.points) {
      if (!p.y || p.x_ms < x_min || p.x_ms > x_max) {
        close_run();
        continue;
      }
      if (run > 0 && p.x_ms - last_x > chart.max_gap_ms) close_run();
      const std::string x = Num(px(p.x_ms));
      const std::string y = Num(py(*p.y));
      if (run == 0) {
        path += StrCat("M", x, " ", y);
        run_start = StrCat("<circle cx=\"", x, "\" cy=\"", y,
                           "\" r=\"2.5\" fill=\"", EscapeHtml(s.color), "\"/>");
      } else {
        path += StrCat("L", x, " ", y);
      }
      ++run;
      last_x = p.x_ms;
    }
    close_run();
    if (!path.empty()) {
      svg += StrCat("<path d=\"", path, "\" fill=\"none\" stroke=\"",
                    EscapeHtml(s.color),
                    "\" stroke-width=\"1.8\" stroke-linejoin=\"round\"",
                    s.dashed ? " stroke-dasharray=\"6 4\"" : "", "/>\n");
    }
    svg += dots;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace cutover::report
