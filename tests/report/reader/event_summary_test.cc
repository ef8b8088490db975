// Turning event stream entries into kinds, top columns and readable samples;
// unreadable entries are counted, never fatal.
#include "cutover/event_summary.h"

#include <map>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace cutover::report {
namespace {

constexpr std::int64_t kFrom = 1'000'000;
constexpr std::int64_t kTo = 2'000'000;

std::string Result(std::int64_t at, const std::string& outcome,
                   const std::string& extra) {
  return "{\"experiment\":\"e\",\"flag\":\"pm\",\"stage\":\"live\","
         "\"user\":\"u7\",\"outcome\":\"" +
         outcome +
         "\",\"control_side\":\"new\",\"at_ms\":" + std::to_string(at) +
         ",\"control\":{\"name\":\"control\",\"side\":\"new\",\"ran\":true,"
         "\"wall_ns\":5,\"cpu_ns\":-1,\"value\":\"NEW\"},"
         "\"candidate\":{\"name\":\"candidate\",\"side\":\"old\",\"ran\":true,"
         "\"wall_ns\":5,\"cpu_ns\":-1,\"value\":\"OLD\"}" +
         extra + ",\"context\":{}}";
}

const char kOrderedDiff[] =
    R"(,"diff":{"mode":"multiset","counts":{"missing_rows":2,"extra_rows":1,)"
    R"("changed_rows":0,"changed_cells":0},"changed_cells_by_column":{},)"
    R"("missing":[{"index":4,"count":2,"row":{"a":1,"b":"x"}}],)"
    R"("extra":[{"index":0,"count":1,"row":{"a":2,"b":null}}],"changed":[]})";

TEST(EventSummaryTest, KindsColumnsAndSamplesFromDiffs) {
  EventSummarizer s(EventSummaryOptions{}, kFrom, kTo);
  const std::string by_key =
      R"(,"diff":{"mode":"by_key","counts":{"missing_rows":0,"extra_rows":0,)"
      R"("changed_rows":1,"changed_cells":2},)"
      R"("changed_cells_by_column":{"email":1,"name":1},)"
      R"("changed":[{"key":{"id":3},"cells":[{"column":"name","old":"c",)"
      R"("new":"C"},{"column":"email","old":null,"new":"c@x"}]}]})";
  EXPECT_TRUE(s.Add("mismatch", Result(kFrom + 10, "mismatch", by_key), 0));
  EXPECT_TRUE(
      s.Add("mismatch", Result(kFrom + 5, "mismatch", kOrderedDiff), 0));
  EXPECT_TRUE(s.Add("mismatch", Result(kFrom + 1, "mismatch", ""), 0));
  const EventSummary out = s.Finish();
  EXPECT_EQ(out.events_read, 3u);
  ASSERT_EQ(out.kinds.size(), 4u);
  std::map<std::string, std::pair<unsigned long long, unsigned long long>>
      kinds;
  for (const KindCount& k : out.kinds) kinds[k.kind] = {k.events, k.items};
  EXPECT_EQ(kinds["changed cells"], std::make_pair(1ULL, 2ULL));
  EXPECT_EQ(kinds["missing rows"], std::make_pair(1ULL, 2ULL));
  EXPECT_EQ(kinds["extra rows"], std::make_pair(1ULL, 1ULL));
  EXPECT_EQ(kinds["value differs"], std::make_pair(1ULL, 1ULL));
  ASSERT_EQ(out.columns.size(), 2u);
  EXPECT_EQ(out.columns[0].column, "email");  // ties sort by name
  ASSERT_EQ(out.samples.size(), 3u);

  const SampleEvent& keyed = out.samples[0];
  EXPECT_EQ(keyed.user, "u7");
  // The control was the new side: the texts follow the sides, not the roles.
  EXPECT_EQ(keyed.old_text, "OLD");
  EXPECT_EQ(keyed.new_text, "NEW");
  ASSERT_EQ(keyed.rows.size(), 1u);
  EXPECT_EQ(keyed.rows[0].key[0].value, "3");
  EXPECT_FALSE(keyed.rows[0].key[0].is_string);
  EXPECT_TRUE(keyed.rows[0].cells[1].old_cell.is_null);
  EXPECT_EQ(keyed.rows[0].cells[1].new_cell.value, "c@x");

  const SampleEvent& multiset = out.samples[1];
  ASSERT_EQ(multiset.rows.size(), 2u);
  EXPECT_EQ(multiset.rows[0].kind, "missing");
  EXPECT_EQ(multiset.rows[0].position, "row 4 (x2)");
  EXPECT_EQ(multiset.rows[0].row[1].value, "x");
  EXPECT_TRUE(multiset.rows[1].row[1].is_null);
  EXPECT_TRUE(multiset.diff_truncated) << "3 rows counted, 2 listed";

  EXPECT_FALSE(out.samples[2].has_diff);
}

TEST(EventSummaryTest, EventsOutsideTheRangeAreSkipped) {
  EventSummarizer s(EventSummaryOptions{}, kFrom, kTo);
  EXPECT_FALSE(s.Add("mismatch", Result(kFrom - 1, "mismatch", ""), 0));
  EXPECT_FALSE(s.Add("mismatch", Result(kTo + 1, "mismatch", ""), 0));
  EXPECT_TRUE(s.Add("timeout", Result(kTo, "timeout", ""), 0));
  EXPECT_EQ(s.Finish().events_read, 1u);
}

TEST(EventSummaryTest, UnreadableDocumentsAreCountedUnderTheirOutcome) {
  EventSummarizer s(EventSummaryOptions{}, kFrom, kTo);
  // No at_ms to read: the stream id's time decides.
  EXPECT_TRUE(s.Add("candidate_error", "{truncated", kFrom + 1));
  EXPECT_TRUE(s.Add("mismatch", "[1,2]", kFrom + 2));
  EXPECT_FALSE(s.Add("mismatch", "", kFrom - 5));
  const EventSummary out = s.Finish();
  EXPECT_EQ(out.events_read, 2u);
  EXPECT_EQ(out.unparsable, 2u);
  ASSERT_EQ(out.kinds.size(), 2u);
  EXPECT_EQ(out.samples.size(), 2u);
}

TEST(EventSummaryTest, ErrorsAreNamedByType) {
  EventSummarizer s(EventSummaryOptions{}, kFrom, kTo);
  const std::string doc =
      R"({"outcome":"candidate_error","at_ms":1000001,"control_side":"old",)"
      R"("control":{"ran":true,"value":"v"},"candidate":{"ran":true,)"
      R"("error":{"type":"pqxx::undefined_table","message":"no such table"}}})";
  EXPECT_TRUE(s.Add("candidate_error", doc, 0));
  const EventSummary out = s.Finish();
  ASSERT_EQ(out.kinds.size(), 1u);
  EXPECT_EQ(out.kinds[0].kind, "candidate error: pqxx::undefined_table");
  EXPECT_EQ(out.samples[0].new_text,
            "raised pqxx::undefined_table: no such table");
}

TEST(EventSummaryTest, CapsSamplesRowsColumnsAndText) {
  EventSummaryOptions options;
  options.max_samples = 2;
  options.max_columns = 1;
  options.max_rows_per_sample = 1;
  options.max_text_bytes = 8;
  EventSummarizer s(options, kFrom, kTo);
  const std::string long_value(100, 'z');
  const std::string diff =
      R"(,"diff":{"mode":"by_key","counts":{"changed_rows":2,"changed_cells":2},)"
      R"("changed_cells_by_column":{"a":1,"b":1},"changed":[)"
      R"({"key":{"id":1},"cells":[{"column":"a","old":")" +
      long_value +
      R"(","new":"y"}]},)"
      R"({"key":{"id":2},"cells":[{"column":"b","old":"x","new":"y"}]}]})";
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(s.Add("mismatch", Result(kFrom + i, "mismatch", diff), 0));
  }
  const EventSummary out = s.Finish();
  EXPECT_EQ(out.events_read, 5u);
  EXPECT_EQ(out.samples.size(), 2u);
  EXPECT_EQ(out.columns.size(), 1u);
  ASSERT_EQ(out.samples[0].rows.size(), 1u);
  EXPECT_TRUE(out.samples[0].diff_truncated);
  EXPECT_EQ(out.samples[0].rows[0].cells[0].old_cell.value, "zzzzzzzz...");
}

}  // namespace
}  // namespace cutover::report
