// `cutover report --html` must look right: real results in Redis, the real
// binary writes the page, headless Chromium renders it, and the screenshot is
// checked for what a reviewer would see first (the verdict banner in its
// colour) and for the charts' lines; Chromium's DOM must hold the verdict
// text. The page must be self-contained: no script, no external resource.
//
// Set CUTOVER_REPORT_SCREENSHOT_DIR to keep the pages and screenshots for a
// look.
#include <stdlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cli/png_probe.h"
#include "cutover/diff_render.h"
#include "cutover/flag_admin.h"
#include "cutover/internal/strings.h"
#include "cutover/redis_flag_store.h"
#include "cutover/redis_keys.h"
#include "cutover/redis_publisher.h"
#include "cutover/stats_schema.h"
#include "gtest/gtest.h"
#include "support/test_env.h"
#include "support/test_redis.h"

namespace cutover {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kMinute = 60'000;
constexpr char kChromium[] = "/usr/bin/chromium";

std::string RenderText(const void*, const void* value) {
  return *static_cast<const std::string*>(value);
}

// A real comparator diff: customer 7's email and tier changed, customer 9
// missing from the new table.
std::string CustomerDiff() {
  using comparator::Value;
  comparator::Diff d;
  d.mode = comparator::CompareMode::kByKey;
  d.columns = {"id", "email", "tier"};
  d.key_columns = {"id"};
  d.old_row_count = 3;
  d.new_row_count = 2;
  d.missing_row_count = 1;
  d.changed_row_count = 1;
  d.changed_cell_count = 2;
  d.changed_cells_by_column = {{"email", 1}, {"tier", 1}};
  comparator::RowEntry missing;
  missing.index = 2;
  missing.key = {Value::Int(9)};
  missing.values = {Value::Int(9), Value::Text("nine@example.org"),
                    Value::Text("gold")};
  d.missing.push_back(missing);
  comparator::ChangedRow changed;
  changed.old_index = 0;
  changed.new_index = 0;
  changed.key = {Value::Int(7)};
  changed.cells = {
      {"email", Value::Text("Seven@Example.org"),
       Value::Text("seven@example.org")},
      {"tier", Value::Text("gold"), Value::Null()},
  };
  d.changed.push_back(changed);
  return comparator::RenderDiffJson(d);
}

class ReportHtmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::RedisUrl();
    ASSERT_FALSE(url_.empty());
    prefix_ = testing::UniquePrefix("report_html");
    ASSERT_TRUE(fs::exists(kChromium))
        << kChromium
        << " is missing: install Debian's chromium package (scripts/setup "
           "installs it)";
    std::string templ = (fs::temp_directory_path() / "cutover-html-XXXXXX");
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto store = RedisFlagStore::FromUrl(url_, prefix_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
    if (auto redis = testing::ConnectForTest(url_)) {
      testing::DeleteKeysUnder(*redis, prefix_);
    }
  }

