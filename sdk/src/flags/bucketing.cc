#include "cutover/bucketing.h"

namespace cutover {
inline namespace sdk {

PrefixedBucketer::PrefixedBucketer(std::string_view salt) : prefix_(0) {
  prefix_.Update(salt);
  prefix_.Update(":");
}

int Bucket(std::string_view salt, std::string_view user_id) {
  return PrefixedBucketer(salt).Bucket(user_id);
}

}  // namespace sdk
}  // namespace cutover
