// Rolls for injected faults on the thread that runs a callable, and tells the
// traffic driver afterwards what was injected during the request it just made.
#ifndef CUTOVER_EXAMPLES_COMMON_FAULT_DICE_H_
#define CUTOVER_EXAMPLES_COMMON_FAULT_DICE_H_

#include <random>

namespace cutover::examples {

// True with probability `rate`, from a thread-local generator.
inline bool Roll(double rate) {
  if (rate <= 0) return false;
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < rate;
}

// What the current thread injected since the last Take().
struct InjectedFaults {
  bool bug = false;  // a read ran the buggy query
  // ... and its answer differed from the correct one (the bug does not change
  // every answer: a user without a pair has none either way).
  bool wrong_answer = false;
  bool new_write_failure = false;

  static InjectedFaults& Current() {
    thread_local InjectedFaults faults;
    return faults;
  }
  static InjectedFaults Take() {
    InjectedFaults out = Current();
    Current() = {};
    return out;
  }
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_FAULT_DICE_H_
