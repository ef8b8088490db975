// A verify query cut into key ranges ("chunks"), hashed inside PostgreSQL.
//
// Chunk boundaries are keys of the old side taken every `chunk_rows` rows in
// key order. Chunk c holds the keys k with bound[c-1] <= k < bound[c] (chunk 0
// has no lower bound, the last chunk no upper bound), computed by
// width_bucket() over the boundary array: ONE sequential scan per side assigns
// every row to its chunk and aggregates, per chunk,
//   count(*), sum(hashtextextended(<row as text>, seed))
// an order-independent digest of the chunk's rows. The same key expression
// (each key column cast to the old side's key type) is used for boundaries,
// bucketing and the drill-down range predicates, so all three agree on which
// row belongs where, collations included.
//
// Rows are hashed by their PostgreSQL text form. Two rows with equal text are
// equal to the row comparator as long as both sides' columns map to the same
// value kinds; when they do not (a column changed from integer to text, say),
// the verifier gives the sides different seeds so that every chunk is
// drilled into and the comparator decides.
//
// Thread-safety: a value type; the methods that take a connection use it from
// the calling thread only.
#ifndef CUTOVER_CHUNKED_QUERY_H_
#define CUTOVER_CHUNKED_QUERY_H_

#include <cstdint>
#include <map>
#include <pqxx/connection_base>
#include <pqxx/result>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/normalizer_set.h"
#include "cutover/verify_query.h"

namespace cutover {

// A key: the text of each key column, in order.
using KeyTexts = std::vector<std::string>;

struct ChunkDigest {
  std::int64_t rows = 0;
  std::string hash_sum;  // exact decimal sum of the rows' 64-bit hashes
  bool operator==(const ChunkDigest& o) const {
    return rows == o.rows && hash_sum == o.hash_sum;
  }
};

class ChunkedQuery {
 public:
  // `aliases` / `names`: quoted and plain positional aliases
  // (PositionalAliases, PositionalNames); `key_types`: the
  // old side's type of each of the first K columns; `seed`: the row hash seed
  // (see above); `normalizers`: canonicalizations that can be mirrored in SQL
  // exactly (trim and NULL-equals-empty on text and varchar columns) are
  // applied before hashing so that noise the comparator ignores does not send
  // every chunk to the drill-down. Anything else is left to the comparator:
  // hashing must never treat as equal what the comparator calls different.
  ChunkedQuery(VerifyQuery query, std::vector<std::string> aliases,
               std::vector<std::string> names,
               std::vector<std::string> key_types, std::int64_t seed,
               const comparator::NormalizerSet& normalizers);

  // Every `chunk_rows`-th key in key order: the chunk boundaries.
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
  std::string RowText(const comparator::NormalizerSet& normalizers) const;
  // Turns K lists of texts into K array-literal parameters.
  std::vector<std::string> ColumnArrays(
      const std::vector<KeyTexts>& keys) const;
  absl::Status Fail(const std::exception& e, const std::string& what) const;

  VerifyQuery query_;
  std::vector<std::string> aliases_;
  std::vector<std::string> names_;
  std::vector<std::string> key_types_;
  std::int64_t seed_;
  std::string from_;
  std::string row_text_;
};

}  // namespace cutover

#endif  // CUTOVER_CHUNKED_QUERY_H_
