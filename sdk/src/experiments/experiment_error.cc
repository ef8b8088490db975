#include "cutover/experiment_error.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace cutover {
inline namespace sdk {
namespace {

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

}  // namespace

std::string ErrorInfo::TypeName() const {
  if (type == nullptr) return "unknown exception";
  int status = 0;
  std::unique_ptr<char, FreeDeleter> demangled(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status));
  if (status == 0 && demangled != nullptr) return demangled.get();
  return type->name();
}

ErrorInfo CaptureCurrentError() noexcept {
  ErrorInfo info;
  info.exception = std::current_exception();
  // The Itanium ABI (GCC, Clang) knows the type of whatever is in flight,
  // std::exception or not; typeid(std::exception&) alone would miss ints and
  // user types that do not derive from it.
  info.type = abi::__cxa_current_exception_type();
  try {
    throw;
  } catch (const std::exception& e) {
    try {
      info.message = e.what();
    } catch (...) {
      info.message.clear();
    }
  } catch (...) {
  }
  return info;
}

bool SameError(const ErrorInfo& a, const ErrorInfo& b) noexcept {
  const bool same_type = (a.type == nullptr || b.type == nullptr)
                             ? a.type == b.type
                             : *a.type == *b.type;
  return same_type && a.message == b.message;
}

}  // namespace sdk
}  // namespace cutover
