// Finding a table and its columns in the PostgreSQL catalog the way an operator
// names them on the command line: PostgreSQL's own reading of the name first
// (`app.users`, `"MyTable"`), then the name taken literally (`my table`), so
// both typed forms work and hostile names never reach SQL text.
//
// Thread-safety: functions only; each uses `conn` from the calling thread.
#ifndef CUTOVER_PG_CONNECTION_CATALOG_LOOKUP_H_
#define CUTOVER_PG_CONNECTION_CATALOG_LOOKUP_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pqxx {
class connection_base;
}

namespace cutover::pg {

struct CatalogTable {
  std::string oid;      // pg_class.oid, as text (it travels as a parameter)
  std::string schema;   // as stored
  std::string name;     // as stored
  std::string relkind;  // pg_class.relkind: "r" table, "p" partitioned, ...
  std::string sql;      // "schema"."name", quoted
  double estimated_rows = 0;  // pg_class.reltuples (-1: never analyzed)
};

struct CatalogColumn {
  std::string name;   // as stored
  std::string type;   // format_type(), e.g. "character varying(40)"
  std::string sql;    // quoted
  char category = 0;  // pg_type.typcategory ('A' array, 'N' numeric, ...)
  int attnum = 0;
  bool not_null = false;
};

// The relation `name` names, or nullopt when there is none. Errors (only)
// when the connection fails or the stored name cannot be quoted.
absl::StatusOr<std::optional<CatalogTable>> FindTable(
    pqxx::connection_base& conn, std::string_view name);

// The live (not dropped) column `name` of the relation `table_oid`, or
// nullopt when it has none. Errors as FindTable.
absl::StatusOr<std::optional<CatalogColumn>> FindColumn(
    pqxx::connection_base& conn, const std::string& table_oid,
    std::string_view name);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_CONNECTION_CATALOG_LOOKUP_H_
