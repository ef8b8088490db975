#include "cutover/status_exception.h"

#include <utility>

#include "cutover/experiment_error.h"
#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {

StatusError::StatusError(absl::Status status)
    : status_(std::move(status)), what_(status_.ToString()) {}

absl::Status StatusFromCurrentException(std::string_view context) noexcept {
  try {
    try {
      throw;
    } catch (const StatusError& e) {
      return e.status();
    } catch (...) {
      const ErrorInfo info = CaptureCurrentError();
      return absl::InternalError(StrCat(context, " threw ", info.TypeName(),
                                        info.message.empty() ? "" : ": ",
                                        info.message));
    }
  } catch (...) {
    // Building the message itself failed (out of memory): say as much as can
    // be said without allocating more.
    return absl::InternalError("exception (details unavailable)");
  }
}

absl::Status PrefixStatus(std::string_view prefix, const absl::Status& status) {
  if (status.ok()) return status;
  absl::Status out(status.code(),
                   StrCat(prefix, ": ", FromAbsl(status.message())));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& value) {
    out.SetPayload(url, value);
  });
  return out;
}

}  // namespace sdk
}  // namespace cutover
