// The properties three fuzz targets check (fuzz/pg_text_format_fuzzer.cc,
// normalizer_spec_fuzzer.cc, conninfo_redaction_fuzzer.cc), shared with
// fuzz_regression_test.cc, which replays their seeds and saved crashes in
// every test run. Each Check* turns the fuzzer's bytes into inputs exactly as
// the fuzzer does, so a saved crash replays the very inputs that failed. Each
// returns "" when the property holds, otherwise what broke.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_TESTS_FUZZ_FUZZ_PROPERTIES_H_
#define CUTOVER_TESTS_FUZZ_FUZZ_PROPERTIES_H_

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connection/pg_array_literal.h"
#include "cutover/conninfo_redaction.h"
#include "cutover/normalizer.h"
#include "cutover/normalizer_set.h"
#include "cutover/normalizer_spec.h"
#include "cutover/pg_text_format.h"
#include "cutover/value.h"

namespace cutover::fuzz {

// Splits `data` at its first `n - 1` newlines: at most `n` parts, the last
// one running to the end (newlines included).
inline std::vector<std::string_view> SplitFields(std::string_view data,
                                                 std::size_t n) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    const std::size_t nl = data.find('\n');
    if (nl == std::string_view::npos) break;
    parts.push_back(data.substr(0, nl));
    data.remove_prefix(nl + 1);
  }
  parts.push_back(data);
  return parts;
}

// Every line of `data` (a trailing newline ends the last line, it does not
// start an empty one).
inline std::vector<std::string> Lines(std::string_view data) {
  std::vector<std::string> lines;
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    lines.emplace_back(data.substr(0, nl));
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  return lines;
}

// `what` and the input, control bytes escaped: a failure message.
inline std::string Failure(std::string_view what, std::string_view input) {
  std::string out(what);
  out.append(": \"");
  for (const char c : input) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      out.append(buf);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

// A parser's refusal must be InvalidArgument and say why.
inline std::string CheckRefusal(const absl::Status& status,
                                std::string_view what, std::string_view input) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    return Failure(std::string(what) + " failed with " + status.ToString() +
                       " instead of InvalidArgument",
                   input);
  }
  if (status.message().empty()) {
    return Failure(std::string(what) + " failed without a message", input);
  }
  return "";
}

// The first bytes of `data` as a T (zero-padded): fixed-width values for the
// formatters to start from.
template <typename T>
T Leading(std::string_view data) {
  unsigned char bytes[sizeof(T)] = {};
  std::memcpy(bytes, data.data(), std::min(sizeof(T), data.size()));
  T out;
  std::memcpy(&out, bytes, sizeof(T));
  return out;
}

// ---- pg_text_format_fuzzer ------------------------------------------------

// PostgreSQL's timestamp range (4714-11-24 BC to the end of 294276 AD), in
// microseconds since 2000-01-01: every value in it round-trips through text.
inline std::int64_t MinPgTimestamp() {
  return comparator::DaysFromCivil(-4713, 11, 24) * comparator::kMicrosPerDay;
}
inline std::int64_t EndPgTimestamp() {
  return comparator::DaysFromCivil(294277, 1, 1) * comparator::kMicrosPerDay;
}

// A one-dimensional array literal read the way PostgreSQL's array_in reads
// one (docs: "Array Value Input"): elements between braces, separated by
// commas; a double-quoted element holds anything, a backslash taking the next
// byte literally; an unquoted NULL is a null. Only the shapes PgArrayLiteral
// writes are accepted; nullopt for anything else.
inline std::optional<std::vector<std::optional<std::string>>> DecodePgArray(
    std::string_view s) {
  std::vector<std::optional<std::string>> out;
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return std::nullopt;
  s = s.substr(1, s.size() - 2);
  if (s.empty()) return out;
  while (true) {
    if (s.substr(0, 4) == "NULL") {
      out.emplace_back(std::nullopt);
      s.remove_prefix(4);
    } else if (!s.empty() && s.front() == '"') {
      std::string element;
      std::size_t i = 1;
      for (; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') {
          if (++i == s.size()) return std::nullopt;
        }
        element.push_back(s[i]);
      }
      if (i == s.size()) return std::nullopt;  // no closing quote
      out.emplace_back(std::move(element));
      s.remove_prefix(i + 1);
    } else {
      return std::nullopt;
    }
    if (s.empty()) return out;
    if (s.front() != ',') return std::nullopt;
    s.remove_prefix(1);
  }
}

