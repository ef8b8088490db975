#include "verify/verify_query.h"

#include <map>
#include <pqxx/pqxx>
#include <set>

#include "connection/pg_array_literal.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/sql_identifier.h"

namespace cutover::pg {

std::string TrimQuery(std::string_view sql) {
  while (!sql.empty()) {
    const char c = sql.back();
    if (c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      sql.remove_suffix(1);
    } else {
      break;
    }
  }
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\t' ||
                          sql.front() == '\n' || sql.front() == '\r')) {
    sql.remove_prefix(1);
  }
  return std::string(sql);
}

namespace {

// The server's verdict on a string holding several statements, from the
// extended protocol's Parse step ("cannot insert multiple commands into a
// prepared statement"). Matching the text is for the message only: the
// protocol refuses such a string whatever the server's language.
bool IsMultipleStatementsError(const pqxx::sql_error& e) {
  return e.sqlstate() == "42601" &&
         std::string_view(e.what()).find("multiple commands") !=
             std::string_view::npos;
}

// Forgets the unnamed statement Describe parses, so that the operator's SQL
// does not linger in libpqxx's table of prepared statements. The unnamed
// statement is never registered by libpqxx, so this sends nothing.
class UnnamedStatementGuard {
 public:
  explicit UnnamedStatementGuard(pqxx::connection_base& conn) : conn_(conn) {}
  ~UnnamedStatementGuard() {
    try {
      conn_.unprepare("");
    } catch (const std::exception&) {
      // Only erases a map entry; nothing the caller could act on.
    }
  }
  UnnamedStatementGuard(const UnnamedStatementGuard&) = delete;
  UnnamedStatementGuard& operator=(const UnnamedStatementGuard&) = delete;

 private:
  pqxx::connection_base& conn_;
};

}  // namespace

absl::StatusOr<VerifyQuery> VerifyQuery::Describe(pqxx::connection_base& conn,
                                                  std::string_view sql,
                                                  std::string_view side) {
  VerifyQuery q;
  q.side_ = std::string(side);
  q.sql_ = TrimQuery(sql);
  if (q.sql_.empty()) {
    return absl::InvalidArgumentError(
        StrCat("--", side,
               " is empty: give a SELECT whose first column(s) "
               "are the key"));
  }
  const std::string context = StrCat("the --", side, " query");
  try {
    pqxx::nontransaction tx(conn);
    // docs/design.md, Comparator, verify and backfill: verify only reads. The
    // snapshot transaction is what makes writes fail; refuse to go on
    // without it rather than trust every caller to have opened it.
    if (tx.exec_params("SELECT current_setting('transaction_read_only')")[0][0]
            .as<std::string>() != "on") {
      return absl::InternalError(
          StrCat(context,
                 " would run outside a read-only transaction; verify runs "
                 "queries only inside its READ ONLY snapshot (this is a bug "
                 "in cutover: please report it)"));
    }
    // The operator's text, parsed alone by the server (PQprepare: the
    // extended protocol's Parse, which executes nothing and takes exactly one
    // statement). Wrapped in the subquery below, a second statement would
    // only be a syntax error, or worse: text that closes the parenthesis can
    // smuggle in a COMMIT that ends the read-only transaction.
    UnnamedStatementGuard forget(conn);
    try {
      conn.prepare(q.sql_);
      conn.prepare_now("");
    } catch (const pqxx::sql_error& e) {
      if (!IsMultipleStatementsError(e)) throw;
      return absl::InvalidArgumentError(
          StrCat("--", side,
                 " holds more than one SQL statement; verify runs exactly one "
                 "SELECT per side, read-only: remove the ';' and everything "
                 "after it, or combine the statements into one SELECT (WITH "
                 "... SELECT, UNION ALL)"));
    }
    // exec_params: the extended protocol again, so the wrapped text is one
    // statement or nothing.
    const pqxx::result r =
        tx.exec_params(StrCat("SELECT * FROM (\n", q.sql_, "\n) AS q LIMIT 0"));
    std::vector<std::string> oids;
    for (pqxx::row::size_type i = 0; i < r.columns(); ++i) {
      VerifyColumn c;
      c.name = r.column_name(i);
      c.type_oid = r.column_type(i);
      oids.push_back(StrCat(c.type_oid));
      q.columns_.push_back(std::move(c));
    }
    if (q.columns_.empty()) {
      return absl::InvalidArgumentError(
          StrCat("--", side, " query returns no columns"));
    }
    // NULL typmod: a key cast to "character varying", never "(10)", which
    // would truncate.
    const pqxx::result types = tx.exec_params(
        "SELECT format_type(o, NULL) FROM unnest($1::oid[]) "
        "WITH ORDINALITY AS u(o, n) ORDER BY n",
        PgArrayLiteral(oids));
    for (size_t i = 0; i < q.columns_.size(); ++i) {
      q.columns_[i].type_sql = types[static_cast<int>(i)][0].c_str();
    }
  } catch (const std::exception& e) {
    absl::Status s = StatusFromException(e, context);
    if (s.code() == absl::StatusCode::kUnavailable) return s;
    return absl::InvalidArgumentError(std::string(s.message()));
  }
  return q;
}

std::string VerifyQuery::From(
    const std::vector<std::string>& quoted_aliases) const {
  std::string aliases;
  for (size_t i = 0; i < quoted_aliases.size(); ++i) {
    if (i > 0) aliases += ", ";
    aliases += quoted_aliases[i];
  }
  return StrCat("(\n", sql_, "\n) AS q(", aliases, ")");
}

std::vector<std::string> PositionalNames(
    const std::vector<VerifyColumn>& columns) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const VerifyColumn& c : columns) {
    std::string name = c.name.empty() ? "column" : c.name;
    for (int n = 2; used.count(name) > 0; ++n) {
      name = StrCat(c.name.empty() ? "column" : c.name, "_", n);
    }
    used.insert(name);
    names.push_back(std::move(name));
  }
  return names;
}

std::vector<std::string> PositionalAliases(
    const std::vector<VerifyColumn>& columns) {
  std::vector<std::string> quoted;
  for (const std::string& name : PositionalNames(columns)) {
    // Names came from PostgreSQL, so they hold no NUL; quoting cannot fail.
    quoted.push_back(QuoteIdentifier(name).value_or("\"column\""));
  }
  return quoted;
}

}  // namespace cutover::pg
