// A line chart over time as inline SVG: no script, no external resource, so
// it renders the same in a browser, an e-mail client or an archived file.
//
// The x axis is time (Unix milliseconds, labelled in UTC); the y axis starts
// at 0 and ends at a round number above the largest value. Each series is a
// polyline broken where points are missing; isolated points are drawn as dots
// so a single minute with data is still visible.
//
// Thread-safety: pure function.
#ifndef CUTOVER_SVG_LINE_CHART_H_
#define CUTOVER_SVG_LINE_CHART_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cutover::report {

struct ChartPoint {
  std::int64_t x_ms = 0;
  // nullopt breaks the line (no data for that moment).
  std::optional<double> y;
};

struct ChartSeries {
  std::string label;
  std::string color;  // a CSS colour, e.g. "#1f77b4"
  bool dashed = false;
  std::vector<ChartPoint> points;  // ascending x
};

struct LineChart {
  std::string title;
  std::string y_unit;  // appended to tick labels, e.g. "%" or " ms"
  std::int64_t x_min_ms = 0;
  std::int64_t x_max_ms = 0;
  // Points further apart than this are not joined (a gap in the data).
  std::int64_t max_gap_ms = 60000;
  int width = 1000;
  int height = 260;
  std::vector<ChartSeries> series;
};

// The chart as one <svg> element with a title, a legend, axes with labelled
// ticks and one path per series. A chart without any point says "no data".
std::string RenderSvgLineChart(const LineChart& chart);

}  // namespace cutover::report

#endif  // CUTOVER_SVG_LINE_CHART_H_
