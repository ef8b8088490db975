// The pair_membership example: `users.joined_pair_id → pairs` becomes the join
// table `user_pair`, so that a user can belong to several pairs.
//
// The data-access layer has two implementations of each operation, routed per
// user by a cutover PgMigration:
//   read  "the user's pairs"      old: join through users.joined_pair_id
//                                  new: join through user_pair
//   write "the user joins a pair" old: UPDATE users.joined_pair_id
//                                  new: replace the user's rows in user_pair
// Reads return the rows themselves (a comparator::RowSet of pair id and name),
// compared as a multiset, so every mismatch event carries a structured diff of
// the pairs.
#ifndef CUTOVER_EXAMPLES_PAIR_MEMBERSHIP_PAIR_MEMBERSHIP_EXAMPLE_H_
#define CUTOVER_EXAMPLES_PAIR_MEMBERSHIP_PAIR_MEMBERSHIP_EXAMPLE_H_

#include "common/migration_example.h"
#include "pair_membership_sql.h"

namespace cutover::examples {

class PairMembershipExample final : public MigrationExample {
 public:
  // Works in the PostgreSQL schema named by $CUTOVER_EXAMPLE_SCHEMA, default
  // "pair_membership".
  PairMembershipExample();

  std::string flag() const override { return "pair_membership"; }
  std::string description() const override {
    return "pair_membership: users.joined_pair_id -> user_pair join table";
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

  const pair_membership::Sql& sql() const { return sql_; }

 private:
  std::string schema_;
  pair_membership::Sql sql_;
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_PAIR_MEMBERSHIP_PAIR_MEMBERSHIP_EXAMPLE_H_