// The whole input is parsed as a date, a timestamp, a timestamptz and a
// bytea: each either parses, and then formats to text that parses back to the
// same value, or is refused with InvalidArgument and a message. Its first
// bytes, as a day count, a microsecond count and raw bytes, are formatted:
// the text parses back to the same value (timestamps: within PostgreSQL's
// range; outside it the parser refuses rather than wrap). Its lines, as the
// elements of an array literal (empty lines as NULL in the nullable form),
// decode back unchanged.
inline std::string CheckPgTextFormat(std::string_view text) {
  using comparator::FormatPgBytea;
  using comparator::FormatPgDate;
  using comparator::FormatPgTimestamp;
  using comparator::FormatPgTimestampTz;
  using comparator::kTimestampInfinity;
  using comparator::kTimestampMinusInfinity;
  using comparator::ParsePgBytea;
  using comparator::ParsePgDate;
  using comparator::ParsePgTimestamp;
  using comparator::ParsePgTimestampTz;
  if (auto d = ParsePgDate(text); d.ok()) {
    const auto again = ParsePgDate(FormatPgDate(*d));
    if (!again.ok() || *again != *d) {
      return Failure("date does not round-trip via " + FormatPgDate(*d), text);
    }
  } else if (std::string e = CheckRefusal(d.status(), "date", text);
             !e.empty()) {
    return e;
  }
  struct TimestampForm {
    const char* what;
    absl::StatusOr<std::int64_t> (*parse)(std::string_view);
    std::string (*format)(std::int64_t);
  };
  for (const TimestampForm& f :
       {TimestampForm{"timestamp", ParsePgTimestamp, FormatPgTimestamp},
        TimestampForm{"timestamptz", ParsePgTimestampTz,
                      FormatPgTimestampTz}}) {
    if (auto t = f.parse(text); t.ok()) {
      const auto again = f.parse(f.format(*t));
      if (!again.ok() || *again != *t) {
        return Failure(
            std::string(f.what) + " does not round-trip via " + f.format(*t),
            text);
      }
    } else if (std::string e = CheckRefusal(t.status(), f.what, text);
               !e.empty()) {
      return e;
    }
    const auto micros = Leading<std::int64_t>(text);
    const std::string formatted = f.format(micros);
    const auto back = f.parse(formatted);
    const bool in_range =
        (micros >= MinPgTimestamp() && micros < EndPgTimestamp()) ||
        micros == kTimestampInfinity || micros == kTimestampMinusInfinity;
    if ((back.ok() && *back != micros) || (!back.ok() && in_range)) {
      return Failure(std::string(f.what) + " " + std::to_string(micros) +
                         " formatted as " + formatted + " does not parse back",
                     text);
    }
  }
  const auto days = Leading<std::int32_t>(text);
  if (const auto back = ParsePgDate(FormatPgDate(days));
      !back.ok() || *back != days) {
    return Failure("date " + std::to_string(days) + " formatted as " +
                       FormatPgDate(days) + " does not parse back",
                   text);
  }

  if (auto bytes = ParsePgBytea(text); bytes.ok()) {
    const auto again = ParsePgBytea(FormatPgBytea(*bytes));
    if (!again.ok() || *again != *bytes) {
      return Failure("bytea does not round-trip", text);
    }
  } else if (std::string e = CheckRefusal(bytes.status(), "bytea", text);
             !e.empty()) {
    return e;
  }
  if (const auto back = ParsePgBytea(FormatPgBytea(text));
      !back.ok() || *back != text) {
    return Failure("raw bytes do not round-trip through bytea hex", text);
  }

  const std::vector<std::string> lines = Lines(text);
  std::vector<std::optional<std::string>> nullable;
  for (const std::string& line : lines) {
    nullable.push_back(line.empty() ? std::nullopt
                                    : std::optional<std::string>(line));
  }
  const auto decoded = DecodePgArray(pg::PgArrayLiteral(lines));
  const auto decoded_nullable = DecodePgArray(pg::PgArrayLiteral(nullable));
  if (!decoded || decoded->size() != lines.size() || !decoded_nullable ||
      *decoded_nullable != nullable) {
    return Failure("array literal does not decode to its elements", text);
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if ((*decoded)[i] != lines[i]) {
      return Failure("array literal element " + std::to_string(i) +
                         " does not decode to itself",
                     text);
    }
  }
  return "";
}

