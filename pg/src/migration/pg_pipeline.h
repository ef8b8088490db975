// Runs a write's statements (PgStatement) in libpq pipeline mode: the
// statements, and the commands that must precede them (BEGIN, SAVEPOINT), go
// to the server in one round trip, with one Sync. Used by PgDualWrite.
//
// pqxx 6 runs every statement synchronously (PQexec*), which libpq refuses in
// pipeline mode, so a batch enters pipeline mode, sends, syncs, collects every
// result and leaves pipeline mode before returning: pqxx then finds the
// connection idle, as after one of its own statements. The server-side
// transaction is in the state the results say (a failed statement aborts it,
// as it would have through pqxx), and the caller ends or repairs it through
// pqxx (COMMIT, ROLLBACK, ROLLBACK TO SAVEPOINT), so pqxx's transaction object
// stays the one place the transaction is finished.
//
// The whole pipeline is written before any result is read (the connection is
// in blocking mode, as pqxx leaves it). A write's statements are few and
// small, far below what would make both sides wait on full socket buffers.
//
// Thread-safety: uses the transaction's connection; one thread, like it.
#ifndef CUTOVER_PG_PIPELINE_H_
#define CUTOVER_PG_PIPELINE_H_

#include <initializer_list>
#include <pqxx/connection_base>
#include <pqxx/dbtransaction>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cutover/pg_statement.h"

namespace cutover::pg {

// pqxx::work (READ COMMITTED, read-write) except that BEGIN is not sent by
// the constructor: either BeginNow sends it, as pqxx::work would have, or it
// rides in the pipeline of the first write's statements and AdoptBegun tells
// pqxx the transaction is open. Until then pqxx's exec_params and
// exec_prepared would run outside any transaction (pqxx 6 does not begin a
// transaction for them), so nothing may use it before one of the two.
//
// `after_begin`, when not null, is a command without parameters that must
// run right after BEGIN (PgDualWrite's marker). BeginNow sends it in BEGIN's
// simple-query message ("BEGIN; <after_begin>"), so it costs no round trip;
// a pipeline's BEGIN must be followed by it (after_begin()).
class PipelineTransaction final : public pqxx::dbtransaction {
 public:
  PipelineTransaction(pqxx::connection_base& connection,
                      const std::string& name,
                      const char* after_begin = nullptr);
  ~PipelineTransaction() override;

  // Sends BEGIN unless the transaction is open already. Throws what pqxx
  // throws for a failed BEGIN.
  void BeginNow();
  // The server opened the transaction from a pipeline's BEGIN: from now on
  // pqxx treats it as open (commit, abort, exec) without sending BEGIN.
  void AdoptBegun();
  bool begun() const { return begun_; }
  const char* after_begin() const { return after_begin_; }

 private:
  void do_begin() override;
  void do_commit() override;

  const char* const after_begin_;
  bool begun_ = false;
  bool begun_in_pipeline_ = false;
};

// What the server reported about the transaction after a pipeline.
enum class ServerTransaction {
  kNone,     // no transaction block (a pipelined BEGIN did not run)
  kActive,   // in a transaction that can commit
  kFailed,   // in a transaction that an error aborted
  kUnknown,  // the connection was lost
};

struct PipelinedWrite {
  // A failure before any of the write's statements ran: preparing them,
  // entering pipeline mode, or a leading command (BEGIN, SAVEPOINT). Nothing
  // of the write took effect.
  absl::Status setup;
  // The first statement that failed (the server skipped the rest until the
  // Sync), or OK. Earlier statements may have taken effect.
  absl::Status statements;
  ServerTransaction server = ServerTransaction::kUnknown;

  // setup's error, else statements'.
  absl::Status status() const { return setup.ok() ? statements : setup; }
};

// Sends `leading` (commands without parameters, e.g. BEGIN or SAVEPOINT) and
// then `statements` on `tx`'s connection in one pipeline, and collects the
// results. `what` prefixes the errors ("other-side write: ..."), mapped as
// StatusFromException maps pqxx's (a constraint violation is
// FailedPrecondition, a lost connection Unavailable). Prepared statements
// are first registered with the server (pqxx's prepare_now: a PREPARE round
// trip on their first use on the connection, as pqxx's exec_prepared does).
PipelinedWrite RunPipelined(pqxx::dbtransaction& tx,
                            std::initializer_list<const char*> leading,
                            absl::Span<const PgStatement> statements,
                            std::string_view what);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_PIPELINE_H_
