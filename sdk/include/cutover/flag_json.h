// The flag document's JSON form, as stored in the `<prefix>flags` hash
// (docs/flags.md):
//
//   {"name": "pair_membership", "description": "...", "default_stage":
//   "dualwrite",
//    "killed": false, "sample_rate": 1.0, "version": 7,
//    "updated_at": "2026-11-21T10:00:00Z", "updated_by": "alice",
//    "rules": [{"users": ["u1", "u2"], "stage": "live"},
//              {"group": "staff", "stage": "live"},
//              {"percent": 10, "salt": "pm-2026", "stage": "shadow"}]}
//
// Thread-safety: pure functions.
#ifndef CUTOVER_FLAG_JSON_H_
#define CUTOVER_FLAG_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cutover/flag.h"
#include "nlohmann/json.hpp"

namespace cutover {
inline namespace sdk {

// Parses and validates a flag document strictly. On any problem returns
// InvalidArgument whose message names the field (e.g. `rules[2].percent`) and
// the problem: malformed JSON, unknown keys, wrong types, unknown stage, bad
// name, percent outside 0–100, sample rate outside 0–1, a rule with no or
// several matchers.
absl::StatusOr<Flag> ParseFlagJson(std::string_view text);
absl::StatusOr<Flag> FlagFromJson(const nlohmann::json& doc);

// Checks the fields of an in-memory flag with the same rules and messages as
// parsing.
absl::Status ValidateFlag(const Flag& flag);

// The stored form. Keys in a fixed order, so equal flags serialize to equal
// bytes.
nlohmann::json FlagToJson(const Flag& flag);
std::string SerializeFlag(const Flag& flag);

// One rule as JSON, e.g. {"group":"staff","stage":"live"}: for CLI output.
nlohmann::json RuleToJson(const Rule& rule);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_FLAG_JSON_H_
