#include "cutover/backfill_target.h"

#include <pqxx/pqxx>

#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/sql_identifier.h"

namespace cutover::pg {
namespace {

// Runs one catalog lookup in its own autocommit statement. A malformed name
// makes to_regclass / parse_ident raise an error; that is a "no" here so the
// caller can try the exact-name interpretation next.
template <typename... Args>
std::optional<pqxx::result> TryLookup(pqxx::connection_base& conn,
                                      const std::string& sql,
                                      const Args&... args) {
  try {
    pqxx::nontransaction tx(conn);
    return tx.exec_params(sql, args...);
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error&) {
    return std::nullopt;
  }
}

}  // namespace

absl::StatusOr<BackfillTarget> ResolveBackfillTarget(
    pqxx::connection_base& conn, std::string_view table, std::string_view key) {
  if (table.empty()) {
    return absl::InvalidArgumentError(
        "--table is empty: name the table to backfill");
  }
  if (key.empty()) {
    return absl::InvalidArgumentError(
        "--key is empty: name the (unique, indexed) key column to walk");
  }
  try {
    // PostgreSQL's reading of the name first, then the name taken literally.
    std::string oid;
    for (const char* sql : {"SELECT to_regclass($1)::oid",
                            "SELECT to_regclass(quote_ident($1))::oid"}) {
      std::optional<pqxx::result> r = TryLookup(conn, sql, std::string(table));
      if (r.has_value() && !r->empty() && !(*r)[0][0].is_null()) {
        oid = (*r)[0][0].c_str();
        break;
      }
    }
    if (oid.empty()) {
      return absl::InvalidArgumentError(StrCat(
          "table '", table,
          "' does not exist (or is not visible on the search_path); write "
          "schema.table, and double-quote names with capitals or dots: "
          "'\"MyTable\"'"));
    }
    const std::string column_sql =
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
        "t.typcategory::text, a.attnum, a.attnotnull "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attname = ";
    pqxx::result column;
    for (const char* name_expr :
         {"(SELECT CASE WHEN cardinality(p) = 1 THEN p[1] END "
          "FROM parse_ident($2) p)",
          "$2"}) {
      std::optional<pqxx::result> r =
          TryLookup(conn, column_sql + name_expr, oid, std::string(key));
      if (r.has_value() && !r->empty()) {
        column = *std::move(r);
        break;
      }
    }
    pqxx::nontransaction tx(conn);
    const pqxx::row rel = tx.exec_params1(
        "SELECT n.nspname, c.relname, c.reltuples::float8, c.relkind::text "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = $1::oid",
        oid);
    const std::string relkind = rel[3].c_str();
    if (relkind != "r" && relkind != "p") {
      return absl::InvalidArgumentError(
          StrCat("'", table, "' is not a table (relkind ", relkind,
                 "); backfill updates a table or a partitioned table"));
    }
    absl::StatusOr<std::string> table_sql =
        QuoteQualifiedName(rel[0].c_str(), rel[1].c_str());
    if (!table_sql.ok()) return table_sql.status();

    if (column.empty()) {
      return absl::InvalidArgumentError(
          StrCat("table ", *table_sql, " has no column '", key,
                 "'; pass --key with the name of its (unique, indexed) key "
                 "column"));
    }
    BackfillTarget target;
    target.table_sql = *table_sql;
    target.key_column = column[0][0].c_str();
    absl::StatusOr<std::string> key_sql = QuoteIdentifier(target.key_column);
    if (!key_sql.ok()) return key_sql.status();
    target.key_sql = *key_sql;
    target.key_type = column[0][1].c_str();
    target.type_category = column[0][2].c_str()[0];
    target.estimated_rows = rel[2].as<double>();
    const std::string attnum = column[0][3].c_str();
    const bool not_null = column[0][4].as<bool>();

    const bool indexed =
        tx.exec_params1(
              "SELECT EXISTS (SELECT 1 FROM pg_index i "
              "JOIN pg_class ic ON ic.oid = i.indexrelid "
              "JOIN pg_am am ON am.oid = ic.relam "
              "WHERE i.indrelid = $1::oid AND i.indkey[0] = $2::int2 "
              "AND i.indpred IS NULL AND am.amname = 'btree')",
              oid, attnum)[0]
            .as<bool>();
    if (!indexed) {
      return absl::FailedPreconditionError(StrCat(
          "no btree index on ", target.table_sql, " starts with column ",
          target.key_sql,
          ": every batch would scan the whole table. Walk the primary key, or "
          "CREATE INDEX CONCURRENTLY on the key column first"));
    }
    if (!not_null) {
      const bool has_nulls =
          tx.exec(StrCat("SELECT EXISTS (SELECT 1 FROM ", target.table_sql,
                         " WHERE ", target.key_sql, " IS NULL)"))[0][0]
              .as<bool>();
      if (has_nulls) {
        return absl::FailedPreconditionError(
            StrCat("key column ", target.key_sql, " of ", target.table_sql,
                   " holds NULLs; those rows can never fall into a key range. "
                   "Use a NOT NULL unique column (the primary key) as --key"));
      }
    }
    return target;
  } catch (const std::exception& e) {
    return StatusFromException(e, StrCat("resolving table '", table, "'"));
  }
}

absl::StatusOr<std::optional<std::string>> DeriveStartBound(
    pqxx::connection_base& conn, const BackfillTarget& target) {
  const std::string hint =
      StrCat("; pass --start-after VALUE with a value below every key of ",
             target.table_sql);
  std::string bound_expr;
  std::string usable_when;  // the smallest key must be above the bound
  switch (target.type_category) {
    case 'N':
      bound_expr = "(k - 1)::text";
      // Large floats absorb the - 1: then there is no usable bound.
      usable_when = "k - 1 < k";
      break;
    case 'D':
      if (target.key_type != "date" &&
          !StartsWith(target.key_type, "timestamp")) {
        return absl::InvalidArgumentError(
            StrCat("cannot derive a first bound for key type ", target.key_type,
                   hint));
      }
      bound_expr = "'-infinity'";
      usable_when = "k > '-infinity'";
      break;
    case 'S':
      bound_expr = "''";
      usable_when = "k > ''";
      break;
    default:
      if (target.key_type != "uuid") {
        return absl::InvalidArgumentError(
            StrCat("cannot derive a first bound for key type ", target.key_type,
                   hint));
      }
      bound_expr = "'00000000-0000-0000-0000-000000000000'";
      usable_when = "k > '00000000-0000-0000-0000-000000000000'";
      break;
  }
  try {
    pqxx::nontransaction tx(conn);
    // The smallest key through the index (min() does not exist for every
    // type, uuid for one); no row means an empty table.
    const pqxx::result r =
        tx.exec(StrCat("SELECT ", usable_when, ", ", bound_expr,
                       " FROM (SELECT ", target.key_sql, " AS k FROM ",
                       target.table_sql, " ORDER BY 1 LIMIT 1) s"));
    if (r.empty()) return std::optional<std::string>();
    const pqxx::row row = r[0];
    if (row[0].is_null() || !row[0].as<bool>() || row[1].is_null()) {
      return absl::InvalidArgumentError(
          StrCat("the smallest key of ", target.table_sql,
                 " leaves no value below it to start from", hint));
    }
    return std::optional<std::string>(row[1].c_str());
  } catch (const std::exception& e) {
    const std::string state = SqlStateOf(e);
    if (state ==
        "22003") {  // numeric_value_out_of_range: min is the type's min
      return absl::InvalidArgumentError(
          StrCat("the smallest key of ", target.table_sql,
                 " is the smallest value of its type", hint));
    }
    return StatusFromException(
        e, StrCat("finding the smallest key of ", target.table_sql));
  }
}

std::string NextBatchBoundSql(const BackfillTarget& target) {
  // OFFSET counts from the keyset position, so it skips at most one batch of
  // index entries; no window or sort, and no max(), which uuid lacks. The key
  // is cast to text outside the ordered subquery: `ORDER BY key` next to
  // `key::text AS key` would sort the text.
  return StrCat("SELECT k::text FROM (SELECT ", target.key_sql, " AS k FROM ",
                target.table_sql, " WHERE ", target.key_sql, " > $1 ORDER BY ",
                target.key_sql, " OFFSET $2 LIMIT 1) s");
}

std::string TailBoundSql(const BackfillTarget& target) {
  return StrCat("SELECT (SELECT k::text FROM (SELECT ", target.key_sql,
                " AS k FROM ", target.table_sql, " WHERE ", target.key_sql,
                " > $1 ORDER BY ", target.key_sql,
                " DESC LIMIT 1) s), (SELECT count(*) FROM ", target.table_sql,
                " WHERE ", target.key_sql, " > $1)");
}

}  // namespace cutover::pg
