#include "sync/sync_sql.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/internal/strings.h"
#include "cutover/sql_identifier.h"

namespace cutover::pg {
namespace {

// Names reaching here come from the catalog or passed ValidateSyncName: never
// empty, never NUL, so quoting cannot fail.
std::string Quote(std::string_view name) {
  return QuoteIdentifier(name).value_or("\"\"");
}

std::string Qualified(std::string_view schema, std::string_view name) {
  return QuoteQualifiedName(schema, name).value_or("\"\"");
}

// "<prefix>"a", <prefix>"b"" for the columns.
std::string List(const std::vector<SyncColumn>& columns,
                 std::string_view prefix = "") {
  std::string out;
  for (const SyncColumn& c : columns) {
    if (!out.empty()) out += ", ";
    out += StrCat(prefix, c.sql);
  }
  return out;
}

std::string Row(const std::vector<SyncColumn>& columns,
                std::string_view prefix) {
  return StrCat("ROW(", List(columns, prefix), ")");
}

// The user's expressions, each in parentheses on lines of their own: a
// trailing `--` comment in one cannot swallow what follows.
std::string Expressions(const std::vector<std::string>& exprs) {
  std::string out;
  for (const std::string& e : exprs) {
    if (!out.empty()) out += ", ";
    out += StrCat("(\n", e, "\n)");
  }
  return out;
}

// The key columns as a reader sees them in a message: (id) or (a, b).
std::string KeyLabel(const std::vector<SyncColumn>& key) {
  std::string out = "(";
  for (std::size_t i = 0; i < key.size(); ++i) {
    out += StrCat(i == 0 ? "" : ", ", key[i].name);
  }
  return out + ")=";
}

std::string DisplayNames(const std::vector<SyncColumn>& columns) {
  std::string out;
  for (const SyncColumn& c : columns) {
    out += StrCat(out.empty() ? "" : ", ", c.name);
  }
  return out;
}

// An EXCEPTION clause that re-raises a failure of the user's SQL with the
// same SQLSTATE (so the application sees what it would see from a CHECK or a
// bad cast), naming the sync, what was being computed and the row's key. The
// block it closes only computes (no writes), so its subtransaction never gets
// a transaction id of its own.
std::string Failure(const SyncPlan& p, std::string_view what,
                    std::string_view key_row,
                    const std::vector<SyncColumn>& key_columns) {
  const std::string prefix = StrCat("cutover sync '", p.name, "': ", what,
                                    " failed for key ", KeyLabel(key_columns));
  const std::string hint = StrCat(
      "Only this statement was rolled back. Fix the row, or fix the sync's "
      "expression and install it again with --replace (sync '",
      p.name, "').");
  return StrCat(
      "    EXCEPTION WHEN OTHERS THEN\n"
      "      RAISE EXCEPTION USING ERRCODE = SQLSTATE,\n"
      "        MESSAGE = ",
      QuoteSqlLiteral(prefix), " || ", key_row,
      "::text || ': ' || SQLERRM,\n"
      "        HINT = ",
      QuoteSqlLiteral(hint), ";\n");
}

constexpr std::string_view kSkipDualWrite =
    "  -- PgMigration's dual-write transaction wrote both sides itself.\n"
    "  IF current_setting('cutover.dual_write', true) = 'on' THEN\n"
    "    RETURN %s;\n"
    "  END IF;\n";

std::string SkipDualWrite(std::string_view returned) {
  std::string out(kSkipDualWrite);
  out.replace(out.find("%s"), 2, returned);
  return out;
}

// A dollar-quote tag that does not occur in `body`.
std::string DollarTag(const std::string& body) {
  std::string tag = "$cutover_sync$";
  for (int n = 1; body.find(tag.substr(0, tag.size() - 1)) != std::string::npos;
       ++n) {
    tag = StrCat("$cutover_sync_", n, "$");
  }
  return tag;
}

std::string Function(std::string_view qualified_name, const std::string& body) {
  const std::string tag = DollarTag(body);
  return StrCat("CREATE OR REPLACE FUNCTION ", qualified_name,
                "() RETURNS trigger LANGUAGE plpgsql AS ", tag, "\n", body,
                tag);
}

std::string ColumnsFunctionBody(const SyncPlan& p) {
  const std::string compute_forward =
      StrCat("      SELECT INTO ", List(p.set_columns, "NEW."), "\n        ",
             Expressions(p.set_expressions),
             "\n      FROM (SELECT NEW.*) AS cutover_row;\n");
  const std::string forward_what =
      StrCat("computing ", DisplayNames(p.set_columns), " of ", p.table.schema,
             ".", p.table.name);
  std::string body =
      "#variable_conflict use_column\n"
      "BEGIN\n" +
      SkipDualWrite("NEW");
  if (!p.reverse_columns.empty()) {
    std::string inserted_new;
    for (const SyncColumn& c : p.reverse_watch) {
      inserted_new += StrCat(inserted_new.empty() ? "" : " AND ", "NEW.", c.sql,
                             " IS NULL");
    }
    body += StrCat(
        "  -- A write of the new columns: the new side is authoritative "
        "(live,\n"
        "  -- rampdown), so the old columns are recomputed from it, unless "
        "the\n"
        "  -- two sides already agree.\n"
        "  IF (TG_OP = 'INSERT' AND NOT (",
        inserted_new,
        "))\n"
        "     OR (TG_OP = 'UPDATE' AND ",
        Row(p.reverse_watch, "NEW."), " IS DISTINCT FROM ",
        Row(p.reverse_watch, "OLD."),
        ") THEN\n"
        "    BEGIN\n"
        "      IF NOT EXISTS (SELECT 1 FROM (SELECT NEW.*) AS cutover_row\n"
        "          WHERE ROW(",
        Expressions(p.set_expressions), ")\n          IS NOT DISTINCT FROM ",
        Row(p.set_columns, "cutover_row."),
        ") THEN\n"
        "        SELECT INTO ",
        List(p.reverse_columns, "NEW."), "\n          ",
        Expressions(p.reverse_expressions),
        "\n        FROM (SELECT NEW.*) AS cutover_row;\n"
        "      END IF;\n",
        Failure(p,
                StrCat("computing ", DisplayNames(p.reverse_columns), " of ",
                       p.table.schema, ".", p.table.name, " (reverse)"),
                Row(p.key, "NEW."), p.key),
        "    END;\n"
        "    RETURN NEW;\n"
        "  END IF;\n");
    if (!p.forward_watch.empty()) {
      body += StrCat("  IF TG_OP = 'UPDATE' AND ", Row(p.forward_watch, "NEW."),
                     " IS NOT DISTINCT FROM ", Row(p.forward_watch, "OLD."),
                     " THEN\n"
                     "    RETURN NEW;  -- neither side changed\n"
                     "  END IF;\n");
    }
  }
  body += StrCat("  BEGIN\n", compute_forward,
                 Failure(p, forward_what, Row(p.key, "NEW."), p.key),
                 "  END;\n"
                 "  RETURN NEW;\n"
                 "END\n");
  return body;
}

// The loop protection of table-to-table syncs: the trigger names itself in
// the transaction-local setting cutover.sync while it writes, and the
// opposite trigger of the same sync returns at once when it sees its name.
// set_config(..., true) is undone with the (sub)transaction if anything
// fails, and other syncs (or the application's own triggers) still fire.
std::string EnterSync(const SyncPlan& p) {
  const std::string name = QuoteSqlLiteral(p.name);
  return StrCat(
      SkipDualWrite("NULL"),
      "  -- Written by this sync's opposite trigger: do not echo it.\n"
      "  IF current_setting('cutover.sync', true) = ",
      name,
      " THEN\n"
      "    RETURN NULL;\n"
      "  END IF;\n"
      "  cutover_previous := current_setting('cutover.sync', true);\n"
      "  PERFORM set_config('cutover.sync', ",
      name, ", true);\n");
}

constexpr std::string_view kLeaveSync =
    "  PERFORM set_config('cutover.sync', coalesce(cutover_previous, ''), "
    "true);\n"
    "  RETURN NULL;\n"
    "END\n";

// Makes the new table's rows of one old key (`key_row`, e.g. ROW(OLD."id"))
// what --from yields for it: computes the wanted rows (the only step running
// user SQL, in a block that reports failures), deletes the others, inserts
// the missing ones. Every statement filters the new table by the key columns
// with `=` (IS NOT DISTINCT FROM cannot use an index), so each touches only
// that key's rows through the new table's index.
std::string TableSyncBlock(const SyncPlan& p, const std::string& key_row) {
  std::vector<SyncColumn> owner(p.columns.begin(),
                                p.columns.begin() + p.key.size());
  std::string arrays, aggregates, names;
  for (std::size_t i = 0; i < p.columns.size(); ++i) {
    arrays += StrCat(i == 0 ? "" : ", ", "cutover_c", i + 1);
    aggregates += StrCat(i == 0 ? "" : ", ", "array_agg(cutover_src.",
                         p.columns[i].sql, ")");
  }
  names = List(p.columns);
  const std::string want =
      StrCat("unnest(", arrays, ") AS cutover_want(", names, ")");
  return StrCat(
      "    BEGIN\n"
      "      SELECT INTO ",
      arrays, " ", aggregates, "\n      FROM (\n", p.from,
      "\n      ) AS cutover_src(", names, ")\n      WHERE ",
      Row(owner, "cutover_src."), " = ", key_row, ";\n",
      Failure(p,
              StrCat("computing the rows of ", p.into.schema, ".", p.into.name,
                     " from ", p.table.schema, ".", p.table.name),
              key_row, p.key),
      "    END;\n"
      "    DELETE FROM ",
      p.into.sql, " AS cutover_have\n      WHERE ", Row(owner, "cutover_have."),
      " = ", key_row, "\n        AND NOT EXISTS (SELECT 1 FROM ", want,
      "\n          WHERE ", Row(p.columns, "cutover_want."),
      " IS NOT DISTINCT FROM ", Row(p.columns, "cutover_have."),
      ");\n"
      "    INSERT INTO ",
      p.into.sql, " (", names, ")\n      SELECT ",
      List(p.columns, "cutover_want."), " FROM ", want,
      "\n      WHERE NOT EXISTS (SELECT 1 FROM ", p.into.sql,
      " AS cutover_have\n        WHERE ", Row(owner, "cutover_have."), " = ",
      key_row, " AND ", Row(p.columns, "cutover_have."),
      " IS NOT DISTINCT FROM ", Row(p.columns, "cutover_want."),
      ")\n      ON CONFLICT DO NOTHING;\n");
}

std::string TableForwardBody(const SyncPlan& p) {
  std::string declare = "DECLARE\n  cutover_previous text;\n";
  for (std::size_t i = 0; i < p.columns.size(); ++i) {
    declare += StrCat("  cutover_c", i + 1, " ", p.columns[i].type, "[];\n");
  }
  return StrCat("#variable_conflict use_column\n", declare, "BEGIN\n",
                EnterSync(p), "  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ",
                Row(p.key, "NEW."), " IS DISTINCT FROM ", Row(p.key, "OLD."),
                ") THEN\n", TableSyncBlock(p, Row(p.key, "OLD.")),
                "  END IF;\n"
                "  IF TG_OP <> 'DELETE' THEN\n",
                TableSyncBlock(p, Row(p.key, "NEW.")), "  END IF;\n",
                kLeaveSync);
}

// Recomputes the old row of one key from the new side. A writer of the old
// row holds its lock while the forward trigger runs; taking the same lock
// here before reading the new side serializes the two directions per key, so
// concurrent writes on both sides of one key cannot leave them disagreeing.
std::string TableReverseBlock(const SyncPlan& p, const std::string& key_row) {
  std::string vars, sets;
  for (std::size_t i = 0; i < p.reverse_columns.size(); ++i) {
    vars += StrCat(i == 0 ? "" : ", ", "cutover_r", i + 1);
    sets += StrCat(i == 0 ? "" : ", ", p.reverse_columns[i].sql, " = cutover_r",
                   i + 1);
  }
  return StrCat(
      "    -- Lock the old row first, so the next statement's snapshot sees\n"
      "    -- every committed write of this key on either side.\n"
      "    PERFORM 1 FROM ",
      p.table.sql, " WHERE ", Row(p.key, ""), " = ", key_row,
      " FOR NO KEY UPDATE;\n"
      "    BEGIN\n"
      "      SELECT INTO ",
      vars, " ", Expressions(p.reverse_expressions), "\n      FROM ",
      p.table.sql, " WHERE ", Row(p.key, ""), " = ", key_row,
      ";\n"
      "      cutover_found := FOUND;\n",
      Failure(p,
              StrCat("computing ", DisplayNames(p.reverse_columns), " of ",
                     p.table.schema, ".", p.table.name, " from ", p.into.schema,
                     ".", p.into.name, " (reverse)"),
              key_row, p.key),
      "    END;\n"
      "    IF cutover_found THEN\n"
      "      UPDATE ",
      p.table.sql, " SET ", sets, "\n        WHERE ", Row(p.key, ""), " = ",
      key_row, " AND ", Row(p.reverse_columns, ""), " IS DISTINCT FROM ROW(",
      vars,
      ");\n"
      "    END IF;\n");
}

std::string TableReverseBody(const SyncPlan& p) {
  const std::vector<SyncColumn> owner(p.columns.begin(),
                                      p.columns.begin() + p.key.size());
  std::string declare =
      "DECLARE\n  cutover_previous text;\n  cutover_found boolean;\n";
  for (std::size_t i = 0; i < p.reverse_columns.size(); ++i) {
    declare +=
        StrCat("  cutover_r", i + 1, " ", p.reverse_columns[i].type, ";\n");
  }
  return StrCat("#variable_conflict use_column\n", declare, "BEGIN\n",
                EnterSync(p), "  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ",
                Row(owner, "NEW."), " IS DISTINCT FROM ", Row(owner, "OLD."),
                ") THEN\n", TableReverseBlock(p, Row(owner, "OLD.")),
                "  END IF;\n"
                "  IF TG_OP <> 'DELETE' THEN\n",
                TableReverseBlock(p, Row(owner, "NEW.")), "  END IF;\n",
                kLeaveSync);
}

std::string Comment(const SyncPlan& p, std::string_view direction) {
  return QuoteSqlLiteral(StrCat("cutover sync '", p.name, "'",
                                p.flag.empty() ? "" : " of flag '", p.flag,
                                p.flag.empty() ? "" : "'", " (", direction,
                                "); remove with: cutover sync uninstall NAME"));
}

}  // namespace

std::string QuoteSqlLiteral(std::string_view s) {
  std::string out = "E'";
  for (const char c : s) {
    if (c == '\'' || c == '\\') out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string SyncSql::Text() const {
  std::string out;
  for (const std::string& s : functions) out += s + ";\n";
  for (const std::string& s : triggers) out += s + ";\n";
  return out;
}

SyncSql BuildSyncSql(const SyncPlan& p, bool or_replace_trigger) {
  SyncSql sql;
  const std::string create =
      or_replace_trigger ? "CREATE OR REPLACE TRIGGER " : "CREATE TRIGGER ";
  const std::string forward_fn = Qualified(p.table.schema, p.forward_name);
  std::string body;
  std::string events;
  std::vector<SyncColumn> watch = p.forward_watch;
  if (!p.table_to_table) {
    body = ColumnsFunctionBody(p);
    for (const SyncColumn& c : p.reverse_watch) watch.push_back(c);
    events = "BEFORE INSERT OR UPDATE";
  } else {
    body = TableForwardBody(p);
    events = "AFTER INSERT OR UPDATE";
  }
  // An empty watch list (the expressions read no column PostgreSQL could
  // name) fires on every UPDATE rather than on none.
  if (!watch.empty()) events += " OF " + List(watch);
  if (p.table_to_table) events += " OR DELETE";

  sql.functions.push_back(Function(forward_fn, body));
  sql.functions.push_back(StrCat("COMMENT ON FUNCTION ", forward_fn, "() IS ",
                                 Comment(p, "forward")));
  sql.triggers.push_back(
      StrCat(create, Quote(p.forward_name), " ", events, " ON ", p.table.sql,
             " FOR EACH ROW EXECUTE FUNCTION ", forward_fn, "()"));
  sql.triggers.push_back(StrCat("COMMENT ON TRIGGER ", Quote(p.forward_name),
                                " ON ", p.table.sql, " IS ",
                                Comment(p, "forward")));
  sql.objects.push_back({"function", p.table.schema, p.forward_name, "", true});

  if (!p.reverse_name.empty()) {
    const std::string reverse_fn = Qualified(p.table.schema, p.reverse_name);
    sql.functions.push_back(Function(reverse_fn, TableReverseBody(p)));
    sql.functions.push_back(StrCat("COMMENT ON FUNCTION ", reverse_fn, "() IS ",
                                   Comment(p, "reverse")));
    sql.triggers.push_back(
        StrCat(create, Quote(p.reverse_name), " AFTER INSERT OR UPDATE OF ",
               List(p.columns), " OR DELETE ON ", p.into.sql,
               " FOR EACH ROW EXECUTE FUNCTION ", reverse_fn, "()"));
    sql.triggers.push_back(StrCat("COMMENT ON TRIGGER ", Quote(p.reverse_name),
                                  " ON ", p.into.sql, " IS ",
                                  Comment(p, "reverse")));
    sql.objects.push_back(
        {"function", p.table.schema, p.reverse_name, "", true});
  }
  sql.objects.push_back(
      {"trigger", p.table.schema, p.forward_name, p.table.name, true});
  if (!p.reverse_name.empty()) {
    sql.objects.push_back(
        {"trigger", p.into.schema, p.reverse_name, p.into.name, true});
  }
  return sql;
}

absl::StatusOr<std::string> DropSyncObjectSql(const SyncObject& o) {
  absl::StatusOr<std::string> name = QuoteIdentifier(o.name);
  if (!name.ok()) return name.status();
  if (o.kind == "trigger") {
    absl::StatusOr<std::string> table = QuoteQualifiedName(o.schema, o.table);
    if (!table.ok()) return table.status();
    return StrCat("DROP TRIGGER IF EXISTS ", *name, " ON ", *table);
  }
  if (o.kind == "function") {
    absl::StatusOr<std::string> fn = QuoteQualifiedName(o.schema, o.name);
    if (!fn.ok()) return fn.status();
    return StrCat("DROP FUNCTION IF EXISTS ", *fn, "()");
  }
  return absl::InvalidArgumentError(
      StrCat("unknown sync object kind '", o.kind, "'"));
}

}  // namespace cutover::pg
