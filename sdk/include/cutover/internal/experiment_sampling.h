// Sampling decisions for experiments: whether a run compares at all.
//
// Random sampling draws from a per-thread PRNG (splitmix64), seeded once per
// thread, so the decision takes a few nanoseconds, needs no lock and no clock,
// and threads never contend.
//
// Sticky sampling keys the decision by a string (normally the user id): the
// same key is always in or always out, in every process and language:
//   sampled  iff  murmur3_x86_32(salt + ":" + key, seed 0) < rate * 2^32
// (rate 1 samples everything). The salt is the experiment's (default: its
// name), so different experiments pick different users.
//
// Thread-safety: every function may be called from any thread.
#ifndef CUTOVER_EXPERIMENT_SAMPLING_H_
#define CUTOVER_EXPERIMENT_SAMPLING_H_

#include <cstdint>
#include <limits>
#include <string_view>

namespace cutover {
inline namespace sdk {

// A sample rate turned into an integer threshold: a draw `d` (uniform 64-bit)
// is in iff d < threshold. kSampleNever and kSampleAlways short-cut the draw.
inline constexpr std::uint64_t kSampleNever = 0;
inline constexpr std::uint64_t kSampleAlways =
    std::numeric_limits<std::uint64_t>::max();

// rate <= 0 (or NaN) -> kSampleNever, rate >= 1 -> kSampleAlways, otherwise
// rate * 2^64 rounded down.
std::uint64_t SampleThreshold(double rate);

// murmur3_x86_32(salt + ":" + key, seed 0), computed without building the
// string.
std::uint32_t StickySampleHash(std::string_view salt, std::string_view key);

// The sticky decision for `key` at `threshold` (see SampleThreshold). Compares
// the 32-bit hash scaled to 64 bits, so both forms of the rule agree.
inline bool StickySampled(std::uint64_t threshold, std::string_view salt,
                          std::string_view key) {
  if (threshold == kSampleNever) return false;
  if (threshold == kSampleAlways) return true;
  return (std::uint64_t{StickySampleHash(salt, key)} << 32) < threshold;
}

namespace experiment_internal {

// The calling thread's PRNG state; 0 means "not seeded yet". Constant-
// initialised and initial-exec, so reading it is one TLS load: no guard, no
// __tls_get_addr call.
inline thread_local std::uint64_t tls_prng_state
    __attribute__((tls_model("initial-exec"))) = 0;

// Seeds the calling thread's state (once per thread) and returns it.
std::uint64_t SeedThreadPrng() noexcept;

}  // namespace experiment_internal

// A uniformly distributed 64-bit number from the calling thread's PRNG.
inline std::uint64_t ThreadRandom() noexcept {
  std::uint64_t s = experiment_internal::tls_prng_state;
  if (__builtin_expect(s == 0, 0)) s = experiment_internal::SeedThreadPrng();
  s += 0x9E3779B97F4A7C15ull;
  experiment_internal::tls_prng_state = s;
  std::uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The random decision at `threshold`.
inline bool RandomSampled(std::uint64_t threshold) noexcept {
  if (threshold == kSampleNever) return false;
  if (threshold == kSampleAlways) return true;
  return ThreadRandom() < threshold;
}

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_EXPERIMENT_SAMPLING_H_