// ---- normalizer_spec_fuzzer ----------------------------------------------

// The spec that names `n` (the inverse of AddNormalizerSpec for the
// normalizers a spec can name).
inline std::string SpecFor(const comparator::Normalizer& n) {
  using Type = comparator::Normalizer::Type;
  switch (n.type()) {
    case Type::kTrim:
      return "trim";
    case Type::kCaseFold:
      return "case-fold";
    case Type::kNullEqualsEmpty:
      return "null-equals-empty";
    case Type::kIntegerWidening:
      return "integer-widening";
    case Type::kCanonicalJson:
      return "canonical-json";
    case Type::kTruncateTimestamp: {
      // "truncate_timestamp(second)": the unit is between the parentheses.
      const std::string& name = n.name();
      const std::size_t open = name.find('(');
      if (open == std::string::npos || name.back() != ')') return name;
      return "truncate-timestamp=" +
             name.substr(open + 1, name.size() - open - 2);
    }
    case Type::kNumericTolerance: {
      // Shortest text that reads back as the same double.
      char buf[64];
      std::string spec = "numeric-tolerance=";
      auto r = std::to_chars(buf, buf + sizeof buf, n.absolute_tolerance());
      spec.append(buf, r.ptr);
      spec.push_back(':');
      r = std::to_chars(buf, buf + sizeof buf, n.relative_tolerance());
      spec.append(buf, r.ptr);
      return spec;
    }
    case Type::kCustom:
      break;
  }
  return n.name();  // not nameable by a spec: parsing it back fails
}

inline bool SameNormalizer(const comparator::Normalizer& a,
                           const comparator::Normalizer& b) {
  return a.type() == b.type() && a.name() == b.name() &&
         a.absolute_tolerance() == b.absolute_tolerance() &&
         a.relative_tolerance() == b.relative_tolerance();
}

