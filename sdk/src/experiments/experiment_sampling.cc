#include "cutover/internal/experiment_sampling.h"

#include <atomic>
#include <cmath>
#include <random>

#include "cutover/murmur3.h"

namespace cutover {
inline namespace sdk {
namespace {

std::uint64_t SplitMix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t SampleThreshold(double rate) {
  if (!(rate > 0)) return kSampleNever;
  if (rate >= 1) return kSampleAlways;
  // 2^64 as a double is exact; the product is < 2^64 because rate < 1.
  const double scaled = std::ldexp(rate, 64);
  if (scaled >= 18446744073709549568.0) return kSampleAlways - 1;
  return static_cast<std::uint64_t>(scaled);
}

std::uint32_t StickySampleHash(std::string_view salt, std::string_view key) {
  // The same incremental murmur3 as flag percentage bucketing.
  Murmur3x86_32 h(0);
  h.Update(salt);
  h.Update(":");
  h.Update(key);
  return h.Finish();
}

namespace experiment_internal {

std::uint64_t SeedThreadPrng() noexcept {
  // One random_device read per process, then a distinct stream per thread
  // from a counter: no clock, and two threads can never share a seed.
  static const std::uint64_t process_seed = [] {
    std::uint64_t seed = 0;
    try {
      std::random_device rd;
      seed = (std::uint64_t{rd()} << 32) ^ rd();
    } catch (...) {
      seed = reinterpret_cast<std::uintptr_t>(&seed);
    }
    return seed;
  }();
  static std::atomic<std::uint64_t> thread_counter{0};
  std::uint64_t s = SplitMix(process_seed ^ SplitMix(thread_counter.fetch_add(
                                                1, std::memory_order_relaxed)));
  if (s == 0) s = 1;
  tls_prng_state = s;
  return s;
}

}  // namespace experiment_internal
}  // namespace sdk
}  // namespace cutover
