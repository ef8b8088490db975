#include "cutover/experiment_options.h"

namespace cutover {
inline namespace sdk {

std::string_view ExecutionModeName(ExecutionMode mode) {
  switch (mode) {
    case ExecutionMode::kSerial:
      return "serial";
    case ExecutionMode::kRandomOrder:
      return "random_order";
    case ExecutionMode::kConcurrent:
      return "concurrent";
  }
  return "unknown";
}

std::string_view OperationName(Operation operation) {
  switch (operation) {
    case Operation::kRunIf:
      return "run_if";
    case Operation::kBeforeRun:
      return "before_run";
    case Operation::kCompare:
      return "compare";
    case Operation::kCompareErrors:
      return "compare_errors";
    case Operation::kIgnore:
      return "ignore";
    case Operation::kClean:
      return "clean";
    case Operation::kPublish:
      return "publish";
  }
  return "unknown";
}

}  // namespace sdk
}  // namespace cutover
