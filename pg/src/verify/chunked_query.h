// A verify query cut into key ranges ("chunks"), hashed inside PostgreSQL.
//
// Chunk boundaries are keys of the old side taken every `chunk_rows` rows in
// key order. Chunk c holds the keys k with bound[c-1] <= k < bound[c] (chunk 0
// has no lower bound, the last chunk no upper bound), computed by
// width_bucket() over the boundary array: ONE sequential scan per side assigns
// every row to its chunk and aggregates, per chunk,
//   count(*), sum(<64-bit row hash>)
// an order-independent digest of the chunk's rows. The same key expression
// (each key column cast to the old side's key type) is used for boundaries,
// bucketing and the drill-down range predicates, so all three agree on which
// row belongs where, collations included.
//
// The row hash must never call two rows equal that the row comparator calls
// different (the reverse only costs a drill-down). On PostgreSQL 14+ rows are
// hashed by value with hash_record_extended(): about twice as fast as
// printing the row as text. A column is hashed by value only when both sides
// have the same type and that type's hash agrees with the comparator's
// equality (integers, numeric, float8, text, varchar, uuid, dates and
// timestamps, bool, bytea, jsonb; text under the "C" collation); any other
// column is hashed by its text form. Before 14, the whole row is hashed as
// text. When the sides' columns map to different value kinds (integer became
// text, say), the verifier gives them different seeds so that every chunk is
// drilled into and the comparator decides.
//
// Thread-safety: a value type; the methods that take a connection use it from
// the calling thread only.
#ifndef CUTOVER_CHUNKED_QUERY_H_
#define CUTOVER_CHUNKED_QUERY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/connection_base>
#include <pqxx/result>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/normalizer_set.h"
#include "verify/verify_query.h"

namespace cutover::pg {

// A key: the text of each key column, in order.
using KeyTexts = std::vector<std::string>;

struct ChunkDigest {
  std::int64_t rows = 0;
  std::string hash_sum;  // exact decimal sum of the rows' 64-bit hashes
  bool operator==(const ChunkDigest& o) const {
    return rows == o.rows && hash_sum == o.hash_sum;
  }
};

// How rows are hashed; the same for both sides except the seed.
struct RowHashing {
  std::int64_t seed = 0;
  // hash_record_extended() exists (server_version_num >= 140000).
  bool by_value = true;
  // The other side's column type OIDs: a column is hashed by value only when
  // both sides agree on its type.
  std::vector<std::uint32_t> peer_type_oids;
};

class ChunkedQuery {
 public:
  // `aliases` / `names`: quoted and plain positional aliases
  // (PositionalAliases, PositionalNames); `key_types`: the
  // old side's type of each of the first K columns; `hashing`: see above;
  // `normalizers`: canonicalizations that can be mirrored in SQL
  // exactly (trim and NULL-equals-empty on text and varchar columns) are
  // applied before hashing so that noise the comparator ignores does not send
  // every chunk to the drill-down. Anything else is left to the comparator:
  // hashing must never treat as equal what the comparator calls different.
  ChunkedQuery(VerifyQuery query, std::vector<std::string> aliases,
               std::vector<std::string> names,
               std::vector<std::string> key_types, RowHashing hashing,
               const comparator::NormalizerSet& normalizers);

  // Every `chunk_rows`-th key in key order: the chunk boundaries. Hops along
  // the key's index when the query reads in key order from one (EXPLAIN
  // says so), else numbers all rows in one ordered pass.
  absl::StatusOr<std::vector<KeyTexts>> ComputeBounds(
      pqxx::connection_base& conn, std::int64_t chunk_rows) const;

  // Per-chunk digests (chunk index -> digest; chunks without rows are
  // absent). FailedPrecondition when a key column holds NULL.
  absl::StatusOr<std::map<std::int64_t, ChunkDigest>> HashChunks(
      pqxx::connection_base& conn, const std::vector<KeyTexts>& bounds) const;

  // The rows of chunk `chunk`, in key order.
  absl::StatusOr<pqxx::result> FetchChunk(pqxx::connection_base& conn,
                                          const std::vector<KeyTexts>& bounds,
                                          std::int64_t chunk) const;

  // The rows whose keys are in `keys`, in key order.
  absl::StatusOr<pqxx::result> FetchKeys(
      pqxx::connection_base& conn, const std::vector<KeyTexts>& keys) const;

  const VerifyQuery& query() const { return query_; }
  int key_count() const { return static_cast<int>(key_types_.size()); }

 private:
  // q."a"::t1, one per key column.
  std::vector<std::string> KeyParts() const;
  // The key as one comparable value: the part itself, or ROW(parts...).
  std::string KeyExpr() const;
  std::string OrderBy() const;
  // "q.a::t1::text AS k0, ...".
  std::string KeyTextColumns() const;
  // "$n::t1" or "ROW($n::t1, ...)", appending the key's texts to `params`.
  std::string BoundParams(const KeyTexts& key,
                          std::vector<std::string>* params) const;
  absl::StatusOr<KeyTexts> KeyFromRow(const pqxx::row& row) const;
  std::vector<KeyTexts> WindowBounds(pqxx::transaction_base& tx,
                                     std::int64_t chunk_rows) const;
  // nullopt when hopping is not safe for this query.
  std::optional<std::vector<KeyTexts>> WalkBounds(
      pqxx::transaction_base& tx, std::int64_t chunk_rows) const;
  bool PlanReadsIndexInOrder(pqxx::transaction_base& tx, const std::string& sql,
                             const std::vector<std::string>& params,
                             bool needs_index_cond) const;
  // The SQL expression of one row's 64-bit hash.
  std::string RowHash(const comparator::NormalizerSet& normalizers) const;
  // Turns K lists of texts into K array-literal parameters.
  std::vector<std::string> ColumnArrays(
      const std::vector<KeyTexts>& keys) const;
  absl::Status Fail(const std::exception& e, const std::string& what) const;

  VerifyQuery query_;
  std::vector<std::string> aliases_;
  std::vector<std::string> names_;
  std::vector<std::string> key_types_;
  RowHashing hashing_;
  std::string from_;
  std::string row_hash_;
};

}  // namespace cutover::pg

#endif  // CUTOVER_CHUNKED_QUERY_H_
