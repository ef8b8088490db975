// The name_split example: `users.name` becomes `users.first_name` +
// `users.last_name` (the split rule: name_rules.h). Reads return the
// application's SplitName; writes set a user's name. Routed per user by a
// cutover PgMigration.
#ifndef CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_EXAMPLE_H_
#define CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_EXAMPLE_H_

#include "common/sql_migration_example.h"
#include "name_split_sql.h"

namespace cutover::examples {

class NameSplitExample final : public SqlMigrationExample<name_split::Sql> {
 public:
  // Works in the PostgreSQL schema named by $CUTOVER_EXAMPLE_SCHEMA, default
  // "name_split".
  NameSplitExample() : SqlMigrationExample("name_split") {}

  std::string flag() const override { return "name_split"; }
  std::string description() const override;
  absl::StatusOr<std::string> AfterContract(
      const ExampleEnvironment& env, std::int64_t user_id) const override;
  absl::StatusOr<std::unique_ptr<TrafficWorker>> MakeWorker(
      ExampleRuntime& runtime, const FaultInjection& faults) const override;
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_EXAMPLE_H_
