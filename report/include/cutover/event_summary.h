// Turns the entries of a flag's event stream (`<prefix>events:<flag>`,
// stats_schema.h) into what a reviewer reads: which kinds of differences
// occurred, which columns differ most, and a few recent samples with their
// diffs, readable and capped.
//
// The result document of each entry is ResultRecord::ToJson; its "diff", when
// present, is the comparator's JSON (comparator/include/cutover/diff_render.h:
// mode, counts, changed_cells_by_column, missing, extra, changed). Unknown
// fields are ignored, so newer writers do not break older readers.
//
// Thread-safety: an EventSummarizer is used by one thread at a time.
#ifndef CUTOVER_EVENT_SUMMARY_H_
#define CUTOVER_EVENT_SUMMARY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "cutover/report.h"

namespace cutover::report {

struct EventSummaryOptions {
  std::size_t max_samples = 5;          // sample events kept, newest first
  std::size_t max_columns = 10;         // top differing columns kept
  std::size_t max_rows_per_sample = 8;  // diff rows kept per sample
  std::size_t max_text_bytes = 240;     // per value shown; longer is cut
};

class EventSummarizer {
 public:
  // Summarizes the events whose run started in [from_ms, to_ms] (Unix ms).
  EventSummarizer(EventSummaryOptions options, std::int64_t from_ms,
                  std::int64_t to_ms);

  // Counts one event if its run's start (the result's "at_ms", else
  // `fallback_at_ms`, e.g. the stream id's time) lies in the range; returns
  // whether it did. Feed events newest first: the first max_samples counted
  // become the samples. `outcome` and `result_json` are the stream entry's
  // fields. An unreadable document is counted (unparsable) under its outcome
  // and never fails the summary.
  bool Add(std::string_view outcome, std::string_view result_json,
           std::int64_t fallback_at_ms);

  // Marks the summary as covering only the newest events (the reader stopped
  // at its limit before the window's start).
  void SetLimited() { summary_.limited = true; }

  // The summary of everything added, kinds and columns sorted (most first,
  // then by name), columns capped.
  EventSummary Finish() const;

 private:
  void CountKind(const std::string& kind, std::uint64_t items);

  const EventSummaryOptions options_;
  const std::int64_t from_ms_;
  const std::int64_t to_ms_;
  EventSummary summary_;
  std::map<std::string, KindCount> kinds_;
  std::map<std::string, ColumnCount> columns_;
};

}  // namespace cutover::report

#endif  // CUTOVER_EVENT_SUMMARY_H_
