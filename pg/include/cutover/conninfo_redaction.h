// PostgreSQL connection strings made safe to print.
//
// docs/design.md, Environment: a connection string may carry a password; it
// never appears in output. The string is parsed by libpq itself
// (PQconninfoParse), so cutover hides exactly what libpq would send as a
// secret: every keyword libpq marks as one (dispchar '*': password and
// sslpassword in libpq 15, and whatever later versions add), in both the URL
// and the keyword=value form. A hand-written parser disagrees with libpq on
// some input, and every disagreement is a way to leak.
//
// The redacted form is always libpq's keyword=value syntax, whatever the input
// form: the keywords the string sets, in libpq's order, each secret value
// shown as ***, other values single-quoted when they need it:
//   postgresql://app:s3cret@db:5432/prod?sslmode=require
//     -> user=app password=*** dbname=prod host=db port=5432 sslmode=require
// It shows what libpq understood (which host, which user), it is itself a
// valid connection string (with the secrets to be filled in), and it is never
// a re-encoded URL: percent-encoding, bracketed IPv6 hosts, socket directories
// and host lists are all places where re-encoding could go wrong.
//
// Input libpq cannot parse is never echoed, not even in part (libpq's own
// parse errors quote fragments of the string): the result is a placeholder
// that names the problem. So is a URL with an '@' that libpq does not read as
// the end of the user and password ("postgresql://app:pa@ss@db/x" parses as
// password "pa" on host "ss@db"): that '@' almost always belongs to a password
// that was not percent-encoded, and libpq would show the rest of it as a host.
//
// Thread-safety: RedactedConninfo is an immutable value; const methods may be
// called from any number of threads. The free function is thread-safe.
#ifndef CUTOVER_CONNINFO_REDACTION_H_
#define CUTOVER_CONNINFO_REDACTION_H_

#include <string>
#include <string_view>
#include <vector>

namespace cutover::pg {

// One connection string, parsed by libpq and redacted.
class RedactedConninfo {
 public:
  // Parses `conninfo` (a postgres:// or postgresql:// URL, or libpq
  // keyword=value settings). Never fails: unparseable input yields a value
  // whose display() is a placeholder and whose parsed() is false. Does not
  // read the environment, service files or password files.
  static RedactedConninfo Parse(std::string_view conninfo);

  // Whether libpq parsed the string (and the URL had no ambiguous '@').
  bool parsed() const { return parsed_; }

  // The keyword=value rendering with every secret as ***, or the placeholder;
  // contains no secret value either way.
  const std::string& display() const { return display_; }

  // `text` (a server or libpq message) with every occurrence of every secret
  // value replaced by ***. libpq does not echo passwords in its messages; this
  // is defence in depth for messages cutover does not control. When the
  // string was not parsed the secrets are unknown, so the whole text is
  // withheld and a placeholder returned.
  std::string Scrub(std::string_view text) const;

 private:
  RedactedConninfo() = default;

  bool parsed_ = false;
  std::string display_;
  // Secret values as libpq decoded them, longest first (so that a secret
  // containing another is replaced whole).
  std::vector<std::string> secrets_;
};

// RedactedConninfo::Parse(url).display(): `url` (a postgres:// URL or a libpq
// "key=value" string) as keyword=value settings with every secret shown as
// ***, or a placeholder naming the problem when libpq cannot parse it. The
// result never contains a secret value from `url`.
std::string RedactPostgresUrl(std::string_view url);

}  // namespace cutover::pg

#endif  // CUTOVER_CONNINFO_REDACTION_H_
