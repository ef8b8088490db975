// PollUntil: waits for a condition the test cannot be notified of (a server
// that starts refusing, a client that notices an outage) by checking it until
// it holds or a deadline passes. A fixed sleep followed by an assertion fails
// on a slow machine and wastes time on a fast one; this waits exactly as long
// as needed, and the deadline only bounds a test that is failing anyway.
//
// Thread-safety: calls `done` from the calling thread only.
#ifndef CUTOVER_TESTS_SUPPORT_POLL_H_
#define CUTOVER_TESTS_SUPPORT_POLL_H_

#include <chrono>
#include <thread>

namespace cutover::testing {

// Generous: only a failing test waits this long.
inline constexpr std::chrono::seconds kPollDeadline{30};

// Calls `done` until it returns true (returns true) or `timeout` has passed
// (returns false), pausing `interval` between calls so that a condition that
// asks a server does not flood it.
template <typename Done>
bool PollUntil(
    Done&& done, std::chrono::milliseconds timeout = kPollDeadline,
    std::chrono::milliseconds interval = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
  return true;
}

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SUPPORT_POLL_H_
