// The six migration stages and what each one does to a request (docs/design.md,
// Stages).
//
// Thread-safety: everything here is a constant or a pure function.
#ifndef CUTOVER_STAGE_H_
#define CUTOVER_STAGE_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace cutover {
inline namespace sdk {

// Ordered: a later stage has moved further towards the new schema. Comparisons
// such as `stage >= Stage::kDualWrite` are part of the safety rules, so the
// order is fixed forever.
enum class Stage : std::uint8_t {
  kOff = 0,
  kDualWrite = 1,
  kShadow = 2,
  kLive = 3,
  kRampDown = 4,
  kComplete = 5,
};

inline constexpr int kStageCount = 6;

// One side of a migration: the old schema or the new one.
enum class Side : std::uint8_t { kOld = 0, kNew = 1 };

constexpr Side Other(Side side) {
  return side == Side::kOld ? Side::kNew : Side::kOld;
}

// What a stage does to one read and one write. Derived from the docs/design.md,
// Stages table.
struct StagePlan {
  // The side whose read is returned and whose write runs first and decides the
  // outcome.
  Side authoritative;
  // Whether the non-authoritative side is read too (and compared, subject to
  // sampling).
  bool compare_reads;
  // Whether the non-authoritative side is written after the authoritative write
  // succeeded.
  bool write_other;
};

constexpr StagePlan PlanFor(Stage stage) {
  switch (stage) {
    case Stage::kOff:
      return {Side::kOld, false, false};
    case Stage::kDualWrite:
      return {Side::kOld, false, true};
    case Stage::kShadow:
      return {Side::kOld, true, true};
    case Stage::kLive:
      return {Side::kNew, true, true};
    case Stage::kRampDown:
      return {Side::kNew, false, true};
    case Stage::kComplete:
      return {Side::kNew, false, false};
  }
  return {Side::kOld, false, false};
}

// "off", "dualwrite", "shadow", "live", "rampdown", "complete".
std::string_view StageName(Stage stage);
std::string_view SideName(Side side);  // "old" or "new"

// Parses a stage name as printed by StageName (exact, lower case). nullopt if
// unknown.
std::optional<Stage> ParseStage(std::string_view name);

// "off, dualwrite, shadow, live, rampdown, complete": for error messages.
std::string_view StageNamesForHelp();

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_STAGE_H_
