// The clocks an experiment reads, only on the sampled path: a monotonic clock
// for wall time and deadlines, a coarse real-time clock for the result's
// timestamp (its minute keys the counters), and optionally the executing
// thread's CPU time.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_EXPERIMENT_CLOCK_H_
#define CUTOVER_EXPERIMENT_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace cutover {
inline namespace sdk {
namespace experiment_internal {

inline std::int64_t ToNanos(const timespec& ts) {
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// CLOCK_MONOTONIC through the vDSO: about 16 ns here, never goes backwards.
inline std::int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ToNanos(ts);
}

// Unix time in milliseconds with the kernel tick's resolution (1-4 ms): about
// 4 ns, and precise enough to pick a result's minute.
inline std::int64_t UnixMillisCoarse() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

// CPU time consumed by the calling thread: a system call (about 170 ns), so
// only read when an experiment asks for CPU time.
inline std::int64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ToNanos(ts);
}

}  // namespace experiment_internal
}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_CLOCK_H_