  // Three hours of shadow reads: ~20 comparisons a minute, the new side a
  // little faster with a slower tail, a burst of mismatches with diffs, one
  // candidate error and one timeout.
  void PublishTraffic(const std::string& flag, std::int64_t now_ms,
                      bool with_problems) {
    RedisPublisher::Options options;
    options.redis_url = url_;
    options.prefix = prefix_;
    auto publisher = RedisPublisher::Create(options);
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    const std::string old_value = "{\"id\":7,\"email\":\"Seven@Example.org\"}";
    const std::string new_value = "{\"id\":7,\"email\":\"seven@example.org\"}";
    const std::string diff = CustomerDiff();
    ErrorInfo error;
    try {
      throw std::runtime_error("column \"tier\" does not exist");
    } catch (...) {
      error = CaptureCurrentError();
    }
    const std::int64_t first = UnixMinuteOfMillis(now_ms) - 178;
    for (std::int64_t m = first; m < first + 177; ++m) {
      const double t = static_cast<double>(m - first);
      for (int i = 0; i < 20; ++i) {
        ExperimentResult r;
        r.experiment = "customers.read";
        r.flag = flag;
        r.stage = Stage::kShadow;
        const std::string user = StrCat("user-", (m * 20 + i) % 97);
        r.user_id = user;
        r.timestamp_ms = m * kMinute + i * 2500;
        const double wave = 1 + 0.3 * std::sin(t / 20);
        const std::int64_t old_ns =
            static_cast<std::int64_t>((1.4e6 + i * 3e4) * wave) +
            (i == 19 ? 4'000'000 : 0);
        const std::int64_t new_ns =
            static_cast<std::int64_t>((1.0e6 + i * 2e4) * wave) +
            (i == 19 ? 6'000'000 : 0);
        r.control = ObservationView{"control",
                                    Side::kOld,
                                    true,
                                    nullptr,
                                    old_ns,
                                    -1,
                                    ValueRef(nullptr, &old_value, &RenderText)};
        r.candidate =
            ObservationView{"candidate",
                            Side::kNew,
                            true,
                            nullptr,
                            new_ns,
                            -1,
                            ValueRef(nullptr, &new_value, &RenderText)};
        const bool burst = with_problems && m >= first + 120 &&
                           m < first + 126 && i < (m - first - 118);
        if (burst) {
          r.outcome = Outcome::kMismatch;
          r.diff_json = diff;
        } else if (with_problems && m == first + 60 && i == 0) {
          r.outcome = Outcome::kCandidateError;
          r.candidate.error = &error;
          r.candidate.value = ValueRef();
        } else if (with_problems && m == first + 90 && i == 0) {
          r.outcome = Outcome::kTimeout;
          r.candidate.wall_ns = -1;
          r.candidate.value = ValueRef();
        }
        (*publisher)->Publish(r);
      }
    }
    ASSERT_TRUE((*publisher)->Flush(std::chrono::seconds(10)).ok());
  }

  testing::CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> full = {"--redis", url_, "--prefix", prefix_};
    full.insert(full.end(), args.begin(), args.end());
    return testing::RunCutover(full);
  }

  testing::CommandResult Chromium(const std::vector<std::string>& extra,
                                  const std::string& page) {
    std::vector<std::string> argv = {
        "/usr/bin/timeout",
        "180",
        kChromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        StrCat("--user-data-dir=", dir_, "/profile-", ++runs_),
        "--window-size=1200,1600"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("file://" + page);
    return testing::RunCommand(argv);
  }

  // Renders `page`; returns the screenshot and the DOM Chromium built.
  void Render(const std::string& page, const std::string& name,
              testing::Image* image, std::string* dom) {
    const std::string png = StrCat(dir_, "/", name, ".png");
    const testing::CommandResult shot =
        Chromium({"--screenshot=" + png, "--hide-scrollbars"}, page);
    ASSERT_TRUE(fs::exists(png)) << "chromium wrote no screenshot (exit "
                                 << shot.exit_code << "): " << shot.err;
    std::string error;
    ASSERT_TRUE(testing::ReadPng(png, image, &error)) << png << ": " << error;
    if (const char* keep = std::getenv("CUTOVER_REPORT_SCREENSHOT_DIR")) {
      fs::copy_file(png, fs::path(keep) / (name + ".png"),
                    fs::copy_options::overwrite_existing);
      fs::copy_file(page, fs::path(keep) / (name + ".html"),
                    fs::copy_options::overwrite_existing);
    }
    const testing::CommandResult dumped = Chromium({"--dump-dom"}, page);
    ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
    *dom = dumped.out;
  }

  std::string url_;
  std::string prefix_;
  std::string dir_;
  int runs_ = 0;
  std::unique_ptr<RedisFlagStore> store_;
};

// Pixels within `tolerance` of `rgb` in each channel, in rows [y0, y1).
int CountNear(const testing::Image& image, std::uint32_t rgb, int tolerance,
              int y0, int y1) {
  int n = 0;
  for (int y = y0; y < y1 && y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint32_t p = image.at(x, y);
      bool near = true;
      for (int shift : {16, 8, 0}) {
        const int a = static_cast<int>((p >> shift) & 0xff);
        const int b = static_cast<int>((rgb >> shift) & 0xff);
        near = near && std::abs(a - b) <= tolerance;
      }
      n += near;
    }
  }
  return n;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void ExpectSelfContained(const std::string& html) {
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  // The only http:// is the SVG namespace name, which is never fetched.
  std::string rest = html;
  for (std::size_t at = rest.find("http://"); at != std::string::npos;
       at = rest.find("http://", at + 1)) {
    EXPECT_EQ(rest.compare(at, 26, "http://www.w3.org/2000/svg"), 0)
        << rest.substr(at, 60);
  }
}

