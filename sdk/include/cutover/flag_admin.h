// Changing flags safely: read, modify, validate, check the safety rules,
// compare-and-set, and retry when another operator wrote first. The CLI is a
// thin layer over this class; applications that manage flags from code use it
// too.
//
// Thread-safety: safe to use from several threads; the store serializes the
// writes.
#ifndef CUTOVER_FLAG_ADMIN_H_
#define CUTOVER_FLAG_ADMIN_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cutover/flag.h"
#include "cutover/flag_store.h"
#include "cutover/retry_policy.h"

namespace cutover {
inline namespace sdk {

struct ChangeOptions {
  std::string actor = "unknown";
  bool force = false;  // override safety rules 1-3; recorded in the audit entry
};

class FlagAdmin {
 public:
  // How a write that lost the compare-and-set to another operator is retried:
  // the other write is already done, so pauses stay short (at most 50 ms);
  // 49 retries let a crowd of operators all get their change in.
  static constexpr RetryOptions kDefaultRetry{
      std::chrono::milliseconds(2), std::chrono::milliseconds(50), 49};

  // `store` must outlive the admin. An invalid `retry` (ValidateRetryOptions)
  // is replaced by kDefaultRetry.
  explicit FlagAdmin(FlagStore& store, RetryOptions retry = kDefaultRetry);

  // The stored flag. NotFound when absent; DataLoss when the stored document is
  // corrupt, with the parser's reason.
  absl::StatusOr<Flag> Get(std::string_view name);
  // Every flag, sorted by name; corrupt documents are reported in `corrupt`
  // (name: reason).
  absl::StatusOr<std::vector<Flag>> List(
      std::vector<std::string>* corrupt = nullptr);

  // Stores a new flag (version 1). AlreadyExists if it exists; InvalidArgument
  // if invalid; FailedPrecondition if it breaks a safety rule and is not
  // forced.
  absl::StatusOr<Flag> Create(Flag flag, const ChangeOptions& options);

  // Applies `mutate` to the stored flag and writes the result. `mutate` may run
  // several times (once per attempt) and must only change the flag it is given;
  // an error it returns aborts the update. Returns the flag as stored. Errors:
  // NotFound, DataLoss (corrupt), InvalidArgument, FailedPrecondition (safety
  // rule), Aborted (the conflict persisted through every retry), Unavailable /
  // DeadlineExceeded (store unreachable). Nothing is written on error.
  absl::StatusOr<Flag> Update(std::string_view name, std::string_view action,
                              const std::function<absl::Status(Flag&)>& mutate,
                              const ChangeOptions& options);

  // Removes the flag (a corrupt document can be deleted too). NotFound when
  // absent.
  absl::Status Delete(std::string_view name, const ChangeOptions& options);

 private:
  FlagStore& store_;
  const RetryOptions retry_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_FLAG_ADMIN_H_
