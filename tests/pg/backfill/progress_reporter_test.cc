// What the backfill progress output says, on a terminal and in a log.
#include "cutover/progress_reporter.h"

#include <sstream>

#include "gtest/gtest.h"

namespace cutover::pg {
namespace {

using std::chrono::seconds;

TEST(ProgressReporter, DescribesDoneRateAndEta) {
  ProgressSnapshot s;
  s.done = 250000;
  s.done_this_run = 250000;
  s.changed = 240000;
  s.estimated_total = 1000000;
  s.elapsed = seconds(10);
  EXPECT_EQ(ProgressReporter::Describe(s),
            "250000 of ~1000000 keys (25.0%), 240000 rows changed, 25000 "
            "keys/s, ETA ~0:30");
}

TEST(ProgressReporter, OmitsTheEtaWithoutAnEstimate) {
  ProgressSnapshot s;
  s.done = 10;
  s.done_this_run = 10;
  s.elapsed = seconds(1);
  EXPECT_EQ(ProgressReporter::Describe(s),
            "10 keys, 0 rows changed, 10 keys/s");
}

TEST(ProgressReporter, RateCountsOnlyThisRunAfterAResume) {
  ProgressSnapshot s;
  s.done = 600000;  // 500,000 from an earlier run
  s.done_this_run = 100000;
  s.estimated_total = 1000000;
  s.elapsed = seconds(10);
  EXPECT_NE(ProgressReporter::Describe(s).find("10000 keys/s, ETA ~0:40"),
            std::string::npos);
}

TEST(ProgressReporter, TerminalRedrawsOneLine) {
  std::ostringstream out;
  ProgressReporter reporter(out, "backfill", /*terminal=*/true);
  ProgressSnapshot s;
  s.done = 500;
  s.done_this_run = 500;
  s.estimated_total = 1000;
  s.elapsed = seconds(1);
  reporter.Update(s);
  reporter.Finish(s);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\n'), text.size() - 1);  // one line, ended at Finish
  EXPECT_NE(text.find("[############............]"), std::string::npos);
  EXPECT_EQ(text.rfind("\r\x1b[K", 0), 0u);
}

TEST(ProgressReporter, PlainOutputIsWholeLinesWithoutControlCharacters) {
  std::ostringstream out;
  ProgressReporter reporter(out, "backfill", /*terminal=*/false,
                            std::chrono::milliseconds(0));
  ProgressSnapshot s;
  s.done = 1;
  s.done_this_run = 1;
  s.elapsed = seconds(1);
  reporter.Update(s);
  reporter.Finish(s);
  EXPECT_EQ(out.str(),
            "backfill: 1 keys, 0 rows changed, 1 keys/s\n"
            "backfill: 1 keys, 0 rows changed, 1 keys/s\n");
}

}  // namespace
}  // namespace cutover::pg
