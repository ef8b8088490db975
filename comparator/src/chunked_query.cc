#include "cutover/chunked_query.h"

#include <pqxx/pqxx>

#include "cutover/normalizer.h"
#include "cutover/pg_array_literal.h"
#include "cutover/pg_connection.h"
#include "cutover/strings.h"

namespace cutover {
namespace {

using comparator::Normalizer;

constexpr std::uint32_t kTextOid = 25;
constexpr std::uint32_t kVarcharOid = 1043;

// The comparator's Trim strips exactly these ASCII blanks (chr(11) is \v,
// which E'' strings cannot spell).
constexpr char kSqlBlanks[] = "E' \\t\\n\\r\\f' || chr(11)";

// Whether `n` leaves text values alone (it only touches other kinds).
bool IgnoresText(const Normalizer& n) {
  switch (n.type()) {
    case Normalizer::Type::kTruncateTimestamp:
    case Normalizer::Type::kNumericTolerance:
    case Normalizer::Type::kIntegerWidening:
      return true;
    default:
      return false;
  }
}

// The SQL mirror of `chain` for one text column, or the bare column when the
// chain holds anything SQL cannot reproduce exactly for text.
std::string NormalizedColumn(const std::string& column,
                             const std::vector<Normalizer>& chain) {
  std::string expr = column;
  for (const Normalizer& n : chain) {
    if (IgnoresText(n)) continue;
    if (n.type() == Normalizer::Type::kTrim) {
      expr = StrCat("btrim(", expr, ", ", kSqlBlanks, ")");
    } else if (n.type() == Normalizer::Type::kNullEqualsEmpty) {
      expr = StrCat("NULLIF(", expr, ", '')");
    } else {
      return column;
    }
  }
  return expr;
}

}  // namespace

ChunkedQuery::ChunkedQuery(VerifyQuery query, std::vector<std::string> aliases,
                           std::vector<std::string> names,
                           std::vector<std::string> key_types,
                           std::int64_t seed,
                           const comparator::NormalizerSet& normalizers)
    : query_(std::move(query)),
      aliases_(std::move(aliases)),
      names_(std::move(names)),
      key_types_(std::move(key_types)),
      seed_(seed) {
  from_ = query_.From(aliases_);
  row_text_ = RowText(normalizers);
}

std::string ChunkedQuery::RowText(
    const comparator::NormalizerSet& normalizers) const {
  bool normalized = false;
  std::string fields;
  for (size_t i = 0; i < aliases_.size(); ++i) {
    const std::string column = StrCat("q.", aliases_[i]);
    std::string expr = column;
    const std::uint32_t oid = query_.columns()[i].type_oid;
    if (static_cast<int>(i) >= key_count() &&
        (oid == kTextOid || oid == kVarcharOid)) {
      expr = NormalizedColumn(column, normalizers.ChainFor(names_[i]));
    }
    normalized = normalized || expr != column;
    if (i > 0) fields += ", ";
    fields += expr;
  }
  // The whole-row reference is cheaper; ROW(...) prints the same text.
  return normalized ? StrCat("ROW(", fields, ")::text") : "q::text";
}

std::vector<std::string> ChunkedQuery::KeyParts() const {
  std::vector<std::string> parts;
  for (int i = 0; i < key_count(); ++i) {
    parts.push_back(StrCat("q.", aliases_[i], "::", key_types_[i]));
  }
  return parts;
}

std::string ChunkedQuery::KeyExpr() const {
  const std::vector<std::string> parts = KeyParts();
  if (parts.size() == 1) return parts[0];
  std::string expr = "ROW(";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) expr += ", ";
    expr += parts[i];
  }
  return expr + ")";
}

std::string ChunkedQuery::OrderBy() const {
  std::string out = " ORDER BY ";
  const std::vector<std::string> parts = KeyParts();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ", ";
    out += parts[i];
  }
  return out;
}

std::vector<std::string> ChunkedQuery::ColumnArrays(
    const std::vector<KeyTexts>& keys) const {
  std::vector<std::string> arrays;
  for (int c = 0; c < key_count(); ++c) {
    std::vector<std::string> column;
    column.reserve(keys.size());
    for (const KeyTexts& key : keys) column.push_back(key[c]);
    arrays.push_back(PgArrayLiteral(column));
  }
  return arrays;
}

absl::Status ChunkedQuery::Fail(const std::exception& e,
                                const std::string& what) const {
  return StatusFromException(
      e, StrCat(what, " of the --", query_.side(), " query"));
}

absl::StatusOr<std::vector<KeyTexts>> ChunkedQuery::ComputeBounds(
    pqxx::connection_base& conn, std::int64_t chunk_rows) const {
  const std::vector<std::string> parts = KeyParts();
  std::string select;
  for (size_t i = 0; i < parts.size(); ++i) {
    select += StrCat(parts[i], "::text AS k", i, ", ");
  }
  std::string outer;
  for (size_t i = 0; i < parts.size(); ++i) {
    outer += StrCat(i > 0 ? ", " : "", "k", i);
  }
  const std::string sql = StrCat(
      "SELECT ", outer, " FROM (SELECT ", select, "row_number() OVER (",
      OrderBy(), ") AS rn FROM ", from_, ") s WHERE rn % $1 = 0 ORDER BY rn");
  try {
    pqxx::nontransaction tx(conn);
    const pqxx::result r = tx.exec_params(sql, chunk_rows);
    std::vector<KeyTexts> bounds;
    bounds.reserve(r.size());
    for (const pqxx::row& row : r) {
      KeyTexts key;
      for (const pqxx::field& f : row) {
        if (f.is_null()) {
          return absl::FailedPreconditionError(
              StrCat("the --", query_.side(),
                     " query has a NULL in a key column; "
                     "the first --key-columns columns must be a key (NOT NULL, "
                     "unique)"));
        }
        key.emplace_back(f.c_str());
      }
      bounds.push_back(std::move(key));
    }
    return bounds;
  } catch (const std::exception& e) {
    return Fail(e, "finding chunk boundaries");
  }
}

