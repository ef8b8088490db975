// The CLI's exit codes (docs/design.md, CLI contract). Scripts and runbooks
// depend on them: never renumber.
#ifndef CUTOVER_CLI_EXIT_CODES_H_
#define CUTOVER_CLI_EXIT_CODES_H_

#include "absl/status/status.h"

namespace cutover::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitOperational =
      1,  // Redis or PostgreSQL unreachable, timeout, persistent conflict
  kExitInvalid = 2,  // invalid input, or refused by a safety rule
  kExitNotFound = 3,
  kExitDivergent = 5,  // verify found differences; report says not ready
};

// InvalidArgument / FailedPrecondition / OutOfRange / AlreadyExists → 2,
// NotFound → 3, everything else → 1.
int ExitCodeFor(const absl::Status& status);

}  // namespace cutover::cli

#endif  // CUTOVER_CLI_EXIT_CODES_H_
