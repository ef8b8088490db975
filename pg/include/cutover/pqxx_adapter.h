// Turns libpqxx results into RowSets without losing anything.
//
// The column's type OID (PGresult's ftype) decides the Value kind; every type
// the table in value.h does not list (varchar, uuid, interval, arrays,
// enums, ...) is kept as the server's exact text, which PostgreSQL guarantees
// reads back as the same value. Dates and timestamps must arrive in the ISO
// DateStyle (PostgreSQL's default); timestamptz arrives in the session's time
// zone and is stored as the UTC instant.
//
//   pqxx::work tx(conn);
//   absl::StatusOr<comparator::RowSet> rows = RowSetFromResult(tx.exec("SELECT
//   ..."));
//
// Thread-safety: pure functions; the pqxx::result must not be mutated
// concurrently (pqxx results are immutable once returned).
#ifndef CUTOVER_PQXX_ADAPTER_H_
#define CUTOVER_PQXX_ADAPTER_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "cutover/row_set.h"
#include "cutover/value.h"

namespace pqxx {
class field;
class result;
}  // namespace pqxx

namespace cutover::pg {

// Built-in type OIDs the adapter maps to a kind other than kText.
namespace pg_oid {
inline constexpr std::uint32_t kBool = 16;
inline constexpr std::uint32_t kBytea = 17;
inline constexpr std::uint32_t kInt8 = 20;
inline constexpr std::uint32_t kInt2 = 21;
inline constexpr std::uint32_t kInt4 = 23;
inline constexpr std::uint32_t kText = 25;
inline constexpr std::uint32_t kOid = 26;
inline constexpr std::uint32_t kJson = 114;
inline constexpr std::uint32_t kFloat4 = 700;
inline constexpr std::uint32_t kFloat8 = 701;
inline constexpr std::uint32_t kDate = 1082;
inline constexpr std::uint32_t kTimestamp = 1114;
inline constexpr std::uint32_t kTimestampTz = 1184;
inline constexpr std::uint32_t kNumeric = 1700;
inline constexpr std::uint32_t kJsonb = 3802;
}  // namespace pg_oid

// The kind a non-null field of type `type_oid` becomes (kText for types not
// listed above).
comparator::ValueKind KindForTypeOid(std::uint32_t type_oid);

// Parses one non-null field's text as the server sent it. InvalidArgument
// naming the type and the text when it is malformed for that type (for
// dates: when DateStyle is not ISO).
absl::StatusOr<comparator::Value> ValueFromText(std::uint32_t type_oid,
                                                std::string_view text);

// One field, NULL included. Errors as ValueFromText.
absl::StatusOr<comparator::Value> ValueFromField(const pqxx::field& field);

// The whole result: column names and type OIDs, then every row. Errors as
// ValueFromText, prefixed with the column name and row number.
absl::StatusOr<comparator::RowSet> RowSetFromResult(const pqxx::result& result);

}  // namespace cutover::pg

#endif  // CUTOVER_PQXX_ADAPTER_H_
