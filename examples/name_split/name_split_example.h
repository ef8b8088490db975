// The name_split example: `users.name` becomes `users.first_name` +
// `users.last_name` (the split rule: name_rules.h). Reads return the
// application's SplitName; writes set a user's name. Routed per user by a
// cutover PgMigration.
#ifndef CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_EXAMPLE_H_
#define CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_EXAMPLE_H_

#include "common/migration_example.h"
#include "name_split_sql.h"

namespace cutover::examples {

class NameSplitExample final : public MigrationExample {
 public:
  // Works in the PostgreSQL schema named by $CUTOVER_EXAMPLE_SCHEMA, default
  // "name_split".
  NameSplitExample();

  std::string flag() const override { return "name_split"; }
  std::string description() const override {
    return "name_split: users.name -> users.first_name + users.last_name";
  }
  std::vector<std::string> SetupSql(std::int64_t users) const override {
    return sql_.Setup(users);
  }
  std::vector<std::string> ExpandSql() const override { return sql_.Expand(); }
  std::string BackfillTable() const override { return schema_ + ".users"; }
  std::string BackfillKey() const override { return "id"; }
  std::string BackfillSql() const override { return sql_.Backfill(); }
  std::string VerifyOldSql() const override { return sql_.VerifyOld(); }
  std::string VerifyNewSql() const override { return sql_.VerifyNew(); }
  std::string ReconcileSql() const override { return sql_.Reconcile(); }
  std::vector<std::string> ContractSql() const override {
    return sql_.Contract();
  }
  absl::StatusOr<std::string> AfterContract(
      const ExampleEnvironment& env, std::int64_t user_id) const override;
  absl::StatusOr<std::unique_ptr<TrafficWorker>> MakeWorker(
      ExampleRuntime& runtime, const FaultInjection& faults) const override;

  const name_split::Sql& sql() const { return sql_; }

 private:
  std::string schema_;
  name_split::Sql sql_;
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_EXAMPLE_H_
