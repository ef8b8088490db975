#include "cutover/verify_result_store.h"

#include <cstdio>

#include "cutover/internal/strings.h"

namespace cutover::pg {

std::string VerifyStreamKey(std::string_view prefix, std::string_view flag) {
  return StrCat(prefix, "verify:", flag);
}

absl::Status ValidateVerifyFlagName(std::string_view flag) {
  bool ok = !flag.empty() && flag.size() <= 64;
  for (const char c : flag) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '.' || c == '-');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("--flag '", flag,
             "' is not a flag name: use 1-64 characters from [a-z0-9_.-]"));
}

absl::StatusOr<std::string> RecordVerifyResult(RedisConnection& redis,
                                               std::string_view prefix,
                                               std::string_view flag,
                                               const VerifyResult& result,
                                               std::int64_t at_ms) {
  const std::string key = VerifyStreamKey(prefix, flag);
  const std::string at = StrCat(at_ms);
  const std::string rows_old = StrCat(result.rows_old);
  const std::string rows_new = StrCat(result.rows_new);
  const std::string differences = StrCat(result.difference_count);
  const std::string chunks = StrCat(result.chunks);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", result.seconds);
  absl::StatusOr<RedisReplyPtr> reply = redis.Command(
      {"XADD",      key,      "MAXLEN",   "~",       "1000",
       "*",         "at",     at,         "equal",   result.equal ? "1" : "0",
       "rows_old",  rows_old, "rows_new", rows_new,  "difference_count",
       differences, "chunks", chunks,     "seconds", seconds});
  if (!reply.ok()) {
    return absl::Status(reply.status().code(),
                        StrCat("recording the verification in ", key, ": ",
                               reply.status().message()));
  }
  return std::string(ReplyString(reply->get()));
}

}  // namespace cutover::pg
