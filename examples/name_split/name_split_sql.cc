#include "name_split_sql.h"

#include "../common/realistic_names.h"

namespace cutover::examples::name_split {
namespace {

std::string Normalized(const std::string& name) {
  return "btrim(regexp_replace(" + name + ", '[ \\t\\r\\n]+', ' ', 'g'))";
}

}  // namespace

std::string FirstNameOf(const std::string& name) {
  return "split_part(" + Normalized(name) + ", ' ', 1)";
}

std::string LastNameOf(const std::string& name) {
  const std::string n = Normalized(name);
  return "CASE WHEN strpos(" + n + ", ' ') > 0 THEN substr(" + n + ", strpos(" +
         n + ", ' ') + 1) ELSE '' END";
}

std::vector<std::string> Sql::Setup(std::int64_t users) const {
  const std::string first = FirstNameSql("g"), last = LastNameSql("g");
  // Mostly ordinary names; some mononyms, some with stray or repeated
  // whitespace.
  const std::string name =
      "CASE WHEN g % 23 = 0 THEN " + first + " WHEN g % 19 = 0 THEN '  ' || " +
      first + " || '   ' || " + last + " || ' ' WHEN g % 29 = 0 THEN " + first +
      " || E'\\t' || " + last + " ELSE " + first + " || ' ' || " + last +
      " END";
  return {
      "DROP SCHEMA IF EXISTS " + s + " CASCADE",
      "CREATE SCHEMA " + s,
      "CREATE TABLE " + s +
          ".users (id bigint PRIMARY KEY, name text NOT NULL)",
      "INSERT INTO " + s + ".users SELECT g, " + name +
          " FROM generate_series(1, " + std::to_string(users) + ") g",
      "ANALYZE " + s + ".users",
  };
}

std::vector<std::string> Sql::Expand() const {
  const std::string limit = std::to_string(kMaxNamePart);
  return {
      "ALTER TABLE " + s + ".users ADD COLUMN IF NOT EXISTS first_name text",
      "ALTER TABLE " + s + ".users ADD COLUMN IF NOT EXISTS last_name text",
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = "
      "'users_name_parts_length' AND conrelid = '" +
          s + ".users'::regclass) THEN ALTER TABLE " + s +
          ".users ADD CONSTRAINT users_name_parts_length CHECK "
          "(char_length(first_name) <= " +
          limit + " AND char_length(last_name) <= " + limit +
          ") NOT VALID; END IF; END $$",
      "ALTER TABLE " + s + ".users VALIDATE CONSTRAINT users_name_parts_length",
  };
}

std::string Sql::Backfill() const {
  // One statement reads `name` and writes the new columns under the row's lock,
  // and skips rows the application already wrote: a concurrent write is never
  // overwritten.
  return "UPDATE " + s + ".users SET first_name = " + FirstNameOf("name") +
         ", last_name = " + LastNameOf("name") +
         " WHERE id > $1 AND id <= $2 AND first_name IS NULL";
}

std::string Sql::VerifyOld() const {
  return "SELECT id, " + FirstNameOf("name") + ", " + LastNameOf("name") +
         " FROM " + s + ".users";
}

std::string Sql::VerifyNew() const {
  return "SELECT id, first_name, last_name FROM " + s + ".users";
}

std::string Sql::Reconcile() const {
  return "UPDATE " + s + ".users SET first_name = " + FirstNameOf("name") +
         ", last_name = " + LastNameOf("name") + " WHERE id = $1::bigint";
}

std::vector<std::string> Sql::Sync(bool reverse) const {
  std::vector<std::string> args = {
      "--table", s + ".users",
      "--key",   "id",
      "--set",   "first_name = " + FirstNameOf("name"),
      "--set",   "last_name = " + LastNameOf("name")};
  if (reverse) {
    args.insert(args.end(), {"--reverse",
                             "name = first_name || CASE WHEN last_name = '' "
                             "THEN '' ELSE ' ' || last_name END"});
  }
  return args;
}

std::string Sql::LegacyWrite() const {
  return "UPDATE " + s +
         ".users SET name = 'Legacy' || (1 + floor(random() * 1000))::int || "
         "' Writer' || $1::bigint WHERE id = $1";
}

std::vector<std::string> Sql::Contract() const {
  // The NOT NULL pitfall: SET NOT NULL scans the table under an exclusive lock,
  // unless a validated CHECK already proves it (PostgreSQL 12+). So: CHECK NOT
  // VALID, VALIDATE (no write lock), SET NOT NULL (no scan), drop the helper
  // CHECK, then drop the old column.
  return {
      "ALTER TABLE " + s +
          ".users ADD CONSTRAINT users_first_name_not_null CHECK (first_name "
          "IS NOT NULL AND "
          "last_name IS NOT NULL) NOT VALID",
      "ALTER TABLE " + s +
          ".users VALIDATE CONSTRAINT users_first_name_not_null",
      "ALTER TABLE " + s + ".users ALTER COLUMN first_name SET NOT NULL",
      "ALTER TABLE " + s + ".users ALTER COLUMN last_name SET NOT NULL",
      "ALTER TABLE " + s + ".users DROP CONSTRAINT users_first_name_not_null",
      "ALTER TABLE " + s + ".users DROP COLUMN IF EXISTS name",
  };
}

std::string Sql::ReadOld() const {
  return "SELECT name FROM " + s + ".users WHERE id = $1";
}

std::string Sql::ReadNew() const {
  return "SELECT first_name, last_name FROM " + s + ".users WHERE id = $1";
}

std::string Sql::WriteOld() const {
  return "UPDATE " + s + ".users SET name = $2 WHERE id = $1";
}

std::string Sql::WriteNew() const {
  return "UPDATE " + s +
         ".users SET first_name = $2, last_name = $3 WHERE id = $1";
}

}  // namespace cutover::examples::name_split
