#include "verify/chunked_query.h"

#include <optional>
#include <pqxx/pqxx>

#include "connection/pg_array_literal.h"
#include "cutover/internal/strings.h"
#include "cutover/normalizer.h"
#include "cutover/pg_connection.h"
#include "nlohmann/json.hpp"

namespace cutover::pg {
namespace {

using comparator::Normalizer;

// read_only_sql_transaction: a write attempted in a READ ONLY transaction.
constexpr std::string_view kSqlStateReadOnlyTransaction = "25006";

constexpr std::uint32_t kTextOid = 25;
constexpr std::uint32_t kVarcharOid = 1043;

// The comparator's Trim strips exactly these ASCII blanks (chr(11) is \v,
// which E'' strings cannot spell).
constexpr char kSqlBlanks[] = "E' \\t\\n\\r\\f' || chr(11)";

// Types whose default hash opclass hashes by exactly the equality the row
// comparator applies to the values it parses from them (value.h). float4 is
// absent: its hash widens to float8, while its text prints the short form.
// bpchar is absent: its hash ignores the padding its text keeps.
bool HashAgreesWithComparator(std::uint32_t oid) {
  switch (oid) {
    case 16:    // bool
    case 17:    // bytea
    case 20:    // int8
    case 21:    // int2
    case 23:    // int4
    case 25:    // text
    case 26:    // oid
    case 701:   // float8
    case 1043:  // varchar
    case 1082:  // date
    case 1114:  // timestamp
    case 1184:  // timestamptz
    case 1700:  // numeric
    case 2950:  // uuid
    case 3802:  // jsonb
      return true;
    default:
      return false;
  }
}

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
                           RowHashing hashing,
                           const comparator::NormalizerSet& normalizers)
    : query_(std::move(query)),
      aliases_(std::move(aliases)),
      names_(std::move(names)),
      key_types_(std::move(key_types)),
      hashing_(std::move(hashing)) {
  from_ = query_.From(aliases_);
  row_hash_ = RowHash(normalizers);
}

std::string ChunkedQuery::RowHash(
    const comparator::NormalizerSet& normalizers) const {
  bool whole_row = true;  // nothing to adjust: hash `q` itself
  std::string fields;
  for (size_t i = 0; i < aliases_.size(); ++i) {
    const std::string column = StrCat("q.", aliases_[i]);
    std::string expr = column;
    const std::uint32_t oid = query_.columns()[i].type_oid;
    const bool text_like = oid == kTextOid || oid == kVarcharOid;
    if (static_cast<int>(i) >= key_count() && text_like) {
      expr = NormalizedColumn(column, normalizers.ChainFor(names_[i]));
    }
    if (hashing_.by_value) {
      const bool same_type = i < hashing_.peer_type_oids.size() &&
                             hashing_.peer_type_oids[i] == oid;
      if (!same_type || !HashAgreesWithComparator(oid)) {
        expr = StrCat("(", expr, ")::text COLLATE \"C\"");
      } else if (text_like) {
        // A nondeterministic column collation would hash 'A' like 'a'.
        expr = StrCat("(", expr, ") COLLATE \"C\"");
      }
    }
    whole_row = whole_row && expr == column;
    if (i > 0) fields += ", ";
    fields += expr;
  }
  if (hashing_.by_value) {
    return StrCat("hash_record_extended(",
                  whole_row ? "q" : StrCat("ROW(", fields, ")"), ", ",
                  hashing_.seed, ")");
  }
  // ROW(...)::text prints exactly what q::text prints; q is cheaper.
  return StrCat("hashtextextended(",
                whole_row ? "q::text" : StrCat("ROW(", fields, ")::text"), ", ",
                hashing_.seed, ")");
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
  const absl::Status status = StatusFromException(
      e, StrCat(what, " of the --", query_.side(), " query"));
  // The operator's query tried to write (through a function, say) and the
  // snapshot's READ ONLY stopped it: bad input, not an outage.
  if (SqlStateOf(e) == kSqlStateReadOnlyTransaction) {
    return absl::InvalidArgumentError(
        StrCat(status.message(), " (verify runs both queries read-only: --",
               query_.side(), " must only read)"));
  }
  return status;
}

absl::StatusOr<std::vector<KeyTexts>> ChunkedQuery::ComputeBounds(
    pqxx::connection_base& conn, std::int64_t chunk_rows) const {
  try {
    pqxx::nontransaction tx(conn);
    std::optional<std::vector<KeyTexts>> walked = WalkBounds(tx, chunk_rows);
    if (walked.has_value()) return *std::move(walked);
    return WindowBounds(tx, chunk_rows);
  } catch (const std::exception& e) {
    return Fail(e, "finding chunk boundaries");
  }
}

std::string ChunkedQuery::KeyTextColumns() const {
  const std::vector<std::string> parts = KeyParts();
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    out += StrCat(i > 0 ? ", " : "", parts[i], "::text AS k", i);
  }
  return out;
}

std::string ChunkedQuery::BoundParams(const KeyTexts& key,
                                      std::vector<std::string>* params) const {
  std::string out = key_count() == 1 ? "" : "ROW(";
  for (int i = 0; i < key_count(); ++i) {
    params->push_back(key[i]);
    out += StrCat(i > 0 ? ", " : "", "$", params->size(), "::", key_types_[i]);
  }
  return key_count() == 1 ? out : out + ")";
}

