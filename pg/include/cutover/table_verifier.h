// Table verification: proves that an "old view" and a "new view" of the data
// (two SELECTs) hold the same rows, without reading a big table into memory
// and without false alarms from writes in flight.
//
//   1. Both queries run inside ONE shared snapshot on two connections
//      (shared_snapshot.h), in parallel, one per CPU core of the server.
//   2. The old side's keys are cut into chunks of about `chunk_rows` rows;
//      each side is hashed per chunk inside PostgreSQL in a single sequential
//      scan (chunked_query.h): count plus an order-independent sum of row
//      hashes. Only the digests travel to the client.
//   3. Chunks whose digests differ are fetched from both sides and compared
//      row by row, by key, with the comparator (row_comparator.h) and the
//      configured normalizers.
//   4. Differing keys are re-read up to `recheck_passes` times, after
//      `recheck_delay`, each pass in a fresh shared snapshot. A key that became
//      equal was a write in flight (dual writes land on the two sides in
//      separate transactions), not a divergence.
//
// Each query yields rows whose first `key_columns` columns are a key, unique
// and NOT NULL within that query; the remaining columns are compared by
// position (the diff names them by the new query's column names).
//
// Thread-safety: VerifyTables uses each connection from one thread at a time;
// the two connections must be distinct and point at the same database.
#ifndef CUTOVER_TABLE_VERIFIER_H_
#define CUTOVER_TABLE_VERIFIER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/normalizer_set.h"
#include "nlohmann/json.hpp"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

struct VerifyOptions {
  std::string old_query;
  std::string new_query;
  int key_columns = 1;
  // Rows per chunk (boundaries come from the old side). Smaller chunks make
  // drill-downs cheaper; larger ones make the hash pass cheaper.
  std::int64_t chunk_rows = 10000;
  int recheck_passes = 3;
  std::chrono::milliseconds recheck_delay{500};
  // How many differences are listed; difference_count is always exact.
  std::size_t max_diffs = 20;
  comparator::NormalizerSet normalizers;
};

struct VerifyDifference {
  enum class Kind { kChanged, kMissingInNew, kExtraInNew };
  Kind kind = Kind::kChanged;
  // The key value (ValueToJson), an array of values for composite keys.
  nlohmann::ordered_json key;
  // [{"column": name, "old": value, "new": value}, ...]: for "changed" the
  // differing columns; for "missing_in_new" every column with only "old"; for
  // "extra_in_new" every column with only "new".
  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
};

// "changed", "missing_in_new", "extra_in_new".
const char* VerifyDifferenceKindName(VerifyDifference::Kind kind);

struct VerifyResult {
  bool equal = true;
  std::int64_t rows_old = 0;
  std::int64_t rows_new = 0;
  std::int64_t chunks = 0;            // chunks the key range was cut into
  std::int64_t chunks_differing = 0;  // chunks drilled into
  // Differences left after the re-checks: exact.
  std::int64_t difference_count = 0;
  // Keys that differed at first and were equal on a re-check.
  std::int64_t resolved_on_recheck = 0;
  int recheck_passes_run = 0;
  // The first max_diffs differences, in key order.
  std::vector<VerifyDifference> differences;
  std::vector<std::string> columns;  // compared columns, by position
  double seconds = 0;
};

struct VerifyHooks {
  // Called before re-check pass `pass` (1-based) reads anything, after the
  // delay. Tests use it to finish a write that was in flight.
  std::function<void(int pass)> before_recheck;
};

// Runs a verification, read-only: each query must be one statement, and every
// statement runs inside the snapshot's READ ONLY transaction through the
// extended protocol. Errors: InvalidArgument for an empty or rejected query,
// one holding more than one statement (refused before it runs), one that
// tries to write, key_columns outside [1, column count], sides with different
// column counts, chunk_rows < 1, negative recheck settings, unusable
// normalizers;
// FailedPrecondition when a key column holds NULL; Unavailable when a
// connection is lost; DeadlineExceeded on a statement timeout.
absl::StatusOr<VerifyResult> VerifyTables(pqxx::connection_base& old_conn,
                                          pqxx::connection_base& new_conn,
                                          const VerifyOptions& options,
                                          const VerifyHooks& hooks = {});

}  // namespace cutover::pg

#endif  // CUTOVER_TABLE_VERIFIER_H_
