// The three renderings of one report: the same figures everywhere, values from
// Redis never become markup, and odd bytes never break the JSON.
#include <string>

#include "cutover/json_text.h"
#include "cutover/readiness.h"
#include "cutover/report.h"
#include "cutover/report_render_html.h"
#include "cutover/report_render_json.h"
#include "cutover/report_render_text.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "render/svg_line_chart.h"

namespace cutover::report {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

MigrationReport HostileReport() {
  MigrationReport r;
  r.flag_name = "orders_v2";
  r.flag.name = "orders_v2";
  r.flag.default_stage = Stage::kLive;
  r.key_prefix = "cutover:";
  r.now_ms = kNow;
  r.window = std::chrono::hours(1);
  r.window_start_ms = kNow - 3'600'000;
  r.totals.counters[static_cast<int>(StatsCounter::kComparisons)] = 400;
  r.totals.counters[static_cast<int>(StatsCounter::kMismatches)] = 4;
  r.totals.counters[static_cast<int>(StatsCounter::kMatches)] = 396;
  r.latency_old = {400, 1'500'000, 9'000'000};
  r.latency_new = {400, 1'200'000, std::nullopt};
  MinutePoint p;
  p.unix_minute = kNow / 60'000 - 3;
  p.totals = r.totals;
  p.latency_old = r.latency_old;
  r.series.push_back(p);
  SampleEvent s;
  s.at_ms = kNow - 60'000;
  s.outcome = "mismatch";
  s.user = "<script>alert(1)</script>";
  s.experiment = "e\"x";
  s.old_text = "caf\xC3";  // cut in the middle of a UTF-8 sequence
  s.new_text = "</pre><img src=x>";
  s.has_diff = true;
  SampleRow row;
  row.kind = "changed";
  row.key = {{"id", "3", false, false}};
  row.cells = {
      {"name", {"name", "<b>c</b>", false, true}, {"name", "C", false, true}}};
  s.rows.push_back(row);
  r.events.events_read = 4;
  r.events.samples.push_back(s);
  r.events.kinds.push_back({"changed cells", 4, 4});
  r.events.columns.push_back({"name", 4, 4});
  return r;
}

TEST(ReportRenderTest, HtmlEscapesEveryValueAndLoadsNothing) {
  const MigrationReport r = HostileReport();
  const std::string html =
      RenderReportHtml(r, EvaluateReadiness(r.Facts(), {}));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>c</b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;c&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("NOT READY for contract"), std::string::npos);
  EXPECT_NE(html.find("class=\"changed-old\""), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(ReportRenderTest, JsonHasTheFiguresAndSurvivesBadBytes) {
  const MigrationReport r = HostileReport();
  const ReadinessVerdict v = EvaluateReadiness(r.Facts(), {});
  const nlohmann::json j = ReportToJson(r, v);
  EXPECT_EQ(j["comparisons"], 400);
  EXPECT_EQ(j["mismatches"], 4);
  EXPECT_DOUBLE_EQ(j["mismatch_rate"].get<double>(), 0.01);
  EXPECT_EQ(j["latency"]["old"]["p99_ns"], 9'000'000);
  EXPECT_TRUE(j["latency"]["new"]["p99_ns"].is_null());
  EXPECT_EQ(j["ready"], false);
  EXPECT_EQ(j["reasons"].size(), v.Reasons().size());
  EXPECT_EQ(j["events"]["samples"][0]["diff"]["rows"][0]["key"]["id"], 3);
  // The CLI prints through ToJsonText, which must not throw on the cut byte.
  const std::string text = ToJsonText(j);
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(ReportRenderTest, TextLeadsWithTheVerdictThenReasons) {
  const MigrationReport r = HostileReport();
  const std::string text =
      RenderReportText(r, EvaluateReadiness(r.Facts(), {}));
  EXPECT_EQ(text.rfind("NOT READY for contract: flag orders_v2", 0), 0u);
  const std::size_t why = text.find("Why not ready, and what to do:");
  const std::size_t checks = text.find("\nChecks:");
  ASSERT_NE(why, std::string::npos);
  ASSERT_NE(checks, std::string::npos);
  EXPECT_LT(why, checks);
  EXPECT_NE(text.find("compared      400   mismatches 4 (1%)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("changed id=3: name '<b>c</b>' -> 'C'"),
            std::string::npos)
      << text;
}

TEST(SvgLineChartTest, DrawsLinesDotsAndAnEmptyState) {
  LineChart chart;
  chart.title = "t<";
  chart.x_min_ms = 0;
  chart.x_max_ms = 3'600'000;
  ChartSeries s{"a", "#123456", false, {}};
  s.points = {
      {60'000, 1.0}, {120'000, 2.0}, {180'000, std::nullopt}, {600'000, 3.0}};
  chart.series.push_back(s);
  const std::string svg = RenderSvgLineChart(chart);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("t&lt;"), std::string::npos);
  EXPECT_NE(svg.find("<path d=\"M"), std::string::npos);
  // The lone point after the gap is a dot.
  EXPECT_NE(svg.find("<circle"), std::string::npos);
  EXPECT_EQ(svg.find("no data"), std::string::npos);

  LineChart empty = chart;
  empty.series[0].points.clear();
  EXPECT_NE(RenderSvgLineChart(empty).find("no data"), std::string::npos);
}

}  // namespace
}  // namespace cutover::report
