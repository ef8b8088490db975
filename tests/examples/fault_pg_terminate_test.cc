// PostgreSQL connections killed (pg_terminate_backend) while the
// pair_membership example dual-writes from 4 threads: the application keeps
// going (a request whose connection died fails as it would without cutover),
// nothing is lost, and after reconcile the old and the new schema agree. Kills
// every other client connection to the test database, so this file runs alone.
#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "common/example_cli.h"
#include "common/traffic.h"
#include "cutover/flag_admin.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "pair_membership/pair_membership_example.h"
#include "support/notification.h"
#include "support/test_env.h"

namespace cutover::examples {
namespace {

TEST(FaultPgTerminateTest,
     DualWritesSurviveKilledConnectionsWithoutLosingRows) {
  const std::string prefix = testing::UniquePrefix("pg-terminate");
  const std::string schema = "terminate_" + std::to_string(getpid());
  setenv("CUTOVER_EXAMPLE_SCHEMA", schema.c_str(), 1);
  setenv("CUTOVER_PREFIX", prefix.c_str(), 1);
  setenv("CUTOVER_REDIS_URL", testing::RedisUrl().c_str(), 1);
  setenv("DATABASE_URL", testing::DatabaseUrl().c_str(), 1);
  PairMembershipExample example;
  const ExampleEnvironment env = ExampleEnvironment::FromProcessEnvironment();
  auto cli = [&example](std::vector<std::string> args) {
    args.insert(args.begin(), "example");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return RunExampleCli(example, static_cast<int>(argv.size()), argv.data());
  };
  constexpr std::int64_t kUsers = 3000;
  ASSERT_EQ(cli({"setup", "--users", std::to_string(kUsers)}), 0);
  ASSERT_EQ(cli({"expand"}), 0);
  auto store = *RedisFlagStore::FromUrl(env.redis_url, prefix);
  Flag flag;
  flag.name = example.flag();
  flag.default_stage = Stage::kDualWrite;
  ASSERT_TRUE(FlagAdmin(*store).Create(flag, {"test", false}).ok());
  ASSERT_EQ(cli({"backfill", "--batch", "1000"}), 0);

  std::atomic<bool> stop{false};
  std::atomic<int> killed{0};
  testing::Notification started;     // the application is up
  testing::Notification first_kill;  // and has lost a connection
  std::thread killer([&] {
    pqxx::connection conn(env.database_url);
    pqxx::nontransaction tx(conn);
    // Only once the application is up: it needs its database to come up at
    // all. (Notified after the traffic in any case.)
    started.WaitForNotificationWithTimeout(absl::Seconds(600));
    while (!stop.load()) {
      killed +=
          tx.exec1(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE "
                "datname = current_database() AND pid <> pg_backend_pid() AND "
                "backend_type = 'client backend'")[0]
              .as<int>();
      if (killed.load() > 0) first_kill.Notify();
      // Pacing: connections keep dying while the traffic runs.
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });
  TrafficOptions options;
  options.users = kUsers;
  options.requests = 4000;
  options.threads = 4;
  options.write_fraction = 0.5;
  options.on_started = [&] {
    started.Notify();
    // The first request waits for the first kill (the pool keeps the
    // connection it opened at start-up), so every run serves its traffic
    // through a pool that has lost connections, however fast it is.
    EXPECT_TRUE(first_kill.WaitForNotificationWithTimeout(absl::Seconds(60)))
        << "no connection of the application was killed";
  };
  auto stats = RunTraffic(example, env, options);
  stop = true;
  started.Notify();  // releases the killer if the application never came up
  killer.join();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(killed.load(), 0);
  EXPECT_EQ(stats->requests, options.requests)
      << "the application stopped serving";
  std::printf("%d connections killed; %lld of %lld requests failed\n",
              killed.load(), static_cast<long long>(stats->errors),
              static_cast<long long>(stats->requests));

  ASSERT_EQ(cli({"reconcile"}), 0);
  pqxx::connection conn(env.database_url);
  pqxx::nontransaction tx(conn);
  const std::string s = tx.quote_name(schema);
  EXPECT_EQ(
      tx.exec1("SELECT count(*) FROM " + s + ".users")[0].as<std::int64_t>(),
      kUsers);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM " + s + ".users u FULL JOIN " + s +
                     ".user_pair up ON up.user_id = u.id WHERE "
                     "u.joined_pair_id IS DISTINCT "
                     "FROM up.pair_id")[0]
                .as<std::int64_t>(),
            0);
  EXPECT_EQ(cli({"verify"}), 0);
  tx.exec("DROP SCHEMA " + s + " CASCADE");
}

}  // namespace
}  // namespace cutover::examples
