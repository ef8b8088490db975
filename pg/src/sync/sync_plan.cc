#include "sync/sync_plan.h"

#include <algorithm>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connection/catalog_lookup.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/sql_identifier.h"
#include "nlohmann/json.hpp"
#include "sync/sync_names.h"

namespace cutover::pg {
namespace {

// Resolved column plus its pg_type.typcategory ('A' for arrays).
struct ColumnInfo {
  SyncColumn column;
  char category = 0;
};

absl::StatusOr<SyncTable> ResolveTable(pqxx::connection_base& conn,
                                       std::string_view table,
                                       std::string_view what) {
  absl::StatusOr<std::optional<CatalogTable>> found = FindTable(conn, table);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::InvalidArgumentError(
        StrCat(what, " '", table,
               "' does not exist (or is not visible on the search_path); write "
               "schema.table, and double-quote names with capitals, dots or "
               "spaces: '\"My Table\"'"));
  }
  const CatalogTable& rel = **found;
  if (rel.relkind != "r" && rel.relkind != "p") {
    return absl::InvalidArgumentError(
        StrCat(what, " '", table, "' is not a table (relkind ", rel.relkind,
               "); triggers are installed on tables"));
  }
  SyncTable out;
  out.oid = rel.oid;
  out.schema = rel.schema;
  out.name = rel.name;
  out.sql = rel.sql;
  return out;
}

absl::StatusOr<ColumnInfo> ResolveColumn(pqxx::connection_base& conn,
                                         const SyncTable& table,
                                         std::string_view name,
                                         std::string_view what) {
  absl::StatusOr<std::optional<CatalogColumn>> found =
      FindColumn(conn, table.oid, name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::InvalidArgumentError(
        StrCat(what, ": table ", table.sql, " has no column '", name,
               "'; double-quote names with capitals, commas or spaces"));
  }
  ColumnInfo info;
  info.column.name = (*found)->name;
  info.column.type = (*found)->type;
  info.column.sql = (*found)->sql;
  info.category = (*found)->category;
  return info;
}

absl::StatusOr<std::vector<SyncColumn>> ResolveColumns(
    pqxx::connection_base& conn, const SyncTable& table,
    const std::vector<std::string>& names, std::string_view what) {
  std::vector<SyncColumn> out;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    absl::StatusOr<ColumnInfo> c = ResolveColumn(conn, table, name, what);
    if (!c.ok()) return c.status();
    if (!seen.insert(c->column.name).second) {
      return absl::InvalidArgumentError(
          StrCat(what, " names column ", c->column.sql, " twice"));
    }
    out.push_back(c->column);
  }
  return out;
}

// What PostgreSQL made of a probe query: the columns of `table` it reads and
// how many columns it yields.
struct Probe {
  std::vector<std::string> columns_read;  // catalog names, attnum order
  int output_columns = 0;
};

// Creates `query` as a temporary view in a transaction that is rolled back,
// so PostgreSQL parses and type-checks it and records which columns it
// depends on (pg_depend), which is how the trigger learns its UPDATE OF list
// without cutover parsing SQL. Sent with the extended protocol, which refuses
// more than one statement: a `;` smuggled into an expression fails here.
absl::StatusOr<Probe> ProbeQuery(pqxx::connection_base& conn,
                                 const std::string& query,
                                 const SyncTable& table,
                                 std::string_view what) {
  try {
    pqxx::work tx(conn, "cutover_sync_probe");
    try {
      tx.exec_params("CREATE TEMP VIEW cutover_sync_probe AS " + query);
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      std::string message = e.what();
      while (!message.empty() && message.back() == '\n') message.pop_back();
      return absl::InvalidArgumentError(
          StrCat(what, " is rejected by PostgreSQL: ", message));
    }
    Probe probe;
    const pqxx::result deps = tx.exec_params(
        "SELECT DISTINCT a.attname, a.attnum FROM pg_depend d "
        "JOIN pg_rewrite r ON r.oid = d.objid "
        " AND d.classid = 'pg_rewrite'::regclass "
        "JOIN pg_attribute a ON a.attrelid = d.refobjid "
        " AND a.attnum = d.refobjsubid "
        "WHERE r.ev_class = 'pg_temp.cutover_sync_probe'::regclass "
        "AND d.refobjid = $1::oid AND d.refobjsubid > 0 ORDER BY a.attnum",
        table.oid);
    for (const pqxx::row& row : deps) {
      probe.columns_read.emplace_back(row[0].c_str());
    }
    probe.output_columns =
        tx.exec1(
              "SELECT count(*) FROM pg_attribute WHERE attrelid = "
              "'pg_temp.cutover_sync_probe'::regclass AND attnum > 0")[0]
            .as<int>();
    tx.abort();
    return probe;
  } catch (const std::exception& e) {
    return StatusFromException(e, what);
  }
}

