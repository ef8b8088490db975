// Where a backfill records its progress so that a re-run resumes instead of
// starting over: one Redis hash per checkpoint name.
//
//   key   <prefix>backfill:<name>          (prefix default "cutover:")
//   field last_key        the last key of the last committed batch (text form;
//                         absent until the first batch commits)
//   field done            "1" once the whole key range was walked, else "0"
//   field table           the resolved, quoted table ("public"."users")
//   field key_column      the key column's name, as stored in the catalog
//   field statement_hash  hex FNV-1a 64 of table, key column and statement: a
//                         re-run with another command under the same name is
//                         refused instead of skipping rows it never touched
//   field updated_at      unix time in milliseconds of the last save
//   field keys_done       keys covered by committed batches, over all runs
//   field rows_updated    rows changed so far, over all runs
//   field batches         batches committed so far, over all runs
//
// The hash is written after every committed batch (HSET of all fields), so at
// most one batch is repeated after a crash; backfill statements must therefore
// be idempotent (docs/backfill-and-verify.md). The key has no TTL: delete it
// (`redis-cli DEL <prefix>backfill:<name>`) or pass --reset-checkpoint to run
// the same command again from the start.
//
// Thread-safety: a BackfillCheckpointStore is used by one thread at a time.
#ifndef CUTOVER_BACKFILL_CHECKPOINT_H_
#define CUTOVER_BACKFILL_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_keys.h"
#include "cutover/redis_url.h"

namespace cutover::pg {

struct BackfillCheckpoint {
  std::optional<std::string> last_key;
  bool done = false;
  std::string table;
  std::string key_column;
  std::string statement_hash;
  std::int64_t updated_at_ms = 0;
  std::int64_t keys_done = 0;
  std::int64_t rows_updated = 0;
  std::int64_t batches = 0;
};

// Hex FNV-1a 64 over the three parts (separated so that ("ab","c") and
// ("a","bc") differ). Stable across versions: stored checkpoints depend on it.
std::string BackfillStatementHash(std::string_view table,
                                  std::string_view key_column,
                                  std::string_view statement);

// Checks a checkpoint name: 1-200 characters from [A-Za-z0-9_.:-]. Returns
// InvalidArgument naming the offending character otherwise.
absl::Status ValidateCheckpointName(std::string_view name);

class BackfillCheckpointStore {
 public:
  // Connects to Redis. Unavailable (exit code 1 in the CLI) when it cannot be
  // reached; messages carry the redacted URL only.
  static absl::StatusOr<std::unique_ptr<BackfillCheckpointStore>> Connect(
      const RedisEndpoint& endpoint, std::string prefix);

  // "<prefix>backfill:<name>".
  std::string KeyFor(std::string_view name) const;

  // The stored checkpoint, or nullopt if there is none. Returns
  // FailedPrecondition when the key exists but is not a checkpoint hash (wrong
  // type, missing fields), naming the key.
  absl::StatusOr<std::optional<BackfillCheckpoint>> Load(std::string_view name);
  // Overwrites every field; sets updated_at to now. Reconnects once if the
  // connection broke since the last call.
  absl::Status Save(std::string_view name,
                    const BackfillCheckpoint& checkpoint);
  // Removes the checkpoint; ok if there was none.
  absl::Status Delete(std::string_view name);

 private:
  struct Passkey {};

 public:
  BackfillCheckpointStore(Passkey, RedisEndpoint endpoint, std::string prefix,
                          std::unique_ptr<RedisConnection> connection);

 private:
  absl::Status EnsureConnected();

  RedisEndpoint endpoint_;
  RedisKeys keys_;
  std::unique_ptr<RedisConnection> connection_;
};

}  // namespace cutover::pg

#endif  // CUTOVER_BACKFILL_CHECKPOINT_H_
