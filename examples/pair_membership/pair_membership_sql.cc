#include "pair_membership_sql.h"

#include "../common/realistic_names.h"

namespace cutover::examples::pair_membership {

std::vector<std::string> Sql::Setup(std::int64_t users) const {
  const std::string n = std::to_string(users);
  const std::string pairs = std::to_string(users / 2 > 0 ? users / 2 : 1);
  return {
      "DROP SCHEMA IF EXISTS " + s + " CASCADE",
      "CREATE SCHEMA " + s,
      "CREATE TABLE " + s +
          ".pairs (id bigint PRIMARY KEY, name text NOT NULL)",
      "CREATE TABLE " + s +
          ".users (id bigint PRIMARY KEY, first_name text NOT NULL, last_name "
          "text NOT NULL, "
          "status text NOT NULL, joined_pair_id bigint REFERENCES " +
          s + ".pairs (id))",
      "INSERT INTO " + s +
          ".pairs SELECT g, 'pair ' || g FROM generate_series(1, " + pairs +
          ") g",
      // One user in 17 has no pair yet; one in 10 is inactive.
      "INSERT INTO " + s + ".users SELECT g, " + FirstNameSql("g") + ", " +
          LastNameSql("g") +
          ", CASE WHEN g % 10 = 0 THEN 'inactive' ELSE 'active' END, "
          "CASE WHEN g % 17 = 0 THEN NULL ELSE 1 + (g * 7919) % " +
          pairs + " END FROM generate_series(1, " + n + ") g",
      "ANALYZE " + s + ".users",
  };
}

std::vector<std::string> Sql::Expand() const {
  // Each statement commits on its own: the foreign keys are added NOT VALID (a
  // brief lock, no scan) and validated afterwards (a scan that does not block
  // writes).
  auto add_fk = [this](const std::string& name, const std::string& definition) {
    return "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE "
           "conname = '" +
           name + "' AND conrelid = '" + s +
           ".user_pair'::regclass) THEN ALTER TABLE " + s +
           ".user_pair ADD CONSTRAINT " + name + " " + definition +
           " NOT VALID; END IF; END $$";
  };
  return {
      "CREATE TABLE IF NOT EXISTS " + s +
          ".user_pair (user_id bigint NOT NULL, pair_id bigint NOT NULL, "
          "joined_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (user_id, "
          "pair_id))",
      "CREATE INDEX IF NOT EXISTS user_pair_pair_id ON " + s +
          ".user_pair (pair_id)",
      add_fk("user_pair_user_fk", "FOREIGN KEY (user_id) REFERENCES " + s +
                                      ".users (id) ON DELETE CASCADE"),
      add_fk("user_pair_pair_fk", "FOREIGN KEY (pair_id) REFERENCES " + s +
                                      ".pairs (id) ON DELETE CASCADE"),
      "ALTER TABLE " + s + ".user_pair VALIDATE CONSTRAINT user_pair_user_fk",
      "ALTER TABLE " + s + ".user_pair VALIDATE CONSTRAINT user_pair_pair_fk",
  };
}

std::string Sql::Backfill() const {
  // FOR UPDATE waits for an application transaction that is changing the same
  // user and then reads its committed pair, and the conflict clause leaves a
  // row the application already wrote alone: a concurrent write is never
  // overwritten with a stale pair.
  return "INSERT INTO " + s +
         ".user_pair (user_id, pair_id, joined_at) "
         "SELECT u.id, u.joined_pair_id, now() FROM " +
         s +
         ".users u WHERE u.id > $1 AND u.id <= $2 AND u.joined_pair_id IS NOT "
         "NULL "
         "AND NOT EXISTS (SELECT 1 FROM " +
         s +
         ".user_pair up WHERE up.user_id = u.id) FOR UPDATE OF u ON CONFLICT "
         "DO NOTHING";
}

std::string Sql::VerifyOld() const {
  return "SELECT id, joined_pair_id FROM " + s +
         ".users WHERE joined_pair_id IS NOT NULL";
}

std::string Sql::VerifyNew() const {
  return "SELECT user_id, pair_id FROM " + s + ".user_pair";
}

std::string Sql::Reconcile() const {
  // Makes the user's rows in user_pair exactly the pair the old column holds.
  return "WITH want AS (SELECT id, joined_pair_id FROM " + s +
         ".users WHERE id = $1::bigint), "
         "gone AS (DELETE FROM " +
         s +
         ".user_pair up WHERE up.user_id = $1::bigint AND up.pair_id IS "
         "DISTINCT FROM "
         "(SELECT joined_pair_id FROM want)) "
         "INSERT INTO " +
         s +
         ".user_pair (user_id, pair_id, joined_at) SELECT id, joined_pair_id, "
         "now() FROM want "
         "WHERE joined_pair_id IS NOT NULL ON CONFLICT DO NOTHING";
}

std::vector<std::string> Sql::Sync(bool reverse) const {
  std::vector<std::string> args = {
      "--table",        s + ".users", "--key",           "id",     "--into",
      s + ".user_pair", "--columns",  "user_id,pair_id", "--from", VerifyOld()};
  if (reverse) {
    args.insert(args.end(), {"--reverse",
                             "joined_pair_id = (SELECT min(pair_id) FROM " + s +
                                 ".user_pair up WHERE up.user_id = "
                                 "users.id)"});
  }
  return args;
}

std::string Sql::LegacyWrite() const {
  return "UPDATE " + s +
         ".users SET joined_pair_id = 1 + floor(random() * (SELECT max(id) "
         "FROM " +
         s + ".pairs))::bigint WHERE id = $1";
}

std::vector<std::string> Sql::Contract() const {
  return {"ALTER TABLE " + s + ".users DROP COLUMN IF EXISTS joined_pair_id"};
}

std::string Sql::ReadOld() const {
  return "SELECT p.id, p.name FROM " + s + ".users u JOIN " + s +
         ".pairs p ON p.id = u.joined_pair_id WHERE u.id = $1";
}

std::string Sql::ReadNew() const {
  return "SELECT p.id, p.name FROM " + s + ".user_pair up JOIN " + s +
         ".pairs p ON p.id = up.pair_id WHERE up.user_id = $1 ORDER BY p.id";
}

std::string Sql::WriteOld() const {
  return "UPDATE " + s + ".users SET joined_pair_id = $2 WHERE id = $1";
}

std::string Sql::LockUser() const {
  return "SELECT id FROM " + s + ".users WHERE id = $1 FOR UPDATE";
}

std::string Sql::DeleteNew() const {
  return "DELETE FROM " + s + ".user_pair WHERE user_id = $1";
}

std::string Sql::InsertNew() const {
  return "INSERT INTO " + s + ".user_pair (user_id, pair_id) VALUES ($1, $2)";
}

std::string Sql::PairCount() const {
  return "SELECT count(*) FROM " + s + ".pairs";
}

}  // namespace cutover::examples::pair_membership
