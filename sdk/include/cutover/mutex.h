// The mutex, lock guards and condition variable every cutover class guards its
// state with.
//
// In a normal build these are abseil's own types (`absl::Mutex`, ...): no
// wrapper, no cost. Under ThreadSanitizer they are a small implementation over
// the standard library instead, because Debian's abseil is compiled without
// TSan: absl::Mutex synchronizes through futexes inside the uninstrumented
// library, TSan never sees the happens-before edges, and every access guarded
// by such a mutex is reported as a race. The standard mutex goes through
// pthreads, which TSan intercepts, so the reports left are real ones.
//
// Only the subset of abseil's interface cutover uses is provided; code written
// against it compiles unchanged in both builds. Everything built together must
// agree on TSan or not (the class layouts differ), as for any TSan build.
//
// Thread-safety: Mutex and CondVar are, by their nature, safe to use from any
// number of threads; a lock guard belongs to the thread that made it.
#ifndef CUTOVER_MUTEX_H_
#define CUTOVER_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#if defined(__SANITIZE_THREAD__)
#define CUTOVER_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CUTOVER_THREAD_SANITIZER 1
#endif
#endif

#ifdef CUTOVER_THREAD_SANITIZER
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#endif

namespace cutover {
inline namespace sdk {

#ifndef CUTOVER_THREAD_SANITIZER

using Mutex = absl::Mutex;
using MutexLock = absl::MutexLock;
using ReaderMutexLock = absl::ReaderMutexLock;
using CondVar = absl::CondVar;

#else  // CUTOVER_THREAD_SANITIZER

namespace mutex_internal {
// A wait of at most a day at a time: std::chrono's wait_for overflows (and
// returns at once) for durations near the maximum, e.g. an infinite timeout.
inline std::chrono::nanoseconds BoundedWait(absl::Duration d) {
  return absl::ToChronoNanoseconds(std::min(d, absl::Hours(24)));
}
}  // namespace mutex_internal

// Exclusive only: a reader lock is a writer lock here. That serializes readers
// but cannot hide a race, which is all a TSan build needs.
class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  // absl::Mutex is constant-initialized for globals; this one is initialized
  // dynamically (std::condition_variable has no constexpr constructor), which
  // is fine for a global not used before main.
  explicit Mutex(absl::ConstInitType) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  // Wakes every Await: as with absl::Mutex, a condition is re-evaluated
  // whenever the state it reads may have changed, i.e. after any unlock.
  // Notified while still held: once unlocked, an awaiting thread may return
  // and destroy the object this mutex lives in (a Notification on its stack).
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    changed_.notify_all();
    mu_.unlock();
  }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() { Lock(); }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() { Unlock(); }

  // REQUIRES: held. Returns once `cond` holds, with the mutex held.
  void Await(const absl::Condition& cond) {
    AwaitWithDeadline(cond, absl::InfiniteFuture());
  }
  // REQUIRES: held. Returns whether `cond` holds; the mutex is held on return
  // either way.
  bool AwaitWithTimeout(const absl::Condition& cond, absl::Duration timeout) {
    return AwaitWithDeadline(cond, absl::Now() + timeout);
  }
  bool AwaitWithDeadline(const absl::Condition& cond, absl::Time deadline) {
    std::unique_lock<std::mutex> held(mu_, std::adopt_lock);
    bool satisfied = cond.Eval();
    while (!satisfied) {
      if (deadline == absl::InfiniteFuture()) {
        changed_.wait(held);
      } else {
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) break;
        changed_.wait_for(held, mutex_internal::BoundedWait(left));
      }
      satisfied = cond.Eval();
    }
    held.release();  // the caller's lock guard still owns it
    return satisfied;
  }

  // BasicLockable, so CondVar can wait on it.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { Unlock(); }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }

 private:
  Mutex* const mu_;
};

// Readers take the lock exclusively in this build (see Mutex).
using ReaderMutexLock = MutexLock;

class CondVar {
 public:
  // REQUIRES: `mu` held; it is held again on return.
  void Wait(Mutex* mu) { cv_.wait(*mu); }
  // Returns true when the timeout expired without a signal (absl's contract).
  // A wait longer than a day wakes after a day as if signalled, which absl
  // allows (a spurious wakeup: callers re-check their condition).
  bool WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
    const bool expired =
        cv_.wait_for(*mu, mutex_internal::BoundedWait(timeout)) ==
        std::cv_status::timeout;
    return expired && timeout < absl::Hours(24);
  }
  // Returns true when the deadline passed without a signal.
  bool WaitWithDeadline(Mutex* mu, absl::Time deadline) {
    return WaitWithTimeout(mu, deadline - absl::Now());
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable_any cv_;
};

#endif  // CUTOVER_THREAD_SANITIZER

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_MUTEX_H_
