#include "migration/pg_pipeline.h"

#include <libpq-fe.h>
#include <sys/socket.h>

#include <cstddef>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"

#ifndef LIBPQ_HAS_PIPELINING
#error "cutover needs libpq 14 or later (pipeline mode)"
#endif

namespace cutover::pg {
namespace {

// pqxx 6 hands the libpq handle only to large-object code, through this
// protected static of pqxx::largeobject; deriving from it is how code outside
// pqxx reaches the handle of the connection a transaction runs on.
class LibpqHandle : private pqxx::largeobject {
 public:
  static PGconn* Of(const pqxx::dbtransaction& tx) {
    return largeobject::raw_connection(tx);
  }
};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Pipeline mode for one batch. Leaving it needs every result collected, which
// RunPipelined does unless the connection was lost. A connection that is
// still up but cannot leave pipeline mode would fail every later pqxx call
// while looking healthy to the pool, so it is shut down instead: pqxx and the
// pool then see it as broken and discard it.
class PipelineMode {
 public:
  explicit PipelineMode(PGconn* conn)
      : conn_(conn), entered_(PQenterPipelineMode(conn) == 1) {}
  ~PipelineMode() {
    if (!entered_ || PQexitPipelineMode(conn_) == 1) return;
    if (PQstatus(conn_) != CONNECTION_BAD) {
      shutdown(PQsocket(conn_), SHUT_RDWR);
    }
  }
  PipelineMode(const PipelineMode&) = delete;
  PipelineMode& operator=(const PipelineMode&) = delete;

  bool entered() const { return entered_; }

