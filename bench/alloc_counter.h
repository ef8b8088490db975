// Counts heap allocations in a benchmark binary (the binary replaces global operator new),
// so a benchmark can report `allocs_per_eval` and prove a hot path allocates nothing.
#ifndef CUTOVER_BENCH_ALLOC_COUNTER_H_
#define CUTOVER_BENCH_ALLOC_COUNTER_H_

#include <cstdint>

namespace cutover::bench {

// Allocations made by all threads since the process started.
std::uint64_t AllocationCount();

}  // namespace cutover::bench

#endif  // CUTOVER_BENCH_ALLOC_COUNTER_H_
