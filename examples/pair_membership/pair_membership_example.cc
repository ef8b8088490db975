#include "pair_membership_example.h"

#include <pqxx/pqxx>

#include "common/example_runtime.h"
#include "common/fault_dice.h"
#include "cutover/experiment_compare.h"
#include "cutover/internal/strings.h"
#include "cutover/pg_connection.h"
#include "cutover/pg_migration.h"
#include "cutover/pqxx_adapter.h"

namespace cutover::examples {
namespace {

using comparator::RowSet;

struct Join {
  std::int64_t user_id;
  std::int64_t pair_id;
};

using PairsMigration = pg::PgMigration<std::int64_t, RowSet, Join>;

class PairMembershipWorker final : public TrafficWorker {
 public:
  PairMembershipWorker(ExampleRuntime& runtime,
                       PairsMigration::MigrationType migration,
                       std::int64_t pair_count)
      : runtime_(runtime),
        migration_(std::move(migration)),
        pair_count_(pair_count) {}

  RequestOutcome Read(std::int64_t user_id, std::mt19937_64&) override {
    const std::string user = std::to_string(user_id);
    const EvaluationContext context(user);
    RequestOutcome outcome;
    outcome.stage =
        runtime_.client().Evaluate("pair_membership", context).stage;
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
    outcome.stage =
        runtime_.client().Evaluate("pair_membership", context).stage;
    const std::int64_t pair =
        std::uniform_int_distribution<std::int64_t>(1, pair_count_)(rng);
    outcome.ok = migration_.Write(context, Join{user_id, pair}).ok();
    outcome.new_write_failed = InjectedFaults::Take().new_write_failure;
    return outcome;
  }

 private:
  ExampleRuntime& runtime_;
  PairsMigration::MigrationType migration_;
  std::int64_t pair_count_;
};

}  // namespace

std::string PairMembershipExample::description() const {
  return "pair_membership: users.joined_pair_id -> user_pair join table";
}

absl::StatusOr<std::unique_ptr<TrafficWorker>>
PairMembershipExample::MakeWorker(ExampleRuntime& runtime,
                                  const FaultInjection& faults) const {
  std::int64_t pair_count = 0;
  {
    auto lease = runtime.pool()->Acquire();
    if (!lease.ok()) return lease.status();
    try {
      pqxx::nontransaction tx(**lease);
      pair_count = tx.exec1(sql().PairCount())[0].as<std::int64_t>();
    } catch (const std::exception& e) {
      lease->Discard();
      return pg::StatusFromException(e, "counting pairs (run `setup` first)");
    }
  }
  if (pair_count < 1) {
    return absl::FailedPreconditionError(
        "there are no pairs: run `setup` first");
  }
  comparator::CompareOptions compare;
  compare.mode =
      comparator::CompareMode::kMultiset;  // a user's pairs have no order
  auto rows_compare = comparator::RowSetExperimentCompare::Create(compare);
  if (!rows_compare.ok()) return rows_compare.status();

  PairsMigration::Config config;
  config.flag = flag();
  config.write_operation = "join_pair";
  config.publisher = runtime.publisher();
  config.reconcile_log = runtime.reconcile_log();
  config.compare_detailed = *rows_compare;
  config.clean = comparator::RowSetSummary;
  const pair_membership::Sql sql = this->sql();
  config.read_old = [sql](pqxx::transaction_base& tx,
                          const std::int64_t& user) -> absl::StatusOr<RowSet> {
    return pg::RowSetFromResult(tx.exec_params(sql.ReadOld(), user));
  };
  const double bug_rate = faults.bug_rate;
  config.read_new = [sql, bug_rate](
                        pqxx::transaction_base& tx,
                        const std::int64_t& user) -> absl::StatusOr<RowSet> {
    if (Roll(bug_rate)) {
      // The injected bug: an off-by-one in the new join, the kind a review
      // misses.
      InjectedFaults::Current().bug = true;
      std::string buggy = sql.ReadNew();
      buggy.replace(buggy.find("p.id = up.pair_id"), 17,
                    "p.id = up.pair_id + 1");
      const pqxx::result answer = tx.exec_params(buggy, user);
      // A wrong answer only if it differs from the right one: a user without
      // a pair gets no rows from either query.
      InjectedFaults::Current().wrong_answer =
          answer != tx.exec_params(sql.ReadNew(), user);
      return pg::RowSetFromResult(answer);
    }
    return pg::RowSetFromResult(tx.exec_params(sql.ReadNew(), user));
  };
  config.write_old = [sql](pqxx::transaction_base& tx,
                           const Join& j) -> absl::Status {
    tx.exec_params(sql.WriteOld(), j.user_id, j.pair_id);
    return absl::OkStatus();
  };
  const double fail_rate = faults.fail_new_writes;
  config.write_new = [sql, fail_rate](pqxx::transaction_base& tx,
                                      const Join& j) -> absl::Status {
    tx.exec_params(sql.LockUser(), j.user_id);
    tx.exec_params(sql.DeleteNew(), j.user_id);
    // The injected failure is a real one: a pair that does not exist violates
    // the foreign key inside PostgreSQL.
    const bool fail = Roll(fail_rate);
    if (fail) InjectedFaults::Current().new_write_failure = true;
    tx.exec_params(sql.InsertNew(), j.user_id, fail ? -j.pair_id : j.pair_id);
    return absl::OkStatus();
  };
  config.entity_key = [](const Join& j) { return std::to_string(j.user_id); };
  auto migration = PairsMigration::Create(runtime.client(), runtime.pool(),
                                          std::move(config));
  if (!migration.ok()) return migration.status();
  return std::unique_ptr<TrafficWorker>(std::make_unique<PairMembershipWorker>(
      runtime, *std::move(migration), pair_count));
}

absl::StatusOr<std::string> PairMembershipExample::AfterContract(
    const ExampleEnvironment& env, std::int64_t user_id) const {
  auto conn = pg::ConnectPostgres(env.database_url);
  if (!conn.ok()) return conn.status();
  try {
    pqxx::work tx(**conn);
    const pqxx::result current = tx.exec_params(sql().ReadNew(), user_id);
    if (current.empty()) {
      return absl::NotFoundError(StrCat("user ", user_id, " has no pair yet"));
    }
    // A pair the user is not in yet: only the join table can hold a second one.
    const std::int64_t second =
        tx.exec1("SELECT id FROM " + schema() +
                 ".pairs WHERE id NOT IN (SELECT pair_id FROM " + schema() +
                 ".user_pair WHERE user_id = " + tx.quote(user_id) +
                 ") ORDER BY id LIMIT 1")[0]
            .as<std::int64_t>();
    tx.exec_params(sql().InsertNew(), user_id, second);
    const pqxx::result pairs = tx.exec_params(sql().ReadNew(), user_id);
    tx.commit();
    std::string text =
        StrCat("user ", user_id, " now belongs to ", pairs.size(), " pairs:");
    for (const auto& row : pairs) {
      text += StrCat(" [", row[0].as<std::int64_t>(), " ",
                     row[1].as<std::string>(), "]");
    }
    return text;
  } catch (const std::exception& e) {
    return pg::StatusFromException(e, "after-contract");
  }
}

}  // namespace cutover::examples
