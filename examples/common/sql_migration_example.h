// The part every example shares: its phases' SQL comes from a `Sql` value (one
// per example, naming the example's PostgreSQL schema), so an example only adds
// its flag, its data-access layer and what the new schema allows after
// contract.
#ifndef CUTOVER_EXAMPLES_COMMON_SQL_MIGRATION_EXAMPLE_H_
#define CUTOVER_EXAMPLES_COMMON_SQL_MIGRATION_EXAMPLE_H_

#include <string>
#include <utility>
#include <vector>

#include "example_schema.h"
#include "migration_example.h"

namespace cutover::examples {

// `Sql` has Setup(users), Expand(), Backfill(), VerifyOld(), VerifyNew(),
// Reconcile(), Contract(), and is constructed from the quoted schema name.
template <typename Sql>
class SqlMigrationExample : public MigrationExample {
 public:
  // Works in the PostgreSQL schema named by $CUTOVER_EXAMPLE_SCHEMA, else
  // `default_schema`.
  explicit SqlMigrationExample(const std::string& default_schema)
      : schema_(ExampleSchema(default_schema)), sql_(schema_) {}

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
  std::vector<std::string> SyncArgs(bool reverse) const override {
    return sql_.Sync(reverse);
  }
  std::string LegacyWriteSql() const override { return sql_.LegacyWrite(); }
  std::vector<std::string> ContractSql() const override {
    return sql_.Contract();
  }

  const Sql& sql() const { return sql_; }
  const std::string& schema() const { return schema_; }

 private:
  std::string schema_;
  Sql sql_;
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_SQL_MIGRATION_EXAMPLE_H_
