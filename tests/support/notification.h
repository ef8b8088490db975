// A one-shot event for tests, over cutover::Mutex so ThreadSanitizer sees its
// synchronization (absl::Notification's happens inside Debian's uninstrumented
// abseil). Same interface as the part of absl::Notification the tests use.
//
// Thread-safety: safe to use from any number of threads.
#ifndef CUTOVER_TESTS_SUPPORT_NOTIFICATION_H_
#define CUTOVER_TESTS_SUPPORT_NOTIFICATION_H_

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "cutover/mutex.h"

namespace cutover::testing {

class Notification {
 public:
  void Notify() {
    MutexLock lock(&mu_);
    notified_ = true;
  }
  bool HasBeenNotified() const {
    MutexLock lock(&mu_);
    return notified_;
  }
  // Returns whether Notify was called before `timeout` ran out.
  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&notified_), timeout);
  }

 private:
  mutable Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SUPPORT_NOTIFICATION_H_