// The input is --normalize arguments, one a line (each itself a
// comma-separated list), then a blank line and a sample value (without a
// blank line, the whole input is the sample too). ParseNormalizerSpecs either
// refuses the arguments with InvalidArgument listing the valid names, or gives
// a set whose every normalizer validates, is written back by SpecFor as a spec
// that parses to the same normalizer for the same column, and, applied to the
// sample as text, json and numeric (and to its first bytes as a timestamp and
// a double), finds each value equivalent to itself and
// canonicalizes idempotently: normalizing its own output changes nothing.
inline std::string CheckNormalizerSpec(std::string_view data) {
  using comparator::Normalizer;
  using comparator::Value;
  const std::size_t blank = data.find("\n\n");
  const std::string_view sample =
      blank == std::string_view::npos ? data : data.substr(blank + 2);
  const std::vector<std::string> specs = Lines(data.substr(0, blank));
  const auto set = comparator::ParseNormalizerSpecs(specs);
  if (!set.ok()) {
    if (std::string e = CheckRefusal(set.status(), "spec", data); !e.empty()) {
      return e;
    }
    if (set.status().message().find("valid: trim") == std::string_view::npos) {
      return Failure("refusal does not list the valid names: " +
                         std::string(set.status().message()),
                     data);
    }
    return "";
  }

  std::vector<std::pair<std::string, const Normalizer*>> all;  // column, n
  for (const Normalizer& n : set->for_all()) all.emplace_back("", &n);
  for (const auto& [column, n] : set->for_columns()) {
    if (column.empty()) return Failure("empty column accepted", data);
    all.emplace_back(column, &n);
  }
  std::vector<std::string> respecs;
  for (const auto& [column, n] : all) {
    if (!n->Validate().ok()) {
      return Failure("parsed normalizer " + n->name() + " does not validate",
                     data);
    }
    respecs.push_back(column.empty() ? SpecFor(*n)
                                     : SpecFor(*n) + "@" + column);
  }
  const auto again = comparator::ParseNormalizerSpecs(respecs);
  if (!again.ok()) {
    return Failure(
        "specs written back are refused: " + again.status().ToString(), data);
  }
  if (again->for_all().size() != set->for_all().size() ||
      again->for_columns().size() != set->for_columns().size()) {
    return Failure("specs written back give a different set", data);
  }
  for (std::size_t i = 0; i < set->for_all().size(); ++i) {
    if (!SameNormalizer(again->for_all()[i], set->for_all()[i])) {
      return Failure("normalizer " + set->for_all()[i].name() +
                         " written back as " + respecs[i] + " parses as " +
                         again->for_all()[i].name(),
                     data);
    }
  }
  for (std::size_t i = 0; i < set->for_columns().size(); ++i) {
    const auto& [column, n] = set->for_columns()[i];
    const auto& [column2, n2] = again->for_columns()[i];
    if (column != column2 || !SameNormalizer(n, n2)) {
      return Failure("column normalizer " + n.name() + "@" + column +
                         " does not round-trip",
                     data);
    }
  }

  const std::int64_t micros = Leading<std::int64_t>(sample);
  const Value samples[] = {
      Value::Text(std::string(sample)),
      Value::Json(std::string(sample)),
      Value::Numeric(std::string(sample)),
      Value::Text(""),
      Value::Timestamp(micros),
      Value::TimestampTz(micros),
      Value::Double(Leading<double>(sample)),
  };
  for (const auto& [column, n] : all) {
    for (const Value& v : samples) {
      if (!n->Equivalent(v, v)) {
        return Failure(n->name() + " does not find " + v.ToString() +
                           " equivalent to itself",
                       data);
      }
      if (n->is_tolerance()) continue;
      const Value once = n->Normalize(v);
      const Value twice = n->Normalize(once);
      if (!(twice == once)) {
        return Failure(n->name() + " is not idempotent on " + v.ToString() +
                           ": " + once.ToString() + " then " + twice.ToString(),
                       data);
      }
    }
  }
  return "";
}

// ---- conninfo_redaction_fuzzer -------------------------------------------

// How a fuzzer-chosen secret is placed in a connection string between a
// fuzzer-chosen prefix and suffix.
struct ConninfoForm {
  const char* name;
  const char* scheme;  // written before the prefix
  const char* before;  // between the prefix and the secret
  const char* after;   // between the secret and the suffix
  // Characters that, right before `before`, leave its keyword a keyword in
  // libpq's grammar (the start of the string always does). nullptr: the form
  // is a URL whose user and password end at the first '@' before any '/'.
  const char* keyword_after;
};

inline constexpr ConninfoForm kConninfoForms[] = {
    {"kv", "", "password=", "", " \t\n\v\f\r'"},
    {"kv-quoted", "", "password='", "'", " \t\n\v\f\r'"},
    {"kv-ssl", "", "sslpassword=", "", " \t\n\v\f\r'"},
    {"url", "postgresql://", ":", "@", nullptr},
    {"url-query", "postgresql://", "password=", "", "?&"},
    {"url-sslquery", "postgresql://", "sslpassword=", "", "?&"},
    // The secret wherever the fuzzer puts it: only libpq's reading counts.
    {"any", "", "", "", ""},
};

// Whether libpq, parsing `conninfo`, would send `secret` as (part of) a
// value it treats as secret (password, sslpassword). nullopt when libpq
// cannot parse the string.
inline std::optional<bool> LibpqSeesSecret(const std::string& conninfo,
                                           std::string_view secret) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);
  if (options == nullptr) return std::nullopt;
  bool seen = false;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && o->dispchar != nullptr &&
        std::strchr(o->dispchar, '*') != nullptr &&
        std::string_view(o->val).find(secret) != std::string_view::npos) {
      seen = true;
    }
  }
  PQconninfoFree(options);
  return seen;
}

