// What an experiment keeps of an exception thrown by a behaviour or a
// callback: the exception itself (so the control's can be rethrown unchanged),
// its dynamic type and its message.
//
// Thread-safety: ErrorInfo is a value type; the functions are pure.
#ifndef CUTOVER_EXPERIMENT_ERROR_H_
#define CUTOVER_EXPERIMENT_ERROR_H_

#include <exception>
#include <string>
#include <typeinfo>

namespace cutover {
inline namespace sdk {

struct ErrorInfo {
  // The exception as thrown; rethrow it with std::rethrow_exception.
  std::exception_ptr exception;
  // Its dynamic type; nullptr only if the runtime could not tell.
  const std::type_info* type = nullptr;
  // what() for a std::exception, empty for anything else thrown.
  std::string message;

  // The demangled type name ("std::runtime_error"), or "unknown exception".
  std::string TypeName() const;
};

// Captures the exception being handled. Call it only inside a catch block.
// Never throws: if copying the message fails, the message is left empty.
ErrorInfo CaptureCurrentError() noexcept;

// The default `compare_errors`, as in Scientist: two errors are equivalent when
// they have the same dynamic type and the same message.
bool SameError(const ErrorInfo& a, const ErrorInfo& b) noexcept;

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_ERROR_H_