TEST_F(ReportHtmlTest, NotReadyReportRendersWithVerdictChartsAndDiffs) {
  const std::string flag = "customers_v2";
  Flag f;
  f.name = flag;
  f.default_stage = Stage::kShadow;
  ASSERT_TRUE(FlagAdmin(*store_).Create(f, {"tester", false}).ok());
  PublishTraffic(flag, absl::ToUnixMillis(absl::Now()), /*with_problems=*/true);

  const std::string page = dir_ + "/report.html";
  const testing::CommandResult r =
      Cli({"report", flag, "--since", "3h", "--html", page});
  ASSERT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("HTML report written to " + page), std::string::npos);
  const std::string html = ReadFile(page);
  ExpectSelfContained(html);
  EXPECT_NE(html.find("class=\"changed-old\""), std::string::npos);

  testing::Image image;
  std::string dom;
  ASSERT_NO_FATAL_FAILURE(Render(page, "not_ready", &image, &dom));
  EXPECT_NE(dom.find("NOT READY for contract"), std::string::npos) << dom;
  EXPECT_NE(dom.find("Mismatch rate per minute"), std::string::npos);
  EXPECT_NE(dom.find("seven@example.org"), std::string::npos);
  EXPECT_NE(dom.find("<svg"), std::string::npos);

  ASSERT_EQ(image.width, 1200);
  ASSERT_EQ(image.height, 1600);
  std::set<std::uint32_t> colours(image.pixels.begin(), image.pixels.end());
  EXPECT_GT(colours.size(), 100u) << "the screenshot looks blank";
  // The red verdict banner is at the top, where a reviewer looks first.
  EXPECT_GT(CountNear(image, 0xc62828, 8, 0, 300), 20'000);
  // The charts drew their lines: the old side's blue, the new side's orange
  // and the mismatch rate's red below the banner.
  EXPECT_GT(CountNear(image, 0x1f6fb4, 40, 300, 1600), 300);
  EXPECT_GT(CountNear(image, 0xe07b00, 40, 300, 1600), 300);
  EXPECT_GT(CountNear(image, 0xc62828, 40, 300, 1600), 100);
}

TEST_F(ReportHtmlTest, ReadyReportShowsTheGreenVerdict) {
  const std::string flag = "customers_v2";
  Flag f;
  f.name = flag;
  f.default_stage = Stage::kRampDown;
  ASSERT_TRUE(FlagAdmin(*store_).Create(f, {"tester", false}).ok());
  const std::int64_t now = absl::ToUnixMillis(absl::Now());
  PublishTraffic(flag, now, /*with_problems=*/false);
  auto endpoint = ParseRedisUrl(url_);
  ASSERT_TRUE(endpoint.ok());
  auto redis = RedisConnection::Connect(*endpoint);
  ASSERT_TRUE(redis.ok());
  ASSERT_TRUE((*redis)
                  ->Command({"XADD", RedisKeys(prefix_).Verify(flag), "*", "at",
                             StrCat(now + 1000), "equal", "1", "rows_old",
                             "5000", "rows_new", "5000", "difference_count",
                             "0", "chunks", "5"})
                  .ok());

  const std::string page = dir_ + "/ready.html";
  const testing::CommandResult r =
      Cli({"report", flag, "--since", "3h", "--min-duration", "2h", "--html",
           page});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectSelfContained(ReadFile(page));

  testing::Image image;
  std::string dom;
  ASSERT_NO_FATAL_FAILURE(Render(page, "ready", &image, &dom));
  EXPECT_NE(dom.find("READY for contract"), std::string::npos);
  EXPECT_EQ(dom.find("NOT READY"), std::string::npos);
  EXPECT_GT(CountNear(image, 0x1e8a3e, 8, 0, 300), 20'000);
  EXPECT_EQ(CountNear(image, 0xc62828, 8, 0, 300), 0);
}

}  // namespace
}  // namespace cutover
