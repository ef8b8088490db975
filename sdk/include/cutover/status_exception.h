// Carrying an absl::Status through code that reports failure by throwing.
//
// The migration router speaks absl::Status to the application, but its reads
// run inside the experiment engine, which observes failures as exceptions
// (so that the control's own failure reaches the caller unchanged). A read
// callable's error status travels through the engine as a StatusError and
// comes out on the other side as the same status.
//
// Thread-safety: StatusError is an immutable value; the functions are pure.
#ifndef CUTOVER_STATUS_EXCEPTION_H_
#define CUTOVER_STATUS_EXCEPTION_H_

#include <exception>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace cutover {
inline namespace sdk {

// An exception holding a non-OK status. what() is status.ToString().
class StatusError : public std::exception {
 public:
  explicit StatusError(absl::Status status);
  const absl::Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  absl::Status status_;
  std::string what_;
};

// The status of the exception being handled; call it only inside a catch
// block. A StatusError gives its own status unchanged; anything else gives
// Internal "<context> threw <type>: <what()>". Never throws.
absl::Status StatusFromCurrentException(std::string_view context) noexcept;

// `status` with "<prefix>: " in front of its message, same code and payloads.
// OK stays OK.
absl::Status PrefixStatus(std::string_view prefix, const absl::Status& status);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_STATUS_EXCEPTION_H_
