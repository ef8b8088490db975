// PgPool against the real PostgreSQL: a connection per lease, reuse, the
// limit with a timeout that says what to do, connections that died (in use
// or idle) are replaced, and bad options or URLs are refused at creation.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "cutover/pg_pool.h"
#include "support/test_env.h"

namespace cutover::pg {
namespace {

using std::chrono::milliseconds;

std::shared_ptr<PgPool> MakePool(std::size_t max, milliseconds timeout) {
  PgPool::Options options;
  options.max_connections = max;
  options.acquire_timeout = timeout;
  options.on_connect = {"SET application_name = 'cutover_pool_test'"};
  auto pool = PgPool::Create(testing::DatabaseUrl(), options);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *pool : nullptr;
}

std::int64_t BackendPid(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec("SELECT pg_backend_pid()")[0][0].as<std::int64_t>();
}

// Ends a server process from another connection, as an operator's
// pg_terminate_backend would, and waits until it is gone (termination is
// asynchronous).
void TerminateBackend(std::int64_t pid) {
  pqxx::connection killer(testing::DatabaseUrl());
  pqxx::nontransaction tx(killer);
  const std::string id = std::to_string(pid);
  tx.exec("SELECT pg_terminate_backend(" + id + ")");
  for (int i = 0; i < 500; ++i) {
    if (tx.exec("SELECT 1 FROM pg_stat_activity WHERE pid = " + id).empty()) {
      return;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
}

TEST(PgPoolTest, LeasesAreExclusiveAndReused) {
  auto pool = MakePool(2, milliseconds(100));
  ASSERT_NE(pool, nullptr);
  std::int64_t first_pid = 0;
  {
    auto a = pool->Acquire();
    auto b = pool->Acquire();
    ASSERT_TRUE(a.ok() && b.ok());
    first_pid = BackendPid(**a);
    EXPECT_NE(first_pid, BackendPid(**b));
    EXPECT_EQ(pool->stats().leased, 2u);
    pqxx::nontransaction tx(**a);
    EXPECT_EQ(tx.exec("SHOW application_name")[0][0].as<std::string>(),
              "cutover_pool_test");
  }
  EXPECT_EQ(pool->stats().idle, 2u);
  auto again = pool->Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(pool->stats().opened, 2u);  // no third connection was opened
}

TEST(PgPoolTest, FullPoolTimesOutNamingItsSize) {
  auto pool = MakePool(1, milliseconds(50));
  ASSERT_NE(pool, nullptr);
  auto held = pool->Acquire();
  ASSERT_TRUE(held.ok());
  auto refused = pool->Acquire();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(refused.status().message().find("all 1 connections"),
            absl::string_view::npos)
      << refused.status();
  EXPECT_NE(refused.status().message().find("max_connections"),
            absl::string_view::npos);
  EXPECT_EQ(pool->stats().timeouts, 1u);
}

TEST(PgPoolTest, WaiterGetsTheConnectionWhenItIsReturned) {
  auto pool = MakePool(1, milliseconds(10000));
  ASSERT_NE(pool, nullptr);
  auto held = std::make_unique<PgPool::Lease>(*pool->Acquire());
  std::thread releaser([&held] { held.reset(); });
  auto waited = pool->Acquire();
  releaser.join();
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(pool->stats().opened, 1u);
}

TEST(PgPoolTest, DeadConnectionIsReplaced) {
  auto pool = MakePool(1, milliseconds(1000));
  ASSERT_NE(pool, nullptr);
  std::int64_t pid = 0;
  {
    auto lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    pid = BackendPid(**lease);
    TerminateBackend(pid);
    try {
      pqxx::nontransaction dead(**lease);
      dead.exec("SELECT 1");
      ADD_FAILURE() << "the terminated connection still answered";
    } catch (const pqxx::broken_connection&) {
    }
  }
  auto fresh = pool->Acquire();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_NE(BackendPid(**fresh), pid);
  EXPECT_EQ(pool->stats().discarded, 1u);
}

// The server ends an idle connection's process (an operator, an idle-session
// timeout): the next Acquire must hand out a working connection, not the dead
// one.
TEST(PgPoolTest, ConnectionKilledWhileIdleIsNotHandedOut) {
  auto pool = MakePool(1, milliseconds(1000));
  ASSERT_NE(pool, nullptr);
  std::int64_t pid = 0;
  {
    auto lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    pid = BackendPid(**lease);
  }
  ASSERT_EQ(pool->stats().idle, 1u);
  TerminateBackend(pid);
  auto lease = pool->Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_NE(BackendPid(**lease), pid);  // throws if handed the dead one
  EXPECT_EQ(pool->stats().discarded, 1u);
  EXPECT_EQ(pool->stats().opened, 2u);
}

TEST(PgPoolTest, BadOptionsAndUrlsAreRefusedAtCreation) {
  PgPool::Options options;
  options.max_connections = 0;
  auto bad = PgPool::Create(testing::DatabaseUrl(), options);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("max_connections"),
            absl::string_view::npos);
  auto empty = PgPool::Create("", PgPool::Options{});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("DATABASE_URL"),
            absl::string_view::npos);
  auto down = PgPool::Create(
      "postgresql://app:secret@127.0.0.1:1/none?connect_timeout=2",
      PgPool::Options{});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(down.status().message().find("secret"), absl::string_view::npos)
      << down.status();
}

}  // namespace
}  // namespace cutover::pg
