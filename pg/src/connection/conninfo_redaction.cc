#include "cutover/conninfo_redaction.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "cutover/internal/strings.h"

namespace cutover::pg {
namespace {

constexpr std::string_view kHidden = "***";

// Placeholders: they name the problem and quote nothing from the input.
constexpr char kUnparseable[] =
    "<connection string not shown: libpq cannot parse it; quote values that "
    "hold blanks or quotes ('...'), and percent-encode reserved characters in "
    "a URL>";
constexpr char kHasNul[] =
    "<connection string not shown: it contains a NUL byte>";
constexpr char kAmbiguousAt[] =
    "<connection URL not shown: it holds an '@' that libpq does not read as "
    "the end of the user and password; percent-encode '@' as %40 and '/' as "
    "%2F in the user, password and database name>";
constexpr char kMessageWithheld[] =
    "<message not shown: the connection string could not be parsed, so the "
    "secrets in it are unknown>";

struct ConninfoFree {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
struct PqFreemem {
  void operator()(char* p) const { PQfreemem(p); }
};
using ConninfoOptions = std::unique_ptr<PQconninfoOption, ConninfoFree>;
using PqString = std::unique_ptr<char, PqFreemem>;

// libpq reads a string as a URL only after exactly one of these prefixes
// (case-sensitive, like libpq's uri_prefix_length).
bool ConsumeUrlScheme(std::string_view* s) {
  return ConsumePrefix(s, "postgresql://") || ConsumePrefix(s, "postgres://");
}

// libpq ends the user and password at the first '@' that comes before any
// '/', and reads any later '@' before the query as part of the hosts, ports
// or database name. Such an '@' is nearly always the middle of a password
// that was not percent-encoded: libpq would show its tail as a host.
bool HasAmbiguousAt(std::string_view after_scheme) {
  std::string_view rest = after_scheme;
  if (const size_t stop = rest.find_first_of("@/");
      stop != std::string_view::npos && rest[stop] == '@') {
    rest.remove_prefix(stop + 1);
  }
  return rest.substr(0, rest.find('?')).find('@') != std::string_view::npos;
}

// libpq's keyword=value syntax: a bare value ends at whitespace, and a
// backslash escapes the next character inside quotes and out.
bool NeedsQuotes(std::string_view value) {
  return value.empty() ||
         value.find_first_of(" \t\n\v\f\r'\\") != std::string_view::npos;
}

void AppendValue(std::string* out, std::string_view value) {
  if (!NeedsQuotes(value)) {
    out->append(value);
    return;
  }
  out->push_back('\'');
  for (const char c : value) {
    if (c == '\'' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('\'');
}

}  // namespace

RedactedConninfo RedactedConninfo::Parse(std::string_view conninfo) {
  RedactedConninfo out;
  // libpq would stop at the NUL and connect with a different string than the
  // caller holds; neither half is shown.
  if (conninfo.find('\0') != std::string_view::npos) {
    out.display_ = kHasNul;
    return out;
  }
  if (std::string_view rest = conninfo;
      ConsumeUrlScheme(&rest) && HasAmbiguousAt(rest)) {
    out.display_ = kAmbiguousAt;
    return out;
  }
  const std::string text(conninfo);
  char* raw_error = nullptr;
  ConninfoOptions options(PQconninfoParse(text.c_str(), &raw_error));
  // libpq's parse errors quote pieces of the string (a password among them,
  // when a blank split it): freed unread.
  const PqString error(raw_error);
  if (options == nullptr) {
    out.display_ = kUnparseable;
    return out;
  }
  // The array lists every keyword libpq knows, in its order; only those set
  // by the string carry a value (PQconninfoParse inserts no defaults).
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (!out.display_.empty()) out.display_.push_back(' ');
    out.display_.append(o->keyword);
    out.display_.push_back('=');
    if (o->dispchar != nullptr && std::strchr(o->dispchar, '*') != nullptr) {
      out.display_.append(kHidden);
      if (*o->val != '\0') out.secrets_.emplace_back(o->val);
    } else {
      AppendValue(&out.display_, o->val);
    }
  }
  std::sort(out.secrets_.begin(), out.secrets_.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  out.parsed_ = true;
  return out;
}

std::string RedactedConninfo::Scrub(std::string_view text) const {
  if (!parsed_) return kMessageWithheld;
  std::string out(text);
  for (const std::string& secret : secrets_) {
    // Resuming after the inserted *** keeps a secret made of '*' from
    // matching its own replacement forever.
    for (size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + kHidden.size())) {
      out.replace(at, secret.size(), kHidden);
    }
  }
  return out;
}

std::string RedactPostgresUrl(std::string_view url) {
  return RedactedConninfo::Parse(url).display();
}

}  // namespace cutover::pg
