#include "cutover/pqxx_adapter.h"

#include <cmath>
#include <limits>
#include <pqxx/pqxx>
#include <utility>

#include "absl/status/status.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_text_format.h"

namespace cutover::pg {

using comparator::Column;
using comparator::ParsePgBytea;
using comparator::ParsePgDate;
using comparator::ParsePgTimestamp;
using comparator::ParsePgTimestampTz;
using comparator::RowSet;
using comparator::SplitNumeric;
using comparator::Value;
using comparator::ValueKind;

namespace {

absl::Status Malformed(std::string_view type, std::string_view text) {
  return absl::InvalidArgumentError(
      StrCat("cannot parse ", type, " \"", text, "\""));
}

absl::StatusOr<double> ParseFloat(std::string_view text) {
  // from_chars would accept "inf"/"nan" spellings PostgreSQL never sends;
  // spell out the server's three special values.
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  double d;
  if (!ParseDouble(text, &d)) return Malformed("double precision", text);
  return d;
}

}  // namespace

ValueKind KindForTypeOid(std::uint32_t type_oid) {
  switch (type_oid) {
    case pg_oid::kBool:
      return ValueKind::kBool;
    case pg_oid::kBytea:
      return ValueKind::kBytea;
    case pg_oid::kInt2:
    case pg_oid::kInt4:
    case pg_oid::kInt8:
    case pg_oid::kOid:
      return ValueKind::kInt;
    case pg_oid::kFloat4:
    case pg_oid::kFloat8:
      return ValueKind::kDouble;
    case pg_oid::kNumeric:
      return ValueKind::kNumeric;
    case pg_oid::kJson:
    case pg_oid::kJsonb:
      return ValueKind::kJson;
    case pg_oid::kDate:
      return ValueKind::kDate;
    case pg_oid::kTimestamp:
      return ValueKind::kTimestamp;
    case pg_oid::kTimestampTz:
      return ValueKind::kTimestampTz;
    default:
      return ValueKind::kText;
  }
}

absl::StatusOr<Value> ValueFromText(std::uint32_t type_oid,
                                    std::string_view text) {
  switch (KindForTypeOid(type_oid)) {
    case ValueKind::kBool:
      if (text == "t") return Value::Bool(true);
      if (text == "f") return Value::Bool(false);
      return Malformed("boolean", text);
    case ValueKind::kInt: {
      std::int64_t i;
      if (!ParseInteger(text, &i)) return Malformed("integer", text);
      return Value::Int(i);
    }
    case ValueKind::kDouble: {
      absl::StatusOr<double> d = ParseFloat(text);
      if (!d.ok()) return d.status();
      return Value::Double(*d);
    }
    case ValueKind::kNumeric:
      if (!SplitNumeric(text).valid) return Malformed("numeric", text);
      return Value::Numeric(std::string(text));
    case ValueKind::kBytea: {
      absl::StatusOr<std::string> bytes = ParsePgBytea(text);
      if (!bytes.ok()) return bytes.status();
      return Value::Bytea(*std::move(bytes));
    }
    case ValueKind::kDate: {
      absl::StatusOr<std::int32_t> days = ParsePgDate(text);
      if (!days.ok()) return days.status();
      return Value::Date(*days);
    }
    case ValueKind::kTimestamp: {
      absl::StatusOr<std::int64_t> micros = ParsePgTimestamp(text);
      if (!micros.ok()) return micros.status();
      return Value::Timestamp(*micros);
    }
    case ValueKind::kTimestampTz: {
      absl::StatusOr<std::int64_t> micros = ParsePgTimestampTz(text);
      if (!micros.ok()) return micros.status();
      return Value::TimestampTz(*micros);
    }
    case ValueKind::kJson:
      return Value::Json(std::string(text));
    case ValueKind::kNull:
    case ValueKind::kText:
      break;
  }
  return Value::Text(std::string(text));
}

absl::StatusOr<Value> ValueFromField(const pqxx::field& field) {
  if (field.is_null()) return Value::Null();
  return ValueFromText(field.type(),
                       std::string_view(field.c_str(), field.size()));
}

absl::StatusOr<RowSet> RowSetFromResult(const pqxx::result& result) {
  const auto ncols = static_cast<std::size_t>(result.columns());
  std::vector<Column> columns;
  std::vector<std::uint32_t> oids;
  columns.reserve(ncols);
  for (std::size_t c = 0; c < ncols; ++c) {
    const auto col = static_cast<pqxx::row::size_type>(c);
    columns.push_back(
        Column{result.column_name(col),
               static_cast<std::uint32_t>(result.column_type(col))});
    oids.push_back(columns.back().type_oid);
  }
  RowSet rows(std::move(columns));
  rows.Reserve(static_cast<std::size_t>(result.size()));
  for (pqxx::result::size_type r = 0; r < result.size(); ++r) {
    const pqxx::row row = result[r];
    absl::Span<Value> out = rows.AppendRow();
    for (std::size_t c = 0; c < ncols; ++c) {
      const pqxx::field f = row[static_cast<pqxx::row::size_type>(c)];
      if (f.is_null()) continue;  // AppendRow filled NULLs
      absl::StatusOr<Value> v =
          ValueFromText(oids[c], std::string_view(f.c_str(), f.size()));
      if (!v.ok()) {
        return absl::InvalidArgumentError(
            StrCat("column \"", rows.columns()[c].name, "\" row ", r, ": ",
                   std::string(v.status().message())));
      }
      out[c] = *std::move(v);
    }
  }
  return rows;
}

}  // namespace cutover::pg
