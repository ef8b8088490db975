// Rendering JSON without exceptions. nlohmann::json::dump() throws on a string
// that is not valid UTF-8 (a user id typed with a stray byte, a hand-edited
// Redis value); cutover must never crash on that, so every dump goes through
// here and replaces bad bytes with U+FFFD.
//
// Thread-safety: pure function.
#ifndef CUTOVER_JSON_TEXT_H_
#define CUTOVER_JSON_TEXT_H_

#include <string>

#include "nlohmann/json.hpp"

namespace cutover {
inline namespace sdk {

inline std::string ToJsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_JSON_TEXT_H_
