#include "cutover/backfill.h"

#include <algorithm>
#include <cctype>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "cutover/backfill_target.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"

namespace cutover::pg {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kBoundStatement[] = "cutover_backfill_bound";
constexpr char kTailStatement[] = "cutover_backfill_tail";
constexpr char kBatchStatement[] = "cutover_backfill_batch";

// The $n placeholders a statement mentions, outside nothing: a cheap textual
// scan whose only job is a clear early message; PostgreSQL's PREPARE has the
// final word.
std::set<int> Placeholders(std::string_view sql) {
  std::set<int> found;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$' || i + 1 >= sql.size() ||
        !std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      continue;
    }
    int n = 0;
    size_t j = i + 1;
    while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])) &&
           n < 100000) {
      n = n * 10 + (sql[j] - '0');
      ++j;
    }
    found.insert(n);
    i = j - 1;
  }
  return found;
}

bool IsRetryable(const std::string& sqlstate) {
  return sqlstate == kSqlStateLockNotAvailable  // lock_timeout
         || sqlstate == kSqlStateDeadlock ||
         sqlstate == kSqlStateSerializationFailure;
}

// Sleeps up to `duration`, waking early when `should_stop` says so. Returns
// true if it was interrupted.
bool InterruptibleSleep(std::chrono::milliseconds duration,
                        const std::function<bool()>& should_stop) {
  const Clock::time_point end = Clock::now() + duration;
  while (Clock::now() < end) {
    if (should_stop && should_stop()) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - Clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(20)));
  }
  return false;
}

std::string DescribeRange(const std::string& lower, const std::string& upper) {
  return StrCat("key range (", lower, ", ", upper.empty() ? "?" : upper, "]");
}

// One batch's outcome.
struct BatchOutcome {
  bool end_of_range = false;
  std::string upper;
  std::int64_t keys = 0;
  std::int64_t rows = 0;
  std::chrono::microseconds elapsed{0};
};

class BackfillRun {
 public:
  BackfillRun(pqxx::connection_base& conn, const BackfillOptions& options,
              BackfillCheckpointStore* checkpoints, const BackfillHooks& hooks)
      : conn_(conn),
        options_(options),
        checkpoints_(checkpoints),
        hooks_(hooks),
        sizer_(options.batch),
        retry_(options.retry) {}

  absl::StatusOr<BackfillResult> Run();

 private:
  bool StopRequested() const {
    return hooks_.should_stop && hooks_.should_stop();
  }
  // Resolves the checkpoint: fills result_.resumed_from / already_complete and
  // the starting lower bound. Returns false in *proceed when nothing is to do.
  absl::Status LoadCheckpoint(bool* proceed);
  absl::Status Prepare();
  // Runs one batch in its own transaction, retrying lock timeouts.
  absl::StatusOr<BatchOutcome> RunBatch(std::int64_t size);
  // Throws on error; `out->upper` is set as soon as the range is known, so
  // the error can name it.
  void TryBatch(std::int64_t size, BatchOutcome* out);
  absl::Status SaveCheckpoint(bool done);

  pqxx::connection_base& conn_;
  const BackfillOptions& options_;
  BackfillCheckpointStore* checkpoints_;
  const BackfillHooks& hooks_;
  AdaptiveBatchSizer sizer_;
  RetryPolicy retry_;

  BackfillTarget target_;
  std::string statement_hash_;
  std::optional<std::string> lower_;  // nullopt: the table is empty
  std::int64_t keys_before_ = 0;      // keys done by earlier runs
  std::int64_t rows_before_ = 0;
  std::int64_t batches_before_ = 0;
  BackfillResult result_;
  Clock::time_point started_ = Clock::now();
};

