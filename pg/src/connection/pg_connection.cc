#include "cutover/pg_connection.h"

#include <pqxx/pqxx>

#include "cutover/internal/strings.h"

namespace cutover::pg {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectPostgres(
    std::string_view url) {
  if (url.empty()) {
    return absl::InvalidArgumentError(
        "no PostgreSQL connection string: pass --db URL or set DATABASE_URL "
        "(e.g. postgresql://user@host:5432/dbname)");
  }
  const RedactedConninfo conninfo = RedactedConninfo::Parse(url);
  if (!conninfo.parsed()) {
    // Refused before libpq sees it: its parse errors quote the string.
    return absl::InvalidArgumentError(
        StrCat("invalid PostgreSQL connection string ", conninfo.display(),
               ": fix --db or DATABASE_URL "
               "(e.g. postgresql://user@host:5432/dbname)"));
  }
  try {
    return std::make_unique<pqxx::connection>(std::string(url));
  } catch (const std::exception& e) {
    std::string message = e.what();
    while (!message.empty() && IsSpace(message.back())) message.pop_back();
    // libpq does not echo passwords in connection errors; scrubbing guards
    // against a version or a server message that does.
    return absl::UnavailableError(StrCat("cannot connect to PostgreSQL at ",
                                         conninfo.display(), ": ",
                                         conninfo.Scrub(message)));
  }
}

std::string SqlStateOf(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return sql->sqlstate();
  }
  if (dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) {
    return std::string(kSqlStateDeadlock);
  }
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr) {
    return std::string(kSqlStateSerializationFailure);
  }
  return "";
}

absl::Status StatusFromException(const std::exception& e,
                                 std::string_view context) {
  std::string message = e.what();
  while (!message.empty() && IsSpace(message.back())) message.pop_back();
  std::string text = StrCat(context, ": ", message);
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(
        StrCat(text, " (the connection to PostgreSQL was lost)"));
  }
  const std::string state = SqlStateOf(e);
  if (state == kSqlStateQueryCanceled || state == kSqlStateLockNotAvailable) {
    return absl::DeadlineExceededError(text);
  }
  const std::string_view cls = std::string_view(state).substr(0, 2);
  if (cls == "08") return absl::UnavailableError(text);
  if (cls == "42") return absl::InvalidArgumentError(text);
  if (cls == "22" || cls == "23") return absl::FailedPreconditionError(text);
  return absl::InternalError(text);
}

}  // namespace cutover::pg
