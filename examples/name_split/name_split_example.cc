#include "name_split_example.h"

#include <pqxx/pqxx>

#include "common/example_runtime.h"
#include "common/fault_dice.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/pg_migration.h"
#include "name_rules.h"

namespace cutover::examples {
namespace {

struct Rename {
  std::int64_t user_id;
  std::string name;
};

using NamesMigration = pg::PgMigration<std::int64_t, SplitName, Rename>;

// Names a write may set: some with stray whitespace, some non-ASCII, one
// mononym.
constexpr const char* kNewNames[] = {
    "Ada King",     "  Grace  Brewster Hopper ",
    "Zoë Ødegård",  "José María García López",
    "山田 花子",    "Prince",
    "Olu\tAdebayo", "Léa Dubois"};

class NameSplitWorker final : public TrafficWorker {
 public:
  NameSplitWorker(ExampleRuntime& runtime,
                  NamesMigration::MigrationType migration)
      : runtime_(runtime), migration_(std::move(migration)) {}

  RequestOutcome Read(std::int64_t user_id, std::mt19937_64&) override {
    const std::string user = std::to_string(user_id);
    const EvaluationContext context(user);
    RequestOutcome outcome;
    outcome.stage = runtime_.client().Evaluate("name_split", context).stage;
    outcome.ok = migration_.Read(context, user_id).ok();
    const InjectedFaults faults = InjectedFaults::Take();
    outcome.bug_injected = faults.bug;
    outcome.wrong_answer = faults.wrong_answer;
    return outcome;
  }

  RequestOutcome Write(std::int64_t user_id, std::mt19937_64& rng) override {
    const std::string user = std::to_string(user_id);
    const EvaluationContext context(user);
    RequestOutcome outcome;
    outcome.write = true;
    outcome.stage = runtime_.client().Evaluate("name_split", context).stage;
    const char* name = kNewNames[std::uniform_int_distribution<size_t>(
        0, std::size(kNewNames) - 1)(rng)];
    outcome.ok = migration_.Write(context, Rename{user_id, name}).ok();
    outcome.new_write_failed = InjectedFaults::Take().new_write_failure;
    return outcome;
  }

 private:
  ExampleRuntime& runtime_;
  NamesMigration::MigrationType migration_;
};

absl::Status NotFound(std::int64_t user) {
  return absl::NotFoundError(StrCat("no user ", user));
}

}  // namespace

std::string NameSplitExample::description() const {
  return "name_split: users.name -> users.first_name + users.last_name";
}

absl::StatusOr<std::unique_ptr<TrafficWorker>> NameSplitExample::MakeWorker(
    ExampleRuntime& runtime, const FaultInjection& faults) const {
  NamesMigration::Config config;
  config.flag = flag();
  config.write_operation = "rename";
  config.publisher = runtime.publisher();
  config.reconcile_log = runtime.reconcile_log();
  config.clean = [](const SplitName& n) {
    return StrCat("first_name=\"", n.first_name, "\" last_name=\"", n.last_name,
                  "\"");
  };
  const name_split::Sql sql = this->sql();
  config.read_old = [sql](
                        pqxx::transaction_base& tx,
                        const std::int64_t& user) -> absl::StatusOr<SplitName> {
    const pqxx::result r = tx.exec_params(sql.ReadOld(), user);
    if (r.empty()) return NotFound(user);
    return Split(
        r[0][0].as<std::string>());  // the old code split on every read
  };
  const double bug_rate = faults.bug_rate;
  config.read_new = [sql, bug_rate](
                        pqxx::transaction_base& tx,
                        const std::int64_t& user) -> absl::StatusOr<SplitName> {
    const pqxx::result r = tx.exec_params(sql.ReadNew(), user);
    if (r.empty()) return NotFound(user);
    SplitName name{r[0][0].is_null() ? "" : r[0][0].as<std::string>(),
                   r[0][1].is_null() ? "" : r[0][1].as<std::string>()};
    if (Roll(bug_rate)) {
      InjectedFaults::Current().bug = true;
      // Swapping equal parts (both empty) changes nothing.
      InjectedFaults::Current().wrong_answer =
          name.first_name != name.last_name;
      std::swap(name.first_name, name.last_name);  // the injected bug
    }
    return name;
  };
  config.write_old = [sql](pqxx::transaction_base& tx,
                           const Rename& r) -> absl::Status {
    tx.exec_params(sql.WriteOld(), r.user_id, r.name);
    return absl::OkStatus();
  };
  const double fail_rate = faults.fail_new_writes;
  config.write_new = [sql, fail_rate](pqxx::transaction_base& tx,
                                      const Rename& r) -> absl::Status {
    SplitName split = Split(r.name);
    if (Roll(fail_rate)) {
      // A real failure inside PostgreSQL: the new columns' length CHECK rejects
      // it.
      InjectedFaults::Current().new_write_failure = true;
      split.first_name.append(name_split::kMaxNamePart + 1, 'x');
    }
    tx.exec_params(sql.WriteNew(), r.user_id, split.first_name,
                   split.last_name);
    return absl::OkStatus();
  };
  config.entity_key = [](const Rename& r) { return std::to_string(r.user_id); };
  auto migration = NamesMigration::Create(runtime.client(), runtime.pool(),
                                          std::move(config));
  if (!migration.ok()) return migration.status();
  return std::unique_ptr<TrafficWorker>(
      std::make_unique<NameSplitWorker>(runtime, *std::move(migration)));
}

absl::StatusOr<std::string> NameSplitExample::AfterContract(
    const ExampleEnvironment& env, std::int64_t user_id) const {
  auto conn = pg::ConnectPostgres(env.database_url);
  if (!conn.ok()) return conn.status();
  try {
    pqxx::work tx(**conn);
    // Only the new schema can change a last name alone.
    tx.exec_params(
        "UPDATE " + schema() + ".users SET last_name = $2 WHERE id = $1",
        user_id, "Lovelace-Byron");
    const pqxx::result r = tx.exec_params(sql().ReadNew(), user_id);
    tx.commit();
    if (r.empty()) return NotFound(user_id);
    return StrCat("user ", user_id, " is now first_name=\"",
                  r[0][0].as<std::string>(), "\" last_name=\"",
                  r[0][1].as<std::string>(), "\"");
  } catch (const std::exception& e) {
    return pg::StatusFromException(e, "after-contract");
  }
}

}  // namespace cutover::examples
