// Google Benchmark entry point; every other file in this folder registers benchmarks.
// JSON for scripts: --benchmark_format=json (or --benchmark_out=FILE --benchmark_out_format=json).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
