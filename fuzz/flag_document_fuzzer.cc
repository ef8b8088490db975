// Any bytes given to the flag document parser either fail with a message or
// give a flag that survives a serialize / parse round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cutover/flag_json.h"
#include "cutover/safety_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto flag = cutover::ParseFlagJson(text);
  if (!flag.ok()) {
    if (flag.status().message().empty()) std::abort();
    return 0;
  }
  auto again = cutover::ParseFlagJson(cutover::SerializeFlag(*flag));
  if (!again.ok() || !(*again == *flag)) std::abort();
  (void)cutover::CheckSafetyRules(&*flag, *again);
  return 0;
}
