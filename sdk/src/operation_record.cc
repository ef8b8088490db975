#include "cutover/operation_record.h"

namespace cutover {

std::string_view MigrationOperationName(MigrationOperation operation) {
  return operation == MigrationOperation::kRead ? "read" : "write";
}

}  // namespace cutover