absl::Status BackfillRun::LoadCheckpoint(bool* proceed) {
  *proceed = true;
  if (options_.checkpoint.empty()) return absl::OkStatus();
  if (options_.reset_checkpoint) {
    if (absl::Status s = checkpoints_->Delete(options_.checkpoint); !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::optional<BackfillCheckpoint>> loaded =
      checkpoints_->Load(options_.checkpoint);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) return absl::OkStatus();
  const BackfillCheckpoint& cp = **loaded;
  const std::string key = checkpoints_->KeyFor(options_.checkpoint);
  if (cp.statement_hash != statement_hash_) {
    std::string what;
    if (cp.table != target_.table_sql) {
      what = StrCat("it is for table ", cp.table, ", not ", target_.table_sql);
    } else if (cp.key_column != target_.key_column) {
      what = StrCat("it walks key column \"", cp.key_column, "\", not \"",
                    target_.key_column, "\"");
    } else {
      what = "the --sql statement changed since it was recorded";
    }
    return absl::FailedPreconditionError(StrCat(
        "checkpoint '", options_.checkpoint, "' (Redis key ", key,
        ") belongs to another backfill: ", what,
        ". Resuming would skip rows this command never touched: use another "
        "--checkpoint name, or --reset-checkpoint to start this command from "
        "the beginning"));
  }
  result_.resumed_from = cp.last_key;
  keys_before_ = cp.keys_done;
  rows_before_ = cp.rows_updated;
  batches_before_ = cp.batches;
  if (cp.done) {
    result_.already_complete = true;
    result_.last_key = cp.last_key;
    *proceed = false;
    return absl::OkStatus();
  }
  if (cp.last_key.has_value()) lower_ = cp.last_key;
  return absl::OkStatus();
}

absl::Status BackfillRun::Prepare() {
  // A connection reused by the caller may hold statements from an earlier run.
  for (const char* name : {kBoundStatement, kTailStatement, kBatchStatement}) {
    try {
      conn_.unprepare(name);
    } catch (const std::exception&) {
      // Never prepared on this connection: nothing to drop.
    }
  }
  try {
    conn_.prepare(kBoundStatement, NextBatchBoundSql(target_));
    conn_.prepare_now(kBoundStatement);
    conn_.prepare(kTailStatement, TailBoundSql(target_));
    conn_.prepare_now(kTailStatement);
  } catch (const std::exception& e) {
    return StatusFromException(e, "preparing the batch bound query");
  }
  try {
    // Preparing now makes PostgreSQL parse and plan the statement, so a typo
    // or an unknown column fails before any batch runs.
    conn_.prepare(kBatchStatement, options_.statement);
    conn_.prepare_now(kBatchStatement);
  } catch (const std::exception& e) {
    absl::Status s = StatusFromException(e, "the --sql statement is not valid");
    if (s.code() == absl::StatusCode::kUnavailable) return s;
    return absl::InvalidArgumentError(std::string(s.message()));
  }
  return absl::OkStatus();
}

void BackfillRun::TryBatch(std::int64_t size, BatchOutcome* out) {
  const Clock::time_point t0 = Clock::now();
  pqxx::nontransaction tx(conn_);
  // One round trip opens the batch with its own limits: SET LOCAL ends with
  // the transaction, so nothing leaks into the next batch or a retry.
  tx.exec(StrCat("BEGIN; SET LOCAL lock_timeout = '",
                 options_.lock_timeout.count(),
                 "ms'; SET LOCAL statement_timeout = '",
                 options_.statement_timeout.count(), "ms'"));
  try {
    const pqxx::result bound =
        tx.exec_prepared(kBoundStatement, *lower_, StrCat(size - 1));
    if (!bound.empty()) {
      out->upper = bound[0][0].c_str();
      out->keys = size;
    } else {
      // Fewer than `size` keys are left: the last batch.
      const pqxx::row tail = tx.exec_prepared1(kTailStatement, *lower_);
      if (tail[0].is_null()) {
        tx.exec("COMMIT");
        out->end_of_range = true;
        return;
      }
      out->upper = tail[0].c_str();
      out->keys = tail[1].as<std::int64_t>();
    }
    const pqxx::result r =
        tx.exec_prepared(kBatchStatement, *lower_, out->upper);
    out->rows = r.affected_rows();
    tx.exec("COMMIT");
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (...) {
    // Leave no aborted transaction behind for the retry or the caller.
    try {
      tx.exec("ROLLBACK");
    } catch (const std::exception&) {
    }
    throw;
  }
  out->elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
}

absl::StatusOr<BatchOutcome> BackfillRun::RunBatch(std::int64_t size) {
  retry_.Reset();
  while (true) {
    BatchOutcome out;
    try {
      TryBatch(size, &out);
      return out;
    } catch (const std::exception& e) {
      const std::string state = SqlStateOf(e);
      const std::string range = DescribeRange(*lower_, out.upper);
      if (IsRetryable(state) && retry_.CanRetry()) {
        ++result_.retries;
        const std::chrono::milliseconds delay = retry_.NextDelay();
        if (hooks_.on_retry) hooks_.on_retry(*lower_, retry_.retries(), delay);
        if (InterruptibleSleep(delay, hooks_.should_stop)) {
          return absl::CancelledError("interrupted while backing off");
        }
        continue;
      }
      absl::Status s =
          StatusFromException(e, StrCat("batch over ", range, " failed"));
      std::string message(s.message());
      if (IsRetryable(state)) {
        message += StrCat(" (still failing after ", retry_.retries(),
                          " retries: something holds locks on these rows for "
                          "longer than --lock-timeout-ms; find it in "
                          "pg_stat_activity, or raise the timeout)");
      } else if (state == kSqlStateQueryCanceled) {
        message += StrCat(" (the batch ran longer than --statement-timeout-ms ",
                          options_.statement_timeout.count(),
                          "; use a smaller --batch or --target-batch-ms)");
      }
      message += "; that batch was rolled back";
      if (!options_.checkpoint.empty()) {
        message += StrCat("; checkpoint '", options_.checkpoint,
                          "' resumes after key ", *lower_);
      }
      return absl::Status(s.code(), message);
    }
  }
}

absl::Status BackfillRun::SaveCheckpoint(bool done) {
  if (options_.checkpoint.empty()) return absl::OkStatus();
  BackfillCheckpoint cp;
  cp.last_key = lower_;
  cp.done = done;
  cp.table = target_.table_sql;
  cp.key_column = target_.key_column;
  cp.statement_hash = statement_hash_;
  cp.keys_done = keys_before_ + result_.keys_scanned;
  cp.rows_updated = rows_before_ + result_.rows_updated;
  cp.batches = batches_before_ + result_.batches;
  return checkpoints_->Save(options_.checkpoint, cp);
}

absl::StatusOr<BackfillResult> BackfillRun::Run() {
  if (absl::Status s = ValidateBackfillOptions(options_); !s.ok()) return s;
  if (!options_.checkpoint.empty() && checkpoints_ == nullptr) {
    return absl::InvalidArgumentError(
        "a checkpoint name was given but no checkpoint store (Redis)");
  }
  absl::StatusOr<BackfillTarget> target =
      ResolveBackfillTarget(conn_, options_.table, options_.key_column);
  if (!target.ok()) return target.status();
  target_ = *std::move(target);
  statement_hash_ = BackfillStatementHash(target_.table_sql, target_.key_column,
                                          options_.statement);
  bool proceed = true;
  if (absl::Status s = LoadCheckpoint(&proceed); !s.ok()) return s;
  if (!proceed) return result_;
  if (absl::Status s = Prepare(); !s.ok()) return s;
  if (!lower_.has_value()) {
    if (options_.start_after.has_value()) {
      lower_ = options_.start_after;
    } else {
      absl::StatusOr<std::optional<std::string>> start =
          DeriveStartBound(conn_, target_);
      if (!start.ok()) return start.status();
      lower_ = *start;
    }
  }
  bool done = !lower_.has_value();  // empty table
  while (!done) {
    if (StopRequested()) {
      result_.interrupted = true;
      break;
    }
    absl::StatusOr<BatchOutcome> batch = RunBatch(sizer_.next());
    if (!batch.ok()) {
      if (absl::IsCancelled(batch.status())) {
        result_.interrupted = true;
        break;
      }
      return batch.status();
    }
    if (batch->end_of_range) {
      done = true;
      break;
    }
    lower_ = batch->upper;
    result_.last_key = batch->upper;
    result_.rows_updated += batch->rows;
    result_.keys_scanned += batch->keys;
    ++result_.batches;
    result_.longest_batch = std::max(result_.longest_batch, batch->elapsed);
    sizer_.Observe(batch->keys, batch->elapsed);
    if (absl::Status s = SaveCheckpoint(false); !s.ok()) {
      return absl::Status(
          s.code(), StrCat(s.message(), " (the batch up to key ", batch->upper,
                           " committed; a re-run repeats it)"));
    }
    if (hooks_.on_batch) {
      BackfillProgress p;
      p.keys_done = keys_before_ + result_.keys_scanned;
      p.rows_updated = result_.rows_updated;
      p.batches = result_.batches;
      p.retries = result_.retries;
      p.last_batch_keys = batch->keys;
      p.last_batch_time = batch->elapsed;
      p.next_batch_size = sizer_.next();
      p.last_key = batch->upper;
      p.estimated_rows = target_.estimated_rows;
      p.elapsed = Clock::now() - started_;
      hooks_.on_batch(p);
    }
    if (options_.sleep.count() > 0 &&
        InterruptibleSleep(options_.sleep, hooks_.should_stop)) {
      result_.interrupted = true;
      break;
    }
  }
  if (done) {
    if (absl::Status s = SaveCheckpoint(true); !s.ok()) return s;
  }
  result_.seconds =
      std::chrono::duration<double>(Clock::now() - started_).count();
  return result_;
}

}  // namespace

absl::Status ValidateBackfillOptions(const BackfillOptions& options) {
  if (options.table.empty()) {
    return absl::InvalidArgumentError(
        "--table is required: the table to backfill");
  }
  if (options.key_column.empty()) {
    return absl::InvalidArgumentError(
        "--key is required: the table's unique, indexed key column");
  }
  if (options.statement.empty()) {
    return absl::InvalidArgumentError(
        "--sql is required: the statement to run per batch, using $1 "
        "(exclusive lower key) and $2 (inclusive upper key)");
  }
  const std::set<int> params = Placeholders(options.statement);
  if (params.count(1) == 0 || params.count(2) == 0) {
    return absl::InvalidArgumentError(
        "--sql must use both $1 (exclusive lower key) and $2 (inclusive upper "
        "key), e.g. \"UPDATE t SET b = a WHERE id > $1 AND id <= $2 AND b IS "
        "NULL\"");
  }
  if (*params.rbegin() > 2) {
    return absl::InvalidArgumentError(
        StrCat("--sql uses $", *params.rbegin(),
               " but only $1 (exclusive lower key) and $2 (inclusive upper "
               "key) are supplied"));
  }
  if (options.batch.initial < 1) {
    return absl::InvalidArgumentError("--batch must be at least 1");
  }
  if (options.batch.target.count() < 0) {
    return absl::InvalidArgumentError("--target-batch-ms must not be negative");
  }
  if (options.sleep.count() < 0) {
    return absl::InvalidArgumentError("--sleep-ms must not be negative");
  }
  if (options.lock_timeout.count() < 0) {
    return absl::InvalidArgumentError(
        "--lock-timeout-ms must not be negative (0 disables it)");
  }
  if (options.statement_timeout.count() < 0) {
    return absl::InvalidArgumentError(
        "--statement-timeout-ms must not be negative (0 disables it)");
  }
  if (absl::Status s = ValidateRetryOptions(options.retry, "backfill retry");
      !s.ok()) {
    return s;
  }
  if (options.retry.max_retries < 0) {
    // A batch that keeps losing its locks must end the run, not spin forever.
    return absl::InvalidArgumentError("--max-retries must not be negative");
  }
  if (!options.checkpoint.empty()) {
    if (absl::Status s = ValidateCheckpointName(options.checkpoint); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<BackfillResult> RunBackfill(pqxx::connection_base& conn,
                                           const BackfillOptions& options,
                                           BackfillCheckpointStore* checkpoints,
                                           const BackfillHooks& hooks) {
  return BackfillRun(conn, options, checkpoints, hooks).Run();
}

}  // namespace cutover::pg
