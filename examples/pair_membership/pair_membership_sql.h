// The SQL of the pair_membership migration: `users.joined_pair_id → pairs`
// becomes the join table `user_pair(user_id, pair_id, joined_at)`, so that a
// user can belong to several pairs. Every statement names the example's
// PostgreSQL schema (default "pair_membership").
#ifndef CUTOVER_EXAMPLES_PAIR_MEMBERSHIP_PAIR_MEMBERSHIP_SQL_H_
#define CUTOVER_EXAMPLES_PAIR_MEMBERSHIP_PAIR_MEMBERSHIP_SQL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace cutover::examples::pair_membership {

// `schema` must already be a quoted identifier.
struct Sql {
  explicit Sql(std::string quoted_schema) : s(std::move(quoted_schema)) {}

  std::vector<std::string> Setup(std::int64_t users) const;
  std::vector<std::string> Expand() const;
  std::string Backfill() const;  // over users.id in ($1, $2]
  std::string VerifyOld() const;
  std::string VerifyNew() const;
  std::string Reconcile() const;  // $1 = user id
  // `cutover sync install` options after the name (docs/sync.md).
  std::vector<std::string> Sync(bool reverse) const;
  // A legacy writer: plain SQL on the old schema only; $1 = user id.
  std::string LegacyWrite() const;
  std::vector<std::string> Contract() const;

  // The application's statements, old and new schema.
  std::string ReadOld() const;   // $1 user → (pair_id, pair_name)
  std::string ReadNew() const;   // $1 user → (pair_id, pair_name)...
  std::string WriteOld() const;  // $1 user, $2 pair
  // Serializes writes to one user: replacing the user's rows is a delete then
  // an insert, and two of those racing would leave both pairs.
  std::string LockUser() const;   // $1 user
  std::string DeleteNew() const;  // $1 user
  std::string InsertNew() const;  // $1 user, $2 pair
  std::string PairCount() const;

  std::string s;
};

}  // namespace cutover::examples::pair_membership

#endif  // CUTOVER_EXAMPLES_PAIR_MEMBERSHIP_PAIR_MEMBERSHIP_SQL_H_
