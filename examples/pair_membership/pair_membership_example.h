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

#include "common/sql_migration_example.h"
#include "pair_membership_sql.h"

namespace cutover::examples {

class PairMembershipExample final
    : public SqlMigrationExample<pair_membership::Sql> {
 public:
  // Works in the PostgreSQL schema named by $CUTOVER_EXAMPLE_SCHEMA, default
  // "pair_membership".
  PairMembershipExample() : SqlMigrationExample("pair_membership") {}

  std::string flag() const override { return "pair_membership"; }
  std::string description() const override;
  absl::StatusOr<std::string> AfterContract(
      const ExampleEnvironment& env, std::int64_t user_id) const override;
  absl::StatusOr<std::unique_ptr<TrafficWorker>> MakeWorker(
      ExampleRuntime& runtime, const FaultInjection& faults) const override;
};

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_PAIR_MEMBERSHIP_PAIR_MEMBERSHIP_EXAMPLE_H_
