// The exception an experiment configured with raise_on_mismatch throws when
// control and candidate disagree: meant for tests and development, where a
// mismatch should fail loudly instead of only being counted.
//
// Thread-safety: immutable after construction.
#ifndef CUTOVER_MISMATCH_ERROR_H_
#define CUTOVER_MISMATCH_ERROR_H_

#include <stdexcept>
#include <string>
#include <string_view>

#include "cutover/experiment_result.h"

namespace cutover {
inline namespace sdk {

class MismatchError : public std::runtime_error {
 public:
  // what() reads, as in Scientist:
  //   experiment 'NAME' observations mismatched:
  //   control:
  //     <cleaned control value, or #<ErrorType: message>>
  //   candidate:
  //     <cleaned candidate value, or #<ErrorType: message>>
  explicit MismatchError(ResultRecord result);

  // The experiment's name.
  std::string_view name() const { return result_.experiment; }
  // The published result that failed.
  const ResultRecord& result() const { return result_; }

 private:
  ResultRecord result_;
};

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_MISMATCH_ERROR_H_
