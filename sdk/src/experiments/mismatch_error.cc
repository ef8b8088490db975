#include "cutover/mismatch_error.h"

#include <utility>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

std::string Describe(const ObservationRecord& o) {
  if (o.raised) return StrCat("#<", o.error_type, ": ", o.error_message, ">");
  if (!o.ran) return "(did not run)";
  return o.value;
}

std::string Message(const ResultRecord& r) {
  return StrCat("experiment '", r.experiment,
                "' observations mismatched:\ncontrol:\n  ", Describe(r.control),
                "\ncandidate:\n  ", Describe(r.candidate), "\n");
}

}  // namespace

MismatchError::MismatchError(ResultRecord result)
    : std::runtime_error(Message(result)), result_(std::move(result)) {}

}  // namespace sdk
}  // namespace cutover
