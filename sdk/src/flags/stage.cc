#include "cutover/stage.h"

#include <array>

namespace cutover {
inline namespace sdk {
namespace {
constexpr std::array<std::string_view, kStageCount> kNames = {
    "off", "dualwrite", "shadow", "live", "rampdown", "complete"};
}  // namespace

std::string_view StageName(Stage stage) {
  return kNames[static_cast<int>(stage)];
}

std::string_view SideName(Side side) {
  return side == Side::kOld ? "old" : "new";
}

std::optional<Stage> ParseStage(std::string_view name) {
  for (int i = 0; i < kStageCount; ++i) {
    if (kNames[i] == name) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

std::string_view StageNamesForHelp() {
  return "off, dualwrite, shadow, live, rampdown, complete";
}

}  // namespace sdk
}  // namespace cutover
