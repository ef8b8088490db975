// The SQL of the name_split migration: `users.name` becomes `first_name` +
// `last_name`, with the split rule of name_rules.h written in SQL. Every
// statement names the example's PostgreSQL schema (default "name_split").
#ifndef CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_SQL_H_
#define CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_SQL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace cutover::examples::name_split {

// The longest first or last name the new columns accept (a CHECK constraint).
inline constexpr int kMaxNamePart = 100;

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

  std::string ReadOld() const;   // $1 → name
  std::string ReadNew() const;   // $1 → first_name, last_name
  std::string WriteOld() const;  // $1 id, $2 name
  std::string WriteNew() const;  // $1 id, $2 first, $3 last

  std::string s;
};

// SQL expressions splitting the text expression `name` exactly like Split() in
// C++.
std::string FirstNameOf(const std::string& name);
std::string LastNameOf(const std::string& name);

}  // namespace cutover::examples::name_split

#endif  // CUTOVER_EXAMPLES_NAME_SPLIT_NAME_SPLIT_SQL_H_
