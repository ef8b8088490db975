#include "example_cli.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <pqxx/pqxx>

#include "CLI/CLI.hpp"
#include "cli_app.h"
#include "cutover/flag_admin.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/redis_flag_store.h"
#include "example_runtime.h"
#include "exit_codes.h"
#include "traffic.h"

namespace cutover::examples {
namespace {

std::string Env(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// The `cutover` CLI's exit codes, so that scripts read an example's failure
// the way they read the CLI's (not found is 3 in both).
int Fail(const absl::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return cli::ExitCodeFor(status);
}

absl::Status RunSql(const ExampleEnvironment& env,
                    const std::vector<std::string>& statements,
                    std::string_view what) {
  auto conn = pg::ConnectPostgres(env.database_url);
  if (!conn.ok()) return conn.status();
  try {
    // Each statement commits on its own: a constraint added NOT VALID must be
    // committed before VALIDATE runs, or the strong lock is held through the
    // scan.
    pqxx::nontransaction tx(**conn);
    for (const std::string& sql : statements) tx.exec(sql);
  } catch (const std::exception& e) {
    return pg::StatusFromException(e, what);
  }
  return absl::OkStatus();
}

// Runs `cutover <args>` in process, with the example's Redis and prefix.
int Cutover(const ExampleEnvironment& env, std::vector<std::string> args) {
  args.insert(args.begin(),
              {"cutover", "--redis", env.redis_url, "--prefix", env.prefix});
  return cli::RunCli(args, std::cout, std::cerr);
}

}  // namespace

ExampleEnvironment ExampleEnvironment::FromProcessEnvironment() {
  return ExampleEnvironment{Env("DATABASE_URL", ""),
                            Env("CUTOVER_REDIS_URL", "redis://127.0.0.1:6379"),
                            Env("CUTOVER_PREFIX", "cutover:")};
}

int RunExampleCli(const MigrationExample& example, int argc, char** argv) {
  const ExampleEnvironment env = ExampleEnvironment::FromProcessEnvironment();
  CLI::App app{example.description(), "example_" + example.flag()};
  app.require_subcommand(1);
  int exit_code = 0;

  std::int64_t setup_users = 10000;
  CLI::App* setup =
      app.add_subcommand("setup", "Create the old schema with N users");
  setup->add_option("--users", setup_users, "How many users")
      ->check(CLI::Range(1, 50000000));
  setup->callback([&] {
    if (auto s = RunSql(env, example.SetupSql(setup_users), "setup"); !s.ok()) {
      exit_code = Fail(s);
      return;
    }
    std::cout << "created the old schema with " << setup_users << " users\n";
  });

  app.add_subcommand("expand", "Add the new schema (idempotent)")
      ->callback([&] {
        if (auto s = RunSql(env, example.ExpandSql(), "expand"); !s.ok()) {
          exit_code = Fail(s);
          return;
        }
        std::cout << "new schema in place\n";
      });

  int batch = 5000;
  bool json = false;
  CLI::App* backfill =
      app.add_subcommand("backfill", "Copy the old rows into the new schema");
  backfill->add_option("--batch", batch, "Keys per batch")
      ->check(CLI::Range(1, 1000000));
  backfill->add_flag("--json", json, "One JSON object at the end");
  backfill->callback([&] {
    std::vector<std::string> args = {"backfill",
                                     "--db",
                                     env.database_url,
                                     "--table",
                                     example.BackfillTable(),
                                     "--key",
                                     example.BackfillKey(),
                                     "--sql",
                                     example.BackfillSql(),
                                     "--batch",
                                     StrCat(batch),
                                     "--checkpoint",
                                     example.flag()};
    if (json) args.insert(args.begin(), "--json");
    exit_code = Cutover(env, args);
  });

  bool sync_reverse = false;
  bool sync_uninstall = false;
  CLI::App* sync = app.add_subcommand(
      "sync",
      "Install the sync triggers for writers that cannot dual-write "
      "(docs/sync.md); named after the flag");
  sync->add_flag("--reverse", sync_reverse,
                 "Also sync writes of the new schema back (live, rampdown); "
                 "replaces the installed sync");
  sync->add_flag("--uninstall", sync_uninstall,
                 "Remove the sync (before contract)");
  sync->add_flag("--json", json, "One JSON object");
  sync->callback([&] {
    std::vector<std::string> args = {"sync",
                                     sync_uninstall ? "uninstall" : "install",
                                     example.flag(), "--db", env.database_url};
    if (!sync_uninstall) {
      const std::vector<std::string> more = example.SyncArgs(sync_reverse);
      args.insert(args.end(), more.begin(), more.end());
      if (sync_reverse) args.push_back("--replace");
    }
    if (json) args.insert(args.begin(), "--json");
    exit_code = Cutover(env, args);
  });

  CLI::App* verify =
      app.add_subcommand("verify", "Prove old and new agree (exit 5 if not)");
  verify->add_flag("--json", json, "One JSON object");
  verify->callback([&] {
    std::vector<std::string> args = {"verify",
                                     "--db",
                                     env.database_url,
                                     "--old",
                                     example.VerifyOldSql(),
                                     "--new",
                                     example.VerifyNewSql(),
                                     "--key-columns",
                                     StrCat(example.VerifyKeyColumns()),
                                     "--flag",
                                     example.flag()};
    if (json) args.insert(args.begin(), "--json");
    exit_code = Cutover(env, args);
  });

  CLI::App* reconcile = app.add_subcommand(
      "reconcile", "Replay failed new-side writes from the reconcile log");
  reconcile->add_flag("--json", json, "One JSON object");
  reconcile->callback([&] {
    std::vector<std::string> args = {"reconcile", example.flag(),
                                     "--db",      env.database_url,
                                     "--sql",     example.ReconcileSql()};
    if (json) args.insert(args.begin(), "--json");
    exit_code = Cutover(env, args);
  });

  app.add_subcommand("contract",
                     "Drop the old schema (only once the flag is complete)")
      ->callback([&] {
        auto store = RedisFlagStore::FromUrl(env.redis_url, env.prefix);
        if (!store.ok()) {
          exit_code = Fail(store.status());
          return;
        }
        FlagAdmin admin(**store);
        auto flag = admin.Get(example.flag());
        if (!flag.ok()) {
          exit_code = Fail(flag.status());
          return;
        }
        if (flag->default_stage != Stage::kComplete || !flag->rules.empty() ||
            flag->killed) {
          exit_code = Fail(absl::FailedPreconditionError(StrCat(
              "refusing to contract: flag ", example.flag(), " is at ",
              StageName(flag->default_stage),
              ", not complete; the old schema may still be read or written. "
              "Finish the "
              "rollout (cutover flag stage ",
              example.flag(), " complete) after the report says ready")));
          return;
        }
        if (auto s = RunSql(env, example.ContractSql(), "contract"); !s.ok()) {
          exit_code = Fail(s);
          return;
        }
        std::cout << "old schema dropped\n";
      });

  TrafficOptions traffic_options;
  CLI::App* traffic =
      app.add_subcommand("traffic", "The application's reads and writes");
  traffic
      ->add_option("--users", traffic_options.users,
                   "Users to pick from (ids 1..N)")
      ->check(CLI::Range(1, 50000000));
  traffic
      ->add_option("--requests", traffic_options.requests,
                   "Stop after this many requests")
      ->check(CLI::Range(1, 1000000000));
  traffic
      ->add_option("--threads", traffic_options.threads, "Application threads")
      ->check(CLI::Range(1, 64));
  traffic
      ->add_option("--duration", traffic_options.duration_seconds,
                   "Stop after this many seconds")
      ->check(CLI::Range(0.1, 86400.0));
  traffic
      ->add_option("--bug-rate", traffic_options.faults.bug_rate,
                   "Fraction of new-side reads that run a buggy query")
      ->check(CLI::Range(0.0, 1.0));
  traffic
      ->add_option("--fail-new-writes", traffic_options.faults.fail_new_writes,
                   "Fraction of new-side writes that fail inside PostgreSQL")
      ->check(CLI::Range(0.0, 1.0));
  traffic
      ->add_option("--write-fraction", traffic_options.write_fraction,
                   "Fraction of requests that write")
      ->check(CLI::Range(0.0, 1.0));
  traffic
      ->add_option("--legacy-writers", traffic_options.legacy_writers,
                   "Threads that write only the old schema with plain SQL, "
                   "as another service would (see the sync step)")
      ->check(CLI::Range(0, 64));
  traffic->add_flag("--json", json, "One JSON object at the end");
  traffic->callback([&] {
    auto stats = RunTraffic(example, env, traffic_options);
    if (!stats.ok()) {
      exit_code = Fail(stats.status());
      return;
    }
    std::cout << (json ? stats->ToJson().dump() : stats->ToText()) << "\n";
  });

  std::int64_t user = 1;
  CLI::App* after = app.add_subcommand(
      "after-contract",
      "Show what the new schema allows once the old one is gone");
  after->add_option("--user", user, "User id")
      ->check(CLI::Range(1LL, 1LL << 62));
  after->callback([&] {
    auto text = example.AfterContract(env, user);
    if (!text.ok()) {
      exit_code = Fail(text.status());
      return;
    }
    std::cout << *text << "\n";
  });

  std::string phase;
  CLI::App* sql = app.add_subcommand("sql", "Print the SQL of a phase");
  sql->add_option("PHASE", phase,
                  "expand|backfill|verify-old|verify-new|reconcile|contract")
      ->required();
  sql->callback([&] {
    auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& s : v) out += s + ";\n";
      return out;
    };
    if (phase == "expand") {
      std::cout << join(example.ExpandSql());
    } else if (phase == "backfill") {
      std::cout << example.BackfillSql() << "\n";
    } else if (phase == "verify-old") {
      std::cout << example.VerifyOldSql() << "\n";
    } else if (phase == "verify-new") {
      std::cout << example.VerifyNewSql() << "\n";
    } else if (phase == "reconcile") {
      std::cout << example.ReconcileSql() << "\n";
    } else if (phase == "contract") {
      std::cout << join(example.ContractSql());
    } else {
      exit_code = Fail(absl::InvalidArgumentError(StrCat(
          "unknown phase '", phase,
          "' (expected expand, backfill, verify-old, verify-new, reconcile or "
          "contract)")));
    }
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? cli::kExitOk : cli::kExitInvalid;
  }
  return exit_code;
}

}  // namespace cutover::examples