absl::StatusOr<KeyTexts> ChunkedQuery::KeyFromRow(const pqxx::row& row) const {
  KeyTexts key;
  for (const pqxx::field& f : row) {
    if (f.is_null()) {
      return absl::FailedPreconditionError(StrCat(
          "the --", query_.side(),
          " query has a NULL in a key column; the first --key-columns columns "
          "must be a key (NOT NULL, unique)"));
    }
    key.emplace_back(f.c_str());
  }
  return key;
}

std::vector<KeyTexts> ChunkedQuery::WindowBounds(
    pqxx::transaction_base& tx, std::int64_t chunk_rows) const {
  std::string outer;
  for (int i = 0; i < key_count(); ++i) {
    outer += StrCat(i > 0 ? ", " : "", "k", i);
  }
  // One ordered pass, whatever the query: numbers every row in key order.
  const pqxx::result r = tx.exec_params(
      StrCat("SELECT ", outer, " FROM (SELECT ", KeyTextColumns(),
             ", row_number() OVER (", OrderBy(), ") AS rn FROM ", from_,
             ") s WHERE rn % $1 = 0 ORDER BY rn"),
      chunk_rows);
  std::vector<KeyTexts> bounds;
  bounds.reserve(r.size());
  for (const pqxx::row& row : r) {
    absl::StatusOr<KeyTexts> key = KeyFromRow(row);
    // A NULL key is reported by HashChunks with the row count.
    if (key.ok()) bounds.push_back(*std::move(key));
  }
  return bounds;
}

std::optional<std::vector<KeyTexts>> ChunkedQuery::WalkBounds(
    pqxx::transaction_base& tx, std::int64_t chunk_rows) const {
  // Hopping from bound to bound along an index reads each index entry once
  // and nothing else: about three times cheaper than numbering every row. It
  // is only safe when the query is read in key order from an index that the
  // "key > bound" predicate can start from; otherwise every hop would rescan
  // (and sort) the query from the beginning.
  auto hop_sql = [&](const KeyTexts* after, std::vector<std::string>* params) {
    std::string where;
    if (after != nullptr) {
      where = StrCat(" WHERE ", KeyExpr(), " > ", BoundParams(*after, params));
    }
    params->push_back(StrCat(chunk_rows - 1));
    std::string outer;
    for (int i = 0; i < key_count(); ++i) {
      outer += StrCat(i > 0 ? ", " : "", "k", i);
    }
    return StrCat("SELECT ", outer, " FROM (SELECT ", KeyTextColumns(),
                  " FROM ", from_, where, OrderBy(), " OFFSET $",
                  params->size(), " LIMIT 1) s");
  };
  std::vector<std::string> params;
  std::string sql = hop_sql(nullptr, &params);
  if (!PlanReadsIndexInOrder(tx, sql, params, /*needs_index_cond=*/false)) {
    return std::nullopt;
  }
  std::vector<KeyTexts> bounds;
  while (true) {
    const pqxx::result r =
        tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
    if (r.empty()) return bounds;
    absl::StatusOr<KeyTexts> key = KeyFromRow(r[0]);
    if (!key.ok()) return std::nullopt;  // NULL keys: the window reports them
    bounds.push_back(*std::move(key));
    params.clear();
    sql = hop_sql(&bounds.back(), &params);
    if (bounds.size() == 1 &&
        !PlanReadsIndexInOrder(tx, sql, params, /*needs_index_cond=*/true)) {
      return std::nullopt;
    }
  }
}

namespace {

// Whether the plan tree holds a Sort, and an index scan with an Index Cond.
void InspectPlan(const nlohmann::json& node, bool* sorts, bool* index_cond) {
  if (!node.is_object()) return;
  const std::string type = node.value("Node Type", "");
  if (type == "Sort" || type == "Incremental Sort") *sorts = true;
  if ((type == "Index Scan" || type == "Index Only Scan") &&
      node.contains("Index Cond")) {
    *index_cond = true;
  }
  if (auto it = node.find("Plans"); it != node.end() && it->is_array()) {
    for (const nlohmann::json& child : *it)
      InspectPlan(child, sorts, index_cond);
  }
}

}  // namespace

bool ChunkedQuery::PlanReadsIndexInOrder(pqxx::transaction_base& tx,
                                         const std::string& sql,
                                         const std::vector<std::string>& params,
                                         bool needs_index_cond) const {
  const pqxx::result r =
      tx.exec_params(StrCat("EXPLAIN (FORMAT JSON) ", sql),
                     pqxx::prepare::make_dynamic_params(params));
  const nlohmann::json plan = nlohmann::json::parse(r[0][0].c_str(), nullptr,
                                                    /*allow_exceptions=*/false);
  if (!plan.is_array() || plan.empty()) return false;
  bool sorts = false;
  bool index_cond = false;
  InspectPlan(plan[0].value("Plan", nlohmann::json()), &sorts, &index_cond);
  return !sorts && (index_cond || !needs_index_cond);
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
  const std::string sql = StrCat("SELECT width_bucket(", KeyExpr(), ", ",
                                 thresholds, ") AS chunk, count(*), sum(",
                                 row_hash_, ")::text, count(*) FILTER (WHERE ",
                                 null_keys, ") FROM ", from_, " GROUP BY 1");
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
  const std::string key = KeyExpr();
  if (chunk > 0) {
    where = StrCat(key, " >= ", BoundParams(bounds[chunk - 1], &params));
  }
  if (chunk < static_cast<std::int64_t>(bounds.size())) {
    where += StrCat(where.empty() ? "" : " AND ", key, " < ",
                    BoundParams(bounds[chunk], &params));
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

}  // namespace cutover::pg
