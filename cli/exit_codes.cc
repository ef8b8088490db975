#include "exit_codes.h"

namespace cutover::cli {

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
      return kExitInvalid;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    default:
      return kExitOperational;
  }
}

}  // namespace cutover::cli
