#include "connection/catalog_lookup.h"

#include <pqxx/pqxx>

#include "cutover/sql_identifier.h"

namespace cutover::pg {
namespace {

// One lookup in its own autocommit statement. A malformed name makes
// to_regclass / parse_ident raise; that is a "no" here, so the caller can try
// the name taken literally next.
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

absl::StatusOr<std::optional<CatalogTable>> FindTable(
    pqxx::connection_base& conn, std::string_view name) {
  std::string oid;
  for (const char* sql : {"SELECT to_regclass($1)::oid",
                          "SELECT to_regclass(quote_ident($1))::oid"}) {
    std::optional<pqxx::result> r = TryLookup(conn, sql, std::string(name));
    if (r.has_value() && !r->empty() && !(*r)[0][0].is_null()) {
      oid = (*r)[0][0].c_str();
      break;
    }
  }
  if (oid.empty()) return std::nullopt;
  pqxx::nontransaction tx(conn);
  const pqxx::row rel = tx.exec_params1(
      "SELECT n.nspname, c.relname, c.relkind::text, c.reltuples::float8 "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.oid = $1::oid",
      oid);
  CatalogTable table;
  table.oid = oid;
  table.schema = rel[0].c_str();
  table.name = rel[1].c_str();
  table.relkind = rel[2].c_str();
  table.estimated_rows = rel[3].as<double>();
  absl::StatusOr<std::string> sql =
      QuoteQualifiedName(table.schema, table.name);
  if (!sql.ok()) return sql.status();
  table.sql = *std::move(sql);
  return table;
}

absl::StatusOr<std::optional<CatalogColumn>> FindColumn(
    pqxx::connection_base& conn, const std::string& table_oid,
    std::string_view name) {
  const std::string sql =
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
      "t.typcategory::text, a.attnum, a.attnotnull "
      "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
      "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
      "AND a.attname = ";
  for (const char* name_expr :
       {"(SELECT CASE WHEN cardinality(p) = 1 THEN p[1] END "
        "FROM parse_ident($2) p)",
        "$2"}) {
    std::optional<pqxx::result> r =
        TryLookup(conn, sql + name_expr, table_oid, std::string(name));
    if (!r.has_value() || r->empty()) continue;
    CatalogColumn column;
    column.name = (*r)[0][0].c_str();
    column.type = (*r)[0][1].c_str();
    column.category = (*r)[0][2].c_str()[0];
    column.attnum = (*r)[0][3].as<int>();
    column.not_null = (*r)[0][4].as<bool>();
    absl::StatusOr<std::string> quoted = QuoteIdentifier(column.name);
    if (!quoted.ok()) return quoted.status();
    column.sql = *std::move(quoted);
    return column;
  }
  return std::nullopt;
}

}  // namespace cutover::pg
