#include "cutover/pg_connection.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "cutover/internal/strings.h"

namespace cutover::pg {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Replaces the value of every `password=` setting: in a URL query
// (`?password=x&...`) the value ends at '&'; in a key=value string it is a
// single-quoted string or runs to the next blank.
std::string RedactPasswordSettings(std::string_view in, bool url_query) {
  std::string out;
  constexpr std::string_view kKey = "password";
  size_t i = 0;
  while (i < in.size()) {
    const size_t found = in.find(kKey, i);
    if (found == std::string_view::npos) break;
    // Only a whole keyword counts: "mypassword=" is some other setting.
    const bool starts_word = found == 0 || IsSpace(in[found - 1]) ||
                             in[found - 1] == '?' || in[found - 1] == '&';
    size_t j = found + kKey.size();
    while (j < in.size() && IsSpace(in[j])) ++j;
    if (!starts_word || j >= in.size() || in[j] != '=') {
      out.append(in.substr(i, found + kKey.size() - i));
      i = found + kKey.size();
      continue;
    }
    ++j;
    while (j < in.size() && IsSpace(in[j])) ++j;
    out.append(in.substr(i, j - i));
    out.append("***");
    if (url_query) {
      while (j < in.size() && in[j] != '&') ++j;
    } else if (j < in.size() && in[j] == '\'') {
      ++j;
      while (j < in.size() && in[j] != '\'') j += in[j] == '\\' ? 2 : 1;
      ++j;
    } else {
      while (j < in.size() && !IsSpace(in[j])) ++j;
    }
    i = std::min(j, in.size());
  }
  if (i < in.size()) out.append(in.substr(i));
  return out;
}

}  // namespace

std::string RedactPostgresUrl(std::string_view url) {
  std::string_view rest = url;
  std::string scheme;
  for (std::string_view s : {"postgresql://", "postgres://"}) {
    if (ConsumePrefix(&rest, s)) {
      scheme = std::string(s);
      break;
    }
  }
  if (scheme.empty()) return RedactPasswordSettings(url, false);
  std::string out = scheme;
  // The user info ends at the last '@' so that a password holding an unescaped
  // '@' is still hidden whole; over-hiding is harmless, leaking is not.
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    if (const size_t colon = userinfo.find(':');
        colon != std::string_view::npos) {
      out.append(userinfo.substr(0, colon));
      out.append(":***");
    } else {
      out.append(userinfo);
    }
    out.push_back('@');
    rest.remove_prefix(at + 1);
  }
  out.append(RedactPasswordSettings(rest, true));
  return out;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectPostgres(
    std::string_view url) {
  if (url.empty()) {
    return absl::InvalidArgumentError(
        "no PostgreSQL connection string: pass --db URL or set DATABASE_URL "
        "(e.g. postgresql://user@host:5432/dbname)");
  }
  try {
    return std::make_unique<pqxx::connection>(std::string(url));
  } catch (const std::exception& e) {
    std::string message = e.what();
    while (!message.empty() && IsSpace(message.back())) message.pop_back();
    // libpq echoes neither the URL nor the password, but a malformed URL can
    // come back verbatim in "invalid URI" messages: redact defensively.
    return absl::UnavailableError(StrCat("cannot connect to PostgreSQL at ",
                                         RedactPostgresUrl(url), ": ",
                                         RedactPostgresUrl(message)));
  }
}

std::string SqlStateOf(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return sql->sqlstate();
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
