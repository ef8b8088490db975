// Shows how far a long-running job (backfill) has come: a one-line progress bar
// redrawn in place on a terminal, plain periodic lines otherwise (logs, CI).
//
//   [#########...........]  45.2%  452,000 rows  38,112 rows/s  ETA 0:14
//   backfill: 452000 of ~1000000 keys (45.2%), 38112 keys/s, ETA 14s
//
// The ETA comes from an estimate of the total (pg_class.reltuples), so it is
// labelled approximate and omitted when no estimate exists.
//
// Thread-safety: not thread-safe; one reporter per job, called from one thread.
#ifndef CUTOVER_PROGRESS_REPORTER_H_
#define CUTOVER_PROGRESS_REPORTER_H_

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace cutover::pg {

struct ProgressSnapshot {
  std::int64_t done = 0;  // units done (keys walked), earlier runs included
  std::int64_t done_this_run = 0;  // for the rate
  std::int64_t changed = 0;        // rows the statement changed this run
  double estimated_total = -1;     // < 0: unknown
  std::chrono::steady_clock::duration elapsed{};
};

class ProgressReporter {
 public:
  // Writes to `out` (not owned; must outlive the reporter). `terminal` picks
  // the in-place bar; `line_interval` paces the plain lines (the bar is
  // redrawn at most ten times a second).
  ProgressReporter(std::ostream& out, std::string label, bool terminal,
                   std::chrono::milliseconds line_interval =
                       std::chrono::milliseconds(5000));

  // Reports progress; cheap to call after every batch (it throttles itself).
  void Update(const ProgressSnapshot& snapshot);
  // Prints the final state and, on a terminal, ends the bar's line.
  void Finish(const ProgressSnapshot& snapshot);

  // The text of one report, without the bar or line ending: exposed for tests.
  static std::string Describe(const ProgressSnapshot& snapshot);

 private:
  void Print(const ProgressSnapshot& snapshot);

  std::ostream& out_;
  std::string label_;
  bool terminal_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_print_{};
  bool printed_ = false;
};

}  // namespace cutover::pg

#endif  // CUTOVER_PROGRESS_REPORTER_H_
