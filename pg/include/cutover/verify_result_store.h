// Where `cutover verify --flag NAME` leaves its verdict for the report's
// contract-readiness check (docs/design.md, Redis layout):
//
//   key    <prefix>verify:<flag>        a Redis stream, capped at ~1000 entries
//   fields at                unix time of the verification, milliseconds
//          equal             "1" or "0"
//          rows_old          rows the old query returned
//          rows_new          rows the new query returned
//          difference_count  differences left after the re-checks
//          chunks            chunks the key range was cut into
//          seconds           how long the verification took
//
// Read the newest verdict with
//   XREVRANGE <prefix>verify:<flag> + - COUNT 1
//
// Thread-safety: functions only; the connection is used from the calling
// thread.
#ifndef CUTOVER_VERIFY_RESULT_STORE_H_
#define CUTOVER_VERIFY_RESULT_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/redis_connection.h"
#include "cutover/table_verifier.h"

namespace cutover::pg {

// "<prefix>verify:<flag>".
std::string VerifyStreamKey(std::string_view prefix, std::string_view flag);

// Checks a flag name as docs/design.md (Flag model) defines it:
// [a-z0-9_.-]{1,64}.
absl::Status ValidateVerifyFlagName(std::string_view flag);

// Appends `result` (taken at `at_ms`) to the flag's stream. Returns the entry
// id. Errors from Redis pass through (Unavailable when it is unreachable).
absl::StatusOr<std::string> RecordVerifyResult(RedisConnection& redis,
                                               std::string_view prefix,
                                               std::string_view flag,
                                               const VerifyResult& result,
                                               std::int64_t at_ms);

}  // namespace cutover::pg

#endif  // CUTOVER_VERIFY_RESULT_STORE_H_