// Adds the catalog columns named in `names` to `watch` (no duplicates).
absl::Status AddWatched(pqxx::connection_base& conn, const SyncTable& table,
                        const std::vector<std::string>& names,
                        std::vector<SyncColumn>& watch) {
  for (const std::string& name : names) {
    const bool known =
        std::any_of(watch.begin(), watch.end(),
                    [&](const SyncColumn& c) { return c.name == name; });
    if (known) continue;
    // The catalog name, taken literally.
    absl::StatusOr<std::string> quoted = QuoteIdentifier(name);
    if (!quoted.ok()) return quoted.status();
    absl::StatusOr<ColumnInfo> c =
        ResolveColumn(conn, table, *quoted, "watched column");
    if (!c.ok()) return c.status();
    watch.push_back(c->column);
  }
  return absl::OkStatus();
}

std::string TrimQuery(std::string query) {
  auto blank = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ';';
  };
  while (!query.empty() && blank(query.back())) query.pop_back();
  std::size_t begin = 0;
  while (begin < query.size() && blank(query[begin])) ++begin;
  return query.substr(begin);
}

nlohmann::ordered_json Names(const std::vector<SyncColumn>& columns) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const SyncColumn& c : columns) out.push_back(c.name);
  return out;
}

nlohmann::ordered_json Assignments(const std::vector<SyncColumn>& columns,
                                   const std::vector<std::string>& exprs) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    out.push_back({{"column", columns[i].name}, {"expression", exprs[i]}});
  }
  return out;
}

