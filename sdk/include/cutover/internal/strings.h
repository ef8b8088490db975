// Small string helpers for std::string_view.
//
// Why not absl/strings: Debian 12 builds abseil with
// ABSL_OPTION_USE_STD_STRING_VIEW=0, so absl::string_view is a distinct type
// and absl::StrCat / SimpleAtoi do not accept std::string_view. cutover's API
// speaks std::string_view; these helpers keep call sites short without
// converting at every boundary.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_STRINGS_H_
#define CUTOVER_STRINGS_H_

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace cutover {
inline namespace sdk {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

namespace strings_internal {
inline void Append(std::string* out, std::string_view s) {
  out->append(s.data(), s.size());
}
inline void Append(std::string* out, absl::string_view s) {
  out->append(s.data(), s.size());
}
inline void Append(std::string* out, const std::string& s) { out->append(s); }
inline void Append(std::string* out, const char* s) { out->append(s); }
inline void Append(std::string* out, char c) { out->push_back(c); }
inline void Append(std::string* out, bool b) {
  out->append(b ? "true" : "false");
}
inline void Append(std::string* out, double d) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", d);
  out->append(buf, static_cast<size_t>(n));
}
template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
void Append(std::string* out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out->append(buf, end);
}
}  // namespace strings_internal

// Concatenates strings, string views, characters, booleans and numbers.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (strings_internal::Append(&out, args), ...);
  return out;
}

// Parses the whole of `s` as a base-10 integer. False on any other character or
// overflow.
template <typename T>
bool ParseInteger(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Parses the whole of `s` as a decimal floating-point number.
inline bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points
// past U+10FFFF).
bool IsValidUtf8(std::string_view s);

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

inline bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (!StartsWith(*s, prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_STRINGS_H_
