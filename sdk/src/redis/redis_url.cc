#include "cutover/redis_url.h"

#include <cctype>
#include <string>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

// Percent-decoding lets passwords contain '@', ':' or '/'.
absl::StatusOr<std::string> PercentDecode(std::string_view in,
                                          std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) {
      return absl::InvalidArgumentError(
          StrCat("Redis URL: bad percent-escape in the ", what));
    }
    int value = 0;
    for (int k = 1; k <= 2; ++k) {
      const char c = in[i + k];
      value *= 16;
      if (c >= '0' && c <= '9') {
        value += c - '0';
      } else if (std::isxdigit(static_cast<unsigned char>(c))) {
        value += std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
      } else {
        return absl::InvalidArgumentError(
            StrCat("Redis URL: bad percent-escape in the ", what));
      }
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

}  // namespace

// Escapes what would change how the URL parses back ('%', ':', '@', '/') and
// bytes that are not printable, so the redacted URL names exactly the same
// user.
static std::string PercentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : in) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F || c == '%' || c == ':' || c == '@' ||
        c == '/') {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string RedisEndpoint::Redacted() const {
  std::string out = "redis://";
  if (!user.empty() || !password.empty()) {
    // "user:@" keeps a user without a password from reading back as a password.
    out += StrCat(PercentEncode(user), password.empty() ? ":" : ":***", "@");
  }
  const bool ipv6 = host.find(':') != std::string::npos;
  out += StrCat(ipv6 ? "[" : "", host, ipv6 ? "]" : "", ":", port);
  if (db != 0) out += StrCat("/", db);
  return out;
}

absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kHint =
      " (expected redis://[user:password@]host:port[/db], e.g. "
      "redis://127.0.0.1:6379)";
  if (StartsWith(url, "rediss://")) {
    return absl::InvalidArgumentError(
        "Redis URL uses rediss:// but TLS is not supported by this build; use "
        "a TLS proxy "
        "such as stunnel and point cutover at it with redis://");
  }
  if (!ConsumePrefix(&url, "redis://")) {
    return absl::InvalidArgumentError(
        StrCat("Redis URL must start with redis://", kHint));
  }
  RedisEndpoint ep;
  // The userinfo ends at the last '@' so that an unescaped '@' in a password
  // still parses.
  if (const size_t at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = url.substr(0, at);
    url.remove_prefix(at + 1);
    const size_t colon = userinfo.find(':');
    std::string_view user = userinfo.substr(0, colon);
    std::string_view password = colon == std::string_view::npos
                                    ? std::string_view()
                                    : userinfo.substr(colon + 1);
    auto u = PercentDecode(user, "user name");
    if (!u.ok()) return u.status();
    auto p = PercentDecode(password, "password");
    if (!p.ok()) return p.status();
    ep.user = *std::move(u);
    ep.password = *std::move(p);
    if (colon == std::string_view::npos) {
      // redis://secret@host means a password without a user, as redis-cli -u
      // reads it.
      ep.password = std::move(ep.user);
      ep.user.clear();
    }
  }
  std::string_view hostport = url;
  if (const size_t slash = url.find('/'); slash != std::string_view::npos) {
    hostport = url.substr(0, slash);
    std::string_view db = url.substr(slash + 1);
    if (!db.empty() && (!ParseInteger(db, &ep.db) || ep.db < 0)) {
      return absl::InvalidArgumentError(
          StrCat("Redis URL: database '", db, "' is not a non-negative integer",
                 kHint));
    }
  }
  // The port's colon is the last one, unless it sits inside an IPv6 literal's
  // brackets.
  size_t colon = hostport.rfind(':');
  if (const size_t bracket = hostport.rfind(']');
      bracket != std::string_view::npos && colon != std::string_view::npos &&
      colon < bracket) {
    colon = std::string_view::npos;
  }
  std::string_view host = hostport.substr(0, colon);
  if (host.empty()) {
    return absl::InvalidArgumentError(StrCat("Redis URL has no host", kHint));
  }
  // An IPv6 literal comes in brackets ([::1]); hiredis wants it bare.
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  for (char c : host) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F || c == '[' || c == ']' || c == '@' ||
        c == '/') {
      return absl::InvalidArgumentError(
          StrCat("Redis URL: the host is not a host name or address", kHint));
    }
  }
  ep.host = std::string(host);
  if (colon != std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    if (!ParseInteger(port, &ep.port) || ep.port <= 0 || ep.port > 65535) {
      return absl::InvalidArgumentError(
          StrCat("Redis URL: port '", port, "' is not a number from 1 to 65535",
                 kHint));
    }
  }
  return ep;
}

}  // namespace sdk
}  // namespace cutover