// One input of conninfo_redaction_fuzzer, decoded.
struct ConninfoCase {
  std::string conninfo;
  std::string secret;
  // Whether the redacted form must not show the secret (see below).
  bool must_hide = false;
};

// The input is four lines: a form name (kConninfoForms), a prefix, a secret
// of at least six letters and digits, and a suffix (which may hold further
// newlines). The form places the secret between prefix and suffix: "kv"
// gives PREFIXpassword=SECRETSUFFIX, "url" gives
// postgresql://PREFIX:SECRET@SUFFIX, and so on. nullopt (the input is
// skipped) for any other shape, when the secret occurs more than once, or with
// a NUL (which no argument or environment variable can hold). The secret must
// be hidden when libpq reads it as (part of) a secret value, and also when
// libpq cannot parse the string but the form put the secret where libpq's
// grammar would (its keyword at a token boundary; a URL user without '@' or
// '/'): a broken string must not leak what its author meant as a password.
inline std::optional<ConninfoCase> DecodeConninfoCase(std::string_view data) {
  const std::vector<std::string_view> f = SplitFields(data, 4);
  if (f.size() < 3) return std::nullopt;
  const std::string_view prefix = f[1], secret = f[2];
  const std::string_view suffix = f.size() > 3 ? f[3] : "";
  if (secret.size() < 6) return std::nullopt;
  for (const char c : secret) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  }
  const ConninfoForm* form = nullptr;
  for (const ConninfoForm& candidate : kConninfoForms) {
    if (f[0] == candidate.name) form = &candidate;
  }
  if (form == nullptr) return std::nullopt;
  ConninfoCase c;
  c.secret = std::string(secret);
  c.conninfo = std::string(form->scheme) + std::string(prefix) + form->before +
               c.secret + form->after + std::string(suffix);
  if (c.conninfo.find(secret) != c.conninfo.rfind(secret) ||
      c.conninfo.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  const std::optional<bool> libpq = LibpqSeesSecret(c.conninfo, secret);
  c.must_hide = libpq.value_or(false);
  if (!libpq.has_value()) {
    if (form->keyword_after == nullptr) {
      c.must_hide = prefix.find_first_of("@/") == std::string_view::npos;
    } else if (*form->before != '\0') {
      c.must_hide = prefix.empty() ? *form->scheme == '\0'
                                   : std::strchr(form->keyword_after,
                                                 prefix.back()) != nullptr;
    }
  }
  return c;
}

// `secret` with every letter rotated by 13 and every digit by 5: a string of
// the same shape that shares no character position with it.
inline std::string Disguise(std::string_view secret) {
  std::string out(secret);
  for (char& c : out) {
    if (c >= '0' && c <= '9') c = static_cast<char>('0' + (c - '0' + 5) % 10);
    if (c >= 'a' && c <= 'z') c = static_cast<char>('a' + (c - 'a' + 13) % 26);
    if (c >= 'A' && c <= 'Z') c = static_cast<char>('A' + (c - 'A' + 13) % 26);
  }
  return out;
}

// RedactPostgresUrl's output never shows the secret it must hide. Showing it
// means: the output contains the secret, and stops containing it when the
// secret in the input is disguised. The output may contain the secret's
// letters for other reasons (the secret "passwor" is in every "password=***",
// a percent-encoded host can decode to it), and then disguising changes
// nothing.
inline std::string CheckConninfoRedaction(std::string_view data) {
  const std::optional<ConninfoCase> c = DecodeConninfoCase(data);
  if (!c.has_value() || !c->must_hide) return "";
  const std::string redacted = pg::RedactPostgresUrl(c->conninfo);
  if (redacted.find(c->secret) == std::string::npos) return "";
  std::string disguised = c->conninfo;
  disguised.replace(disguised.find(c->secret), c->secret.size(),
                    Disguise(c->secret));
  if (pg::RedactPostgresUrl(disguised).find(c->secret) == std::string::npos) {
    return Failure(
        "the secret " + c->secret + " is in the redacted form " + redacted,
        c->conninfo);
  }
  return "";
}

}  // namespace cutover::fuzz

#endif  // CUTOVER_TESTS_FUZZ_FUZZ_PROPERTIES_H_
