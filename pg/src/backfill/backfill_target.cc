#include "cutover/backfill_target.h"

#include <pqxx/pqxx>

#include "connection/catalog_lookup.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/sql_identifier.h"

namespace cutover::pg {

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
    absl::StatusOr<std::optional<CatalogTable>> found = FindTable(conn, table);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      return absl::InvalidArgumentError(StrCat(
          "table '", table,
          "' does not exist (or is not visible on the search_path); write "
          "schema.table, and double-quote names with capitals or dots: "
          "'\"MyTable\"'"));
    }
    const CatalogTable& rel = **found;
    if (rel.relkind != "r" && rel.relkind != "p") {
      return absl::InvalidArgumentError(
          StrCat("'", table, "' is not a table (relkind ", rel.relkind,
                 "); backfill updates a table or a partitioned table"));
    }
    absl::StatusOr<std::optional<CatalogColumn>> column =
        FindColumn(conn, rel.oid, key);
    if (!column.ok()) return column.status();
    if (!column->has_value()) {
      return absl::InvalidArgumentError(
          StrCat("table ", rel.sql, " has no column '", key,
                 "'; pass --key with the name of its (unique, indexed) key "
                 "column"));
    }
    BackfillTarget target;
    target.table_sql = rel.sql;
    target.key_column = (*column)->name;
    target.key_sql = (*column)->sql;
    target.key_type = (*column)->type;
    target.type_category = (*column)->category;
    target.estimated_rows = rel.estimated_rows;
    const std::string& oid = rel.oid;
    const int attnum = (*column)->attnum;
    const bool not_null = (*column)->not_null;

    pqxx::nontransaction tx(conn);
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