 private:
  PGconn* const conn_;
  const bool entered_;
};

std::string ConnectionError(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

absl::Status LostConnection(PGconn* conn, std::string_view what) {
  return StatusFromException(pqxx::broken_connection(ConnectionError(conn)),
                             what);
}

// A failed command's result as the status pqxx's exception for it would map
// to (same message, same SQLSTATE).
absl::Status StatusFromResult(const PGresult* result, std::string_view query,
                              std::string_view what) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return StatusFromException(
      pqxx::sql_error(PQresultErrorMessage(result), std::string(query), state),
      what);
}

ServerTransaction TransactionOf(PGconn* conn) {
  switch (PQtransactionStatus(conn)) {
    case PQTRANS_IDLE:
      return ServerTransaction::kNone;
    case PQTRANS_INTRANS:
      return ServerTransaction::kActive;
    case PQTRANS_INERROR:
      return ServerTransaction::kFailed;
    default:
      return ServerTransaction::kUnknown;
  }
}

// Sends one statement into the pipeline. False when libpq refused it.
bool Send(PGconn* conn, const PgStatement& statement) {
  std::vector<const char*> values;
  values.reserve(statement.params.size());
  for (const std::optional<std::string>& p : statement.params) {
    values.push_back(p.has_value() ? p->c_str() : nullptr);
  }
  const int count = static_cast<int>(values.size());
  // Text parameters and text results, as pqxx sends and reads them.
  if (statement.prepared) {
    return PQsendQueryPrepared(conn, statement.sql.c_str(), count,
                               values.data(), nullptr, nullptr, 0) == 1;
  }
  return PQsendQueryParams(conn, statement.sql.c_str(), count, nullptr,
                           values.data(), nullptr, nullptr, 0) == 1;
}

}  // namespace

PipelineTransaction::PipelineTransaction(pqxx::connection_base& connection,
                                         const std::string& name,
                                         const char* after_begin)
    // Named as pqxx names pqxx::work, so its notices read the same.
    : namedclass{fullname("transaction",
                          pqxx::isolation_traits<pqxx::read_committed>::name()),
                 name},
      dbtransaction(connection,
                    pqxx::isolation_traits<pqxx::read_committed>::name(),
                    pqxx::read_write),
      after_begin_(after_begin) {}

PipelineTransaction::~PipelineTransaction() { End(); }

void PipelineTransaction::BeginNow() {
  if (begun_) return;
  Begin();
  begun_ = true;
}

void PipelineTransaction::AdoptBegun() {
  if (begun_) return;
  begun_in_pipeline_ = true;
  Begin();
  begun_ = true;
}

void PipelineTransaction::do_begin() {
  if (begun_in_pipeline_) return;
  if (after_begin_ == nullptr) return dbtransaction::do_begin();
  // pqxx::work's start command for READ COMMITTED read-write is a plain
  // BEGIN (libpqxx 6.4, generate_set_transaction). Both commands go in one
  // simple-query message, one round trip; the server runs the second inside
  // the transaction the first opened.
  const std::string begin = StrCat("BEGIN; ", after_begin_);
  try {
    try {
      direct_exec(begin.c_str());
    } catch (const pqxx::broken_connection&) {
      // pqxx's own BEGIN may reconnect a connection that broke while idle
      // (its retry count is reachable only from pqxx). Nothing ran on the
      // lost session: begin as pqxx::work would, then add the command.
      if (conn().is_open()) throw;
      dbtransaction::do_begin();
      direct_exec(after_begin_);
    }
  } catch (...) {
    // BEGIN ran but the command failed: the session is in a transaction pqxx
    // does not know about (its Begin failed). End it so that the connection
    // is usable again.
    const ServerTransaction server = TransactionOf(LibpqHandle::Of(*this));
    if (server == ServerTransaction::kActive ||
        server == ServerTransaction::kFailed) {
      try {
        direct_exec("ROLLBACK");
      } catch (...) {
        // The connection is gone; the server rolled back with it.
      }
    }
    throw;
  }
}

// As pqxx::work commits (libpqxx 6.4, basic_transaction::do_commit): a COMMIT
// whose outcome is unknown, or that lost the connection, is "in doubt".
void PipelineTransaction::do_commit() {
  try {
    direct_exec("COMMIT");
  } catch (const pqxx::statement_completion_unknown& e) {
    process_notice(StrCat(e.what(), "\n"));
    throw pqxx::in_doubt_error(
        StrCat("the outcome of committing transaction '", name(),
               "' is unknown: check whether its writes are there"));
  } catch (const std::exception& e) {
    if (conn().is_open()) throw;
    process_notice(StrCat(e.what(), "\n"));
    throw pqxx::in_doubt_error(
        StrCat("the connection was lost while committing transaction '", name(),
               "': check whether its writes are there"));
  }
}

PipelinedWrite RunPipelined(pqxx::dbtransaction& tx,
                            std::initializer_list<const char*> leading,
                            absl::Span<const PgStatement> statements,
                            std::string_view what) {
  PipelinedWrite out;
  pqxx::connection_base& connection = tx.conn();
  PGconn* conn = LibpqHandle::Of(tx);
  // pqxx would reconnect a closed connection (outside the transaction) when
  // asked to prepare; a lost connection is an error here, as in pqxx's
  // statements inside a transaction.
  if (!connection.is_open()) {
    out.setup = LostConnection(conn, what);
    return out;
  }
  for (const PgStatement& s : statements) {
    if (!s.prepared) continue;
    try {
      connection.prepare_now(s.sql);
    } catch (const pqxx::argument_error& e) {
      // Never defined with pqxx::connection::prepare: nothing was sent.
      out.setup = absl::InvalidArgumentError(StrCat(what, ": ", e.what()));
      out.server = TransactionOf(conn);
      return out;
    } catch (const std::exception& e) {
      out.setup = StatusFromException(e, what);
      out.server = TransactionOf(conn);
      return out;
    }
  }

  PipelineMode pipeline(conn);
  if (!pipeline.entered()) {
    out.setup = absl::InternalError(StrCat(
        what, ": could not enter pipeline mode: ", ConnectionError(conn)));
    out.server = TransactionOf(conn);
    return out;
  }
  // The queries in the pipeline, in order: `leading` first.
  std::vector<std::string_view> queries;
  queries.reserve(leading.size() + statements.size());
  absl::Status send_error;
  for (const char* command : leading) {
    if (PQsendQueryParams(conn, command, 0, nullptr, nullptr, nullptr, nullptr,
                          0) != 1) {
      send_error = absl::InternalError(
          StrCat(what, ": ", command, ": ", ConnectionError(conn)));
      break;
    }
    queries.push_back(command);
  }
  for (const PgStatement& s : statements) {
    if (!send_error.ok()) break;
    if (!Send(conn, s)) {
      // The ones already queued still run; the write counts as failed.
      send_error = absl::InvalidArgumentError(
          StrCat(what, ": ", s.sql, ": ", ConnectionError(conn)));
      break;
    }
    queries.push_back(s.sql);
  }
  if (PQpipelineSync(conn) != 1) {
    out.setup = LostConnection(conn, what);
    return out;
  }

  // Each query's results end with a null; then comes the Sync's.
  absl::Status first_error;
  std::size_t first_error_index = 0;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    for (Result r(PQgetResult(conn)); r != nullptr;
         r.reset(PQgetResult(conn))) {
      switch (PQresultStatus(r.get())) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
        case PGRES_EMPTY_QUERY:
        case PGRES_PIPELINE_ABORTED:  // skipped after an earlier error
          break;
        case PGRES_COPY_IN:
          // COPY has no place in a write's statements: end it with an error,
          // which aborts the pipeline like any failed statement.
          PQputCopyEnd(conn, "COPY is not supported in a write's statements");
          break;
        case PGRES_COPY_OUT:
          for (char* row = nullptr; PQgetCopyData(conn, &row, 0) > 0;) {
            PQfreemem(row);
          }
          if (first_error.ok()) {
            first_error = absl::InvalidArgumentError(
                StrCat(what, ": ", queries[i],
                       ": COPY is not supported in a write's statements"));
            first_error_index = i;
          }
          break;
        default:
          if (first_error.ok()) {
            first_error = StatusFromResult(r.get(), queries[i],
                                           i < leading.size()
                                               ? StrCat(what, ": ", queries[i])
                                               : std::string(what));
            first_error_index = i;
          }
          break;
      }
      if (PQstatus(conn) == CONNECTION_BAD) {
        // Whatever ran is rolled back with the session; libpq's message
        // carries the server's last words (e.g. "terminating connection").
        out.setup = LostConnection(conn, what);
        return out;
      }
    }
  }
  Result sync(PQgetResult(conn));
  if (sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
    out.setup = PQstatus(conn) == CONNECTION_BAD
                    ? LostConnection(conn, what)
                    : absl::InternalError(StrCat(
                          what, ": the pipeline ended without its Sync"));
    return out;
  }
  out.server = TransactionOf(conn);
  const bool in_leading = first_error.ok() ? queries.size() < leading.size()
                                           : first_error_index < leading.size();
  absl::Status error = first_error.ok() ? send_error : first_error;
  if (in_leading) {
    out.setup = error;
  } else {
    out.statements = error;
  }
  return out;
}

}  // namespace cutover::pg
