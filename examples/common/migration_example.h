// What an example migration provides: its SQL for every phase of expand /
// migrate / contract, and a worker that sends the application's own reads and
// writes through cutover. The shared command line (example_cli.h) turns one of
// these into an executable.
//
// Thread-safety: a MigrationExample is immutable after construction; each
// traffic thread makes its own TrafficWorker.
#ifndef CUTOVER_EXAMPLES_COMMON_MIGRATION_EXAMPLE_H_
#define CUTOVER_EXAMPLES_COMMON_MIGRATION_EXAMPLE_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/stage.h"

namespace cutover::examples {

// Faults the traffic injects, to show what cutover catches.
struct FaultInjection {
  // Fraction of new-side reads that run a buggy query. Not every one of them
  // returns a wrong answer: a user without a pair gets none either way.
  double bug_rate = 0;
  double fail_new_writes =
      0;  // fraction of new-side writes that fail inside PostgreSQL
};

// What one request did, as the application saw it.
struct RequestOutcome {
  bool write = false;
  bool ok = true;  // the caller got an answer (or its write succeeded)
  Stage stage = Stage::kOff;  // the stage cutover chose for this user
  bool bug_injected = false;  // the new-side read ran the buggy query
  bool wrong_answer = false;  // ... and its answer differed from the right one
  bool new_write_failed = false;
};

// The application's data access, routed per user by cutover. Shared by all
// traffic threads.
class TrafficWorker {
 public:
  virtual ~TrafficWorker() = default;
  // Reads the user's data through the migration.
  virtual RequestOutcome Read(std::int64_t user_id, std::mt19937_64& rng) = 0;
  // Changes the user's data through the migration.
  virtual RequestOutcome Write(std::int64_t user_id, std::mt19937_64& rng) = 0;
};

// Where the example runs: from DATABASE_URL, CUTOVER_REDIS_URL, CUTOVER_PREFIX.
class ExampleRuntime;

struct ExampleEnvironment {
  std::string database_url;
  std::string redis_url;
  std::string prefix;
  static ExampleEnvironment FromProcessEnvironment();
};

class MigrationExample {
 public:
  virtual ~MigrationExample() = default;

  virtual std::string flag() const = 0;  // the migration flag's name
  virtual std::string description() const = 0;

  // Creates the old schema (dropping what a previous run left) with `users`
  // users.
  virtual std::vector<std::string> SetupSql(std::int64_t users) const = 0;
  // Adds the new schema; idempotent (IF NOT EXISTS, constraints NOT VALID then
  // VALIDATE).
  virtual std::vector<std::string> ExpandSql() const = 0;
  // The backfill: table, key column and statement over ($1, $2].
  virtual std::string BackfillTable() const = 0;
  virtual std::string BackfillKey() const = 0;
  virtual std::string BackfillSql() const = 0;
  // Verification: two queries whose first column is the key, the rest compared.
  virtual int VerifyKeyColumns() const { return 1; }
  virtual std::string VerifyOldSql() const = 0;
  virtual std::string VerifyNewSql() const = 0;
  // Re-copies one entity from the authoritative old side to the new one; $1 =
  // the key.
  virtual std::string ReconcileSql() const = 0;
  // The sync for writers that cannot dual-write (docs/sync.md): the `cutover
  // sync install` options after the name, with or without the reverse
  // direction.
  virtual std::vector<std::string> SyncArgs(bool reverse) const = 0;
  // A legacy writer's statement (traffic --legacy-writers): plain SQL on the
  // old schema only, as another service would send; $1 = the user id.
  virtual std::string LegacyWriteSql() const = 0;
  // Drops the old schema. Runs only when the flag is `complete`.
  virtual std::vector<std::string> ContractSql() const = 0;
  // After contract: something only the new schema can do, shown by
  // `after-contract`.
  virtual absl::StatusOr<std::string> AfterContract(
      const ExampleEnvironment& env, std::int64_t user_id) const = 0;

  // The application's data-access layer over `runtime` (which must outlive it),
  // with the given faults injected. Thread-safe.
  virtual absl::StatusOr<std::unique_ptr<TrafficWorker>> MakeWorker(
      ExampleRuntime& runtime, const FaultInjection& faults) const = 0;
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_MIGRATION_EXAMPLE_H_
