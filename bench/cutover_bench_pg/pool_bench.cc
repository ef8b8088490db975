// BM_PoolAcquire: what lending a pooled connection costs a request. Acquire
// takes an idle connection and first checks it for a server hang-up (one
// non-blocking poll) so a connection killed while idle is never lent out;
// the lease goes back on destruction.
//
//   Time               one Acquire + return of an idle connection
//   BM_PoolAcquireAndQuery/  the same plus `SELECT 1` on it, for scale: the
//                      round trip any request pays anyway
//
// Needs DATABASE_URL (scripts/services start && source .run/env).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "cutover/pg_pool.h"

namespace {

void SkipWith(benchmark::State& state, const absl::Status& status) {
  state.SkipWithError(std::string(status.message()).c_str());
}

std::shared_ptr<cutover::pg::PgPool> MakePool(benchmark::State& state) {
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    state.SkipWithError(
        "DATABASE_URL is not set: scripts/services start && source .run/env");
    return nullptr;
  }
  auto pool = cutover::pg::PgPool::Create(url, {});
  if (!pool.ok()) {
    SkipWith(state, pool.status());
    return nullptr;
  }
  return *pool;
}

void BM_PoolAcquire(benchmark::State& state) {
  auto pool = MakePool(state);
  if (pool == nullptr) return;
  for (auto _ : state) {
    auto lease = pool->Acquire();
    if (!lease.ok()) return SkipWith(state, lease.status());
    benchmark::DoNotOptimize(&**lease);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["opened"] = static_cast<double>(pool->stats().opened);
}
BENCHMARK(BM_PoolAcquire);

void BM_PoolAcquireAndQuery(benchmark::State& state) {
  auto pool = MakePool(state);
  if (pool == nullptr) return;
  for (auto _ : state) {
    auto lease = pool->Acquire();
    if (!lease.ok()) return SkipWith(state, lease.status());
    pqxx::nontransaction tx(**lease);
    benchmark::DoNotOptimize(tx.exec("SELECT 1"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PoolAcquireAndQuery)->UseRealTime();

}  // namespace
