// Opening PostgreSQL connections for backfill and verify, and turning libpqxx
// exceptions into absl::Status with messages that are safe to print.
//
// docs/design.md, Environment: a connection string may carry a password; it
// never appears in an error message produced here (every echo of the string
// goes through RedactedConninfo, conninfo_redaction.h).
//
// Thread-safety: pure functions; a returned connection is used by one thread at
// a time (libpqxx connections are not thread-safe).
#ifndef CUTOVER_PG_CONNECTION_H_
#define CUTOVER_PG_CONNECTION_H_

#include <exception>
#include <memory>
#include <pqxx/connection>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
// RedactPostgresUrl, declared here before it moved: callers keep compiling.
#include "cutover/conninfo_redaction.h"

namespace cutover::pg {

// SQLSTATE codes cutover reacts to.
inline constexpr std::string_view kSqlStateLockNotAvailable = "55P03";
inline constexpr std::string_view kSqlStateQueryCanceled = "57014";
inline constexpr std::string_view kSqlStateDeadlock = "40P01";
inline constexpr std::string_view kSqlStateSerializationFailure = "40001";

// Connects. Returns InvalidArgument when `url` is empty or libpq cannot parse
// it (with a hint to fix --db or DATABASE_URL; the string is not echoed) and
// Unavailable when the server cannot be reached or refuses the login; messages
// name the redacted string (conninfo_redaction.h). The caller owns the
// connection.
absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectPostgres(
    std::string_view url);

// Maps an exception thrown by libpqxx (or anything else) to a Status whose
// message is "<context>: <database message>":
//   broken_connection, SQLSTATE class 08 -> Unavailable
//   57014 (statement timeout), 55P03 (lock timeout) -> DeadlineExceeded
//   class 42 (syntax error, unknown column, permission) -> InvalidArgument
//   class 22/23 (bad data, constraint violated) -> FailedPrecondition
//   anything else -> Internal
absl::Status StatusFromException(const std::exception& e,
                                 std::string_view context);

// The SQLSTATE carried by `e`: a pqxx::sql_error's own, or the one the
// exception type stands for where libpqxx 6 throws a type that is not an
// sql_error (deadlock_detected, serialization_failure derive from
// transaction_rollback), else "".
std::string SqlStateOf(const std::exception& e);

}  // namespace cutover::pg

#endif  // CUTOVER_PG_CONNECTION_H_
