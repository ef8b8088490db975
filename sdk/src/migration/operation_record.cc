#include "cutover/operation_record.h"

namespace cutover {
inline namespace sdk {

std::string_view MigrationOperationName(MigrationOperation operation) {
  return operation == MigrationOperation::kRead ? "read" : "write";
}

}  // namespace sdk
}  // namespace cutover
