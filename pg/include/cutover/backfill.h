// Backfill: runs a user statement over a table's key range in small keyset
// batches, each in its own short transaction, so that copying data into the
// new schema never holds locks long enough to stall the application.
//
// For every batch the tool
//   1. BEGINs and sets `SET LOCAL lock_timeout` and `statement_timeout`,
//   2. finds the batch's upper key: the largest of the next N keys above the
//      previous upper key (keyset pagination over the key's index, never an
//      OFFSET over the whole table),
//   3. runs the statement with $1 = exclusive lower key, $2 = inclusive upper
//      key, e.g.
//        UPDATE users SET first_name = split_part(name, ' ', 1),
//                         last_name  = split_part(name, ' ', 2)
//        WHERE id > $1 AND id <= $2 AND first_name IS NULL
//   4. COMMITs, then records the upper key in the checkpoint (if any).
//
// A lock timeout (SQLSTATE 55P03), deadlock or serialization failure rolls the
// batch back and retries it after a delay from the SDK's retry policy
// (exponential, capped, full jitter: retry_policy.h); any other error stops
// the run with the failing range and PostgreSQL's message. The statement must
// be idempotent (a crash between COMMIT and the checkpoint write repeats one
// batch) and must read the old columns in the same statement that writes the
// new ones, so that a concurrent application write is never overwritten with
// a stale value: docs/backfill-and-verify.md.
//
// Thread-safety: RunBackfill uses `conn` and `checkpoints` from the calling
// thread only. hooks.should_stop may be flipped from another thread or a
// signal handler (it is polled between batches and during sleeps).
#ifndef CUTOVER_BACKFILL_H_
#define CUTOVER_BACKFILL_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cutover/adaptive_batch.h"
#include "cutover/backfill_checkpoint.h"
#include "cutover/retry_policy.h"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

struct BackfillOptions {
  std::string table;       // [schema.]table, see backfill_target.h
  std::string key_column;  // unique, NOT NULL, indexed
  std::string statement;   // uses $1 (exclusive lower) and $2 (inclusive upper)
  // Fixed size (`initial`), or adaptive when batch.target > 0.
  BatchSizing batch;
  std::chrono::milliseconds sleep{0};  // pause between batches
  std::chrono::milliseconds lock_timeout{500};
  std::chrono::milliseconds statement_timeout{30000};
  // Retries of a batch that lost a lock race or a deadlock (the SDK's retry
  // policy); max_retries must be bounded (not kUnlimited).
  RetryOptions retry{std::chrono::milliseconds(50),
                     std::chrono::milliseconds(5000), 10};
  // Exclusive lower bound of the first batch; derived from the key type when
  // unset (backfill_target.h DeriveStartBound).
  std::optional<std::string> start_after;
  // Checkpoint name; empty for none. Requires a BackfillCheckpointStore.
  std::string checkpoint;
  bool reset_checkpoint = false;  // delete the checkpoint first
};

// Reported after every committed batch.
struct BackfillProgress {
  std::int64_t keys_done = 0;     // keys covered so far, earlier runs included
  std::int64_t rows_updated = 0;  // this run
  std::int64_t batches = 0;       // this run
  std::int64_t retries = 0;       // this run
  std::int64_t last_batch_keys = 0;
  std::chrono::microseconds last_batch_time{0};
  std::int64_t next_batch_size = 0;
  std::string last_key;
  double estimated_rows = -1;  // planner estimate of the table; < 0 unknown
  std::chrono::steady_clock::duration elapsed{};
};

struct BackfillHooks {
  // Polled between batches: true finishes the run after the batch in flight
  // (its checkpoint saved) with BackfillResult::interrupted set.
  std::function<bool()> should_stop;
  std::function<void(const BackfillProgress&)> on_batch;
  // Called when a batch lost a lock race (or a deadlock) and is about to be
  // retried: the batch's exclusive lower key, the retry number (1-based) and
  // the delay about to be slept.
  std::function<void(const std::string& after_key, int retry,
                     std::chrono::milliseconds delay)>
      on_retry;
};

struct BackfillResult {
  std::int64_t rows_updated = 0;  // sum of the statement's affected rows
  std::int64_t batches = 0;       // committed batches
  std::int64_t retries = 0;       // batches rolled back and retried
  std::int64_t keys_scanned = 0;  // keys covered by committed batches
  // The checkpoint's key this run resumed after; nullopt on a fresh start.
  std::optional<std::string> resumed_from;
  std::optional<std::string> last_key;  // upper key of the last batch
  double seconds = 0;
  bool already_complete = false;  // the checkpoint said done: nothing ran
  bool interrupted = false;       // should_stop returned true
  // The longest batch transaction: the longest any row lock was held.
  std::chrono::microseconds longest_batch{0};
};

// Checks the options without touching a database: InvalidArgument naming the
// option for an empty table/key/statement, a statement without $1 or $2 (or
// with $3 and up), a batch size < 1, negative timeouts or sleep, a bad
// checkpoint name.
absl::Status ValidateBackfillOptions(const BackfillOptions& options);

// Runs the backfill to the end of the key range, or until should_stop.
// `checkpoints` may be null only when options.checkpoint is empty.
// Errors: InvalidArgument for bad options, an unknown table/column or a
// statement PostgreSQL rejects; FailedPrecondition when the checkpoint was
// recorded for another command (table, key or statement changed), the key is
// not indexed or holds NULLs; DeadlineExceeded when a batch exceeds the
// statement timeout or keeps losing its locks after every retry; Unavailable
// when PostgreSQL or Redis goes away. Every batch committed before an error
// stays committed and checkpointed; the message names the failing key range.
absl::StatusOr<BackfillResult> RunBackfill(pqxx::connection_base& conn,
                                           const BackfillOptions& options,
                                           BackfillCheckpointStore* checkpoints,
                                           const BackfillHooks& hooks = {});

}  // namespace cutover::pg

#endif  // CUTOVER_BACKFILL_H_