absl::StatusOr<std::map<std::int64_t, ChunkDigest>> ChunkedQuery::HashChunks(
    pqxx::connection_base& conn, const std::vector<KeyTexts>& bounds) const {
  std::string thresholds;
  const std::vector<std::string> arrays = ColumnArrays(bounds);
  if (key_count() == 1) {
    thresholds = StrCat("$1::text[]::", key_types_[0], "[]");
  } else {
    std::string row = "ROW(";
    std::string unnest = "unnest(";
    std::string names;
    for (int i = 0; i < key_count(); ++i) {
      const std::string sep = i > 0 ? ", " : "";
      row += StrCat(sep, "u.a", i, "::", key_types_[i]);
      unnest += StrCat(sep, "$", i + 1, "::text[]");
      names += StrCat(sep, "a", i);
    }
    thresholds = StrCat("ARRAY(SELECT ", row, ") FROM ", unnest,
                        ") WITH ORDINALITY AS u(", names, ", o) ORDER BY u.o)");
  }
  std::string null_keys;
  for (int i = 0; i < key_count(); ++i) {
    null_keys += StrCat(i > 0 ? " OR " : "", "q.", aliases_[i], " IS NULL");
  }
  const std::string sql =
      StrCat("SELECT width_bucket(", KeyExpr(), ", ", thresholds,
             ") AS chunk, count(*), sum(hashtextextended(", row_text_, ", ",
             seed_, "))::text, count(*) FILTER (WHERE ", null_keys, ") FROM ",
             from_, " GROUP BY 1");
  try {
    pqxx::nontransaction tx(conn);
    const pqxx::result r =
        tx.exec_params(sql, pqxx::prepare::make_dynamic_params(arrays));
    std::map<std::int64_t, ChunkDigest> digests;
    for (const pqxx::row& row : r) {
      if (row[3].as<std::int64_t>() > 0 || row[0].is_null()) {
        return absl::FailedPreconditionError(StrCat(
            "the --", query_.side(), " query returns ",
            row[3].as<std::int64_t>(),
            " row(s) with a NULL in a key column; the first --key-columns "
            "columns must be a key (NOT NULL, unique)"));
      }
      ChunkDigest d;
      d.rows = row[1].as<std::int64_t>();
      d.hash_sum = row[2].c_str();
      digests.emplace(row[0].as<std::int64_t>(), std::move(d));
    }
    return digests;
  } catch (const std::exception& e) {
    return Fail(e, "hashing chunks");
  }
}

absl::StatusOr<pqxx::result> ChunkedQuery::FetchChunk(
    pqxx::connection_base& conn, const std::vector<KeyTexts>& bounds,
    std::int64_t chunk) const {
  std::vector<std::string> params;
  std::string where;
  auto bound_row = [&](const KeyTexts& key) {
    std::string out = key_count() == 1 ? "" : "ROW(";
    for (int i = 0; i < key_count(); ++i) {
      params.push_back(key[i]);
      out += StrCat(i > 0 ? ", " : "", "$", params.size(), "::", key_types_[i]);
    }
    return key_count() == 1 ? out : out + ")";
  };
  const std::string key = KeyExpr();
  if (chunk > 0) {
    where = StrCat(key, " >= ", bound_row(bounds[chunk - 1]));
  }
  if (chunk < static_cast<std::int64_t>(bounds.size())) {
    where += StrCat(where.empty() ? "" : " AND ", key, " < ",
                    bound_row(bounds[chunk]));
  }
  const std::string sql =
      StrCat("SELECT * FROM ", from_, where.empty() ? "" : " WHERE ", where,
             OrderBy());
  try {
    pqxx::nontransaction tx(conn);
    return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
  } catch (const std::exception& e) {
    return Fail(e, StrCat("fetching chunk ", chunk));
  }
}

absl::StatusOr<pqxx::result> ChunkedQuery::FetchKeys(
    pqxx::connection_base& conn, const std::vector<KeyTexts>& keys) const {
  const std::vector<std::string> parts = KeyParts();
  std::string lhs = "(";
  std::string casts;
  std::string unnest;
  std::string names;
  for (int i = 0; i < key_count(); ++i) {
    const std::string sep = i > 0 ? ", " : "";
    lhs += sep + parts[i];
    casts += StrCat(sep, "u.a", i, "::", key_types_[i]);
    unnest += StrCat(sep, "$", i + 1, "::text[]");
    names += StrCat(sep, "a", i);
  }
  const std::string sql =
      StrCat("SELECT * FROM ", from_, " WHERE ", lhs, ") IN (SELECT ", casts,
             " FROM unnest(", unnest, ") AS u(", names, "))", OrderBy());
  try {
    pqxx::nontransaction tx(conn);
    return tx.exec_params(
        sql, pqxx::prepare::make_dynamic_params(ColumnArrays(keys)));
  } catch (const std::exception& e) {
    return Fail(e, "re-reading differing keys");
  }
}

}  // namespace cutover