absl::StatusOr<SyncPlan> Resolve(pqxx::connection_base& conn,
                                 const SyncDefinition& d) {
  SyncPlan plan;
  plan.name = d.name;
  plan.flag = d.flag;
  plan.table_to_table = d.set.empty();
  plan.forward_name = SyncObjectName(d.name, d.flag, kForwardSuffix);

  absl::StatusOr<SyncTable> table = ResolveTable(conn, d.table, "--table");
  if (!table.ok()) return table.status();
  plan.table = *table;
  absl::StatusOr<std::vector<SyncColumn>> key =
      ResolveColumns(conn, plan.table, d.key, "--key");
  if (!key.ok()) return key.status();
  plan.key = *key;

  if (!plan.table_to_table) {
    std::set<std::string> targets;
    for (const SyncAssignment& a : d.set) {
      const std::string what = StrCat("--set '", a.column, " = ...'");
      absl::StatusOr<ColumnInfo> c =
          ResolveColumn(conn, plan.table, a.column, what);
      if (!c.ok()) return c.status();
      if (!targets.insert(c->column.name).second) {
        return absl::InvalidArgumentError(
            StrCat("--set assigns column ", c->column.sql, " twice"));
      }
      absl::StatusOr<Probe> probe = ProbeQuery(
          conn, StrCat("SELECT (\n", a.expression, "\n) FROM ", plan.table.sql),
          plan.table, StrCat("the expression of ", what));
      if (!probe.ok()) return probe.status();
      if (absl::Status s = AddWatched(conn, plan.table, probe->columns_read,
                                      plan.forward_watch);
          !s.ok()) {
        return s;
      }
      plan.set_columns.push_back(c->column);
      plan.set_expressions.push_back(a.expression);
    }
    for (const SyncColumn& w : plan.forward_watch) {
      if (targets.count(w.name) != 0) {
        return absl::InvalidArgumentError(
            StrCat("--set both reads and writes column ", w.sql,
                   ": a sync computes new columns from old ones"));
      }
    }
  } else {
    absl::StatusOr<SyncTable> into = ResolveTable(conn, d.into, "--into");
    if (!into.ok()) return into.status();
    plan.into = *into;
    if (plan.into.oid == plan.table.oid) {
      return absl::InvalidArgumentError(
          "--into names the --table itself; for new columns in the same "
          "table use --set");
    }
    std::set<std::string> seen;
    for (const std::string& name : d.columns) {
      absl::StatusOr<ColumnInfo> c =
          ResolveColumn(conn, plan.into, name, "--columns");
      if (!c.ok()) return c.status();
      if (c->category == 'A') {
        return absl::InvalidArgumentError(
            StrCat("--columns: ", c->column.sql, " of ", plan.into.sql,
                   " is an array column (", c->column.type,
                   "); a table-to-table sync copies scalar columns"));
      }
      if (!seen.insert(c->column.name).second) {
        return absl::InvalidArgumentError(
            StrCat("--columns names column ", c->column.sql, " twice"));
      }
      plan.columns.push_back(c->column);
    }
    plan.from = TrimQuery(d.from);
    absl::StatusOr<Probe> probe =
        ProbeQuery(conn, StrCat("(\n", plan.from, "\n)"), plan.table, "--from");
    if (!probe.ok()) return probe.status();
    if (probe->output_columns != static_cast<int>(plan.columns.size())) {
      return absl::InvalidArgumentError(
          StrCat("--from yields ", probe->output_columns,
                 " column(s) but --columns "
                 "names ",
                 plan.columns.size(),
                 "; they are matched by position, the key first"));
    }
    plan.forward_watch = plan.key;
    if (absl::Status s = AddWatched(conn, plan.table, probe->columns_read,
                                    plan.forward_watch);
        !s.ok()) {
      return s;
    }
  }

  std::set<std::string> reverse_targets;
  for (const SyncAssignment& a : d.reverse) {
    const std::string what = StrCat("--reverse '", a.column, " = ...'");
    absl::StatusOr<ColumnInfo> c =
        ResolveColumn(conn, plan.table, a.column, what);
    if (!c.ok()) return c.status();
    if (!reverse_targets.insert(c->column.name).second) {
      return absl::InvalidArgumentError(
          StrCat("--reverse assigns column ", c->column.sql, " twice"));
    }
    absl::StatusOr<Probe> probe = ProbeQuery(
        conn, StrCat("SELECT (\n", a.expression, "\n) FROM ", plan.table.sql),
        plan.table, StrCat("the expression of ", what));
    if (!probe.ok()) return probe.status();
    if (!plan.table_to_table) {
      if (absl::Status s = AddWatched(conn, plan.table, probe->columns_read,
                                      plan.reverse_watch);
          !s.ok()) {
        return s;
      }
    }
    plan.reverse_columns.push_back(c->column);
    plan.reverse_expressions.push_back(a.expression);
  }
  if (!plan.reverse_columns.empty() && plan.table_to_table) {
    plan.reverse_name = SyncObjectName(d.name, d.flag, kReverseSuffix);
  }
  if (!plan.table_to_table && !plan.reverse_columns.empty() &&
      plan.reverse_watch.empty()) {
    return absl::InvalidArgumentError(
        "--reverse expressions read no column of the table; they must "
        "compute the old columns from the new ones");
  }

  nlohmann::ordered_json def = {
      {"kind", plan.table_to_table ? "table" : "columns"},
      {"flag", plan.flag},
      {"table", {{"schema", plan.table.schema}, {"name", plan.table.name}}},
      {"key", Names(plan.key)},
  };
  if (plan.table_to_table) {
    def["into"] = {{"schema", plan.into.schema}, {"name", plan.into.name}};
    def["columns"] = Names(plan.columns);
    def["from"] = plan.from;
  } else {
    def["set"] = Assignments(plan.set_columns, plan.set_expressions);
  }
  def["reverse"] = Assignments(plan.reverse_columns, plan.reverse_expressions);
  plan.definition_json = def.dump();
  return plan;
}

}  // namespace

absl::StatusOr<SyncPlan> ResolveSyncPlan(pqxx::connection_base& conn,
                                         const SyncDefinition& definition) {
  if (absl::Status s = ValidateSyncDefinition(definition); !s.ok()) return s;
  try {
    return Resolve(conn, definition);
  } catch (const std::exception& e) {
    return StatusFromException(e, "resolving the sync against the catalog");
  }
}

}  // namespace cutover::pg
