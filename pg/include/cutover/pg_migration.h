// A Migration whose four callables run on PostgreSQL: each receives the
// transaction to use, and cutover decides which one that is
// (pg_migration_backend.h):
//   - the writes of one operation share one transaction; with `strict` both
//     commit or neither does, otherwise (tolerant) the non-authoritative
//     write runs in a savepoint, is rolled back alone when it fails, and its
//     key goes to the reconcile log (pg_dual_write.h);
//   - the two reads of a sampled comparison (serial and random-order
//     execution) share one REPEATABLE READ READ ONLY snapshot, so concurrent
//     writes cannot produce false mismatches (pg_snapshot_read.h);
//   - concurrent-mode candidates get their own pooled connection on the
//     executor.
//
//   using Pairs = std::vector<std::int64_t>;
//   cutover::pg::PgMigration<std::int64_t, Pairs, Join>::Config config;
//   config.flag = "pair_membership";
//   config.read_old = [](pqxx::transaction_base& tx, const std::int64_t& user)
//       -> absl::StatusOr<Pairs> { ... SELECT joined_pair_id ... };
//   config.read_new = ...;   // SELECT pair_id FROM user_pair ...
//   config.write_old = [](pqxx::transaction_base& tx, const Join& j) {
//     tx.exec_params("UPDATE users SET joined_pair_id = $2 WHERE id = $1",
//                    j.user, j.pair);
//     return absl::OkStatus();
//   };
//   config.write_new = ...;  // INSERT INTO user_pair ... ON CONFLICT ...
//   config.entity_key = [](const Join& j) { return std::to_string(j.user); };
//   auto migration =
//       cutover::pg::PgMigration<std::int64_t, Pairs, Join>::Create(
//           *client, pool, std::move(config)).value();
//   absl::StatusOr<Pairs> pairs = migration.Read({user_id_text}, user_id);
//
// Writes come in two forms (pg_dual_write.h). A callable (write_old,
// write_new) runs its statements through pqxx, one round trip each, and may
// use what one returned in the next. Statements as data
// (write_old_statements, write_new_statements: the write input to a list of
// PgStatement) are sent by cutover in pipeline mode, BEGIN with the
// authoritative write's and the tolerant SAVEPOINT with the other side's, so
// a dual write takes three round trips (BEGIN + write, write, COMMIT) under
// either policy, as a single write does; with callables it takes four
// (strict) or five (tolerant) for one statement a side. Either form may be
// chosen per side; the statements are used when both are set.
//
//   using cutover::pg::PgStatement;
//   config.write_old_statements = [](const Join& j) {
//     return std::vector<PgStatement>{PgStatement::Sql(
//         "UPDATE users SET joined_pair_id = $2 WHERE id = $1", j.user,
//         j.pair)};
//   };
//
// In the stages that write both sides the transaction is marked
// (kMarkDualWriteSql) so that sync triggers skip it (docs/sync.md).
//
// A callable may throw pqxx exceptions: they become statuses with
// StatusFromException's codes (Unavailable, FailedPrecondition for a
// constraint violation, ...). Callables must only use the transaction they
// are given, and must not commit or abort it.
//
// Size the pool for the request threads that use the migration, plus the
// executor's workers in concurrent mode, plus one per thread for a read
// whose snapshot failed.
//
// Thread-safety: as Migration.
#ifndef CUTOVER_PG_MIGRATION_H_
#define CUTOVER_PG_MIGRATION_H_

#include <functional>
#include <memory>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/client.h"
#include "cutover/internal/strings.h"
#include "cutover/migration.h"
#include "cutover/pg_dual_write.h"
#include "cutover/pg_migration_backend.h"
#include "cutover/pg_pool.h"
#include "cutover/pg_statement.h"

namespace cutover::pg {

template <typename ReadInput, typename ReadOutput,
          typename WriteInput = ReadInput>
class PgMigration {
 public:
  // What Create returns: the ordinary Migration, with Read and Write.
  using MigrationType = Migration<ReadInput, ReadOutput, WriteInput, void>;
  using ReadFn = std::function<absl::StatusOr<ReadOutput>(
      pqxx::transaction_base&, const ReadInput&)>;
  using WriteFn =
      std::function<absl::Status(pqxx::transaction_base&, const WriteInput&)>;
  // A write as statements: what to send for this input, in order.
  using WriteStatementsFn =
      std::function<std::vector<PgStatement>(const WriteInput&)>;

  // MigrationOptions (`strict` chooses the dual-write policy), the read
  // comparison, and the four callables, as Migration::Config but taking the
  // transaction.
  struct Config : MigrationOptions, ReadComparison<ReadOutput> {
    ReadFn read_old;
    ReadFn read_new;
    WriteFn write_old;
    WriteFn write_new;
    // Optional: the same writes as statements, sent in pipeline mode; each
    // replaces its side's callable when set (which may then be empty).
    WriteStatementsFn write_old_statements;
    WriteStatementsFn write_new_statements;
    std::function<std::string(const WriteInput&)> entity_key;
    // Both reads of a sampled serial or random-order comparison on one
    // REPEATABLE READ snapshot. Turn off only to measure what it prevents.
    bool snapshot_reads = true;
  };

  // Validates and builds the migration. `client` must outlive it; the pool is
  // shared. InvalidArgument for a null pool, a missing callable (a side's
  // write needs its callable or its statements), or anything
  // Migration::Create refuses.
  static absl::StatusOr<MigrationType> Create(Client& client,
                                              std::shared_ptr<PgPool> pool,
                                              Config config) {
    if (pool == nullptr) {
      return absl::InvalidArgumentError(
          StrCat("migration '", config.flag,
                 "': no PostgreSQL pool; create one with PgPool::Create"));
    }
    if (absl::Status s = migration_internal::RequireCallables(
            config.flag, {{"read_old", static_cast<bool>(config.read_old)},
                          {"read_new", static_cast<bool>(config.read_new)},
                          {"write_old or write_old_statements",
                           config.write_old || config.write_old_statements},
                          {"write_new or write_new_statements",
                           config.write_new || config.write_new_statements}});
        !s.ok()) {
      return s;
    }
    std::shared_ptr<PgMigrationBackend> backend = PgMigrationBackend::Create(
        std::move(pool),
        config.strict ? DualWritePolicy::kStrict : DualWritePolicy::kTolerant,
        config.snapshot_reads);

    typename MigrationType::Config generic;
    static_cast<MigrationOptions&>(generic) =
        static_cast<const MigrationOptions&>(config);
    generic.read_old = ReadOn(backend, Side::kOld, std::move(config.read_old));
    generic.read_new = ReadOn(backend, Side::kNew, std::move(config.read_new));
    generic.write_old =
        config.write_old_statements
            ? WriteOn(backend, Side::kOld,
                      std::move(config.write_old_statements))
            : WriteOn(backend, Side::kOld, std::move(config.write_old));
    generic.write_new =
        config.write_new_statements
            ? WriteOn(backend, Side::kNew,
                      std::move(config.write_new_statements))
            : WriteOn(backend, Side::kNew, std::move(config.write_new));
    generic.entity_key = std::move(config.entity_key);
    static_cast<ReadComparison<ReadOutput>&>(generic) =
        std::move(static_cast<ReadComparison<ReadOutput>&>(config));
    generic.hooks = backend->Hooks();
    return MigrationType::Create(client, std::move(generic));
  }

 private:
  static typename MigrationType::ReadFn ReadOn(
      std::shared_ptr<PgMigrationBackend> backend, Side side, ReadFn read) {
    return [backend = std::move(backend), side, read = std::move(read)](
               const ReadInput& input) -> absl::StatusOr<ReadOutput> {
      std::optional<ReadOutput> value;
      absl::Status status =
          backend->Read(side, [&](pqxx::transaction_base& tx) {
            absl::StatusOr<ReadOutput> r = read(tx, input);
            if (!r.ok()) return r.status();
            value.emplace(*std::move(r));
            return absl::OkStatus();
          });
      if (!status.ok()) return status;
      return *std::move(value);
    };
  }

  static typename MigrationType::WriteFn WriteOn(
      std::shared_ptr<PgMigrationBackend> backend, Side side, WriteFn write) {
    return [backend = std::move(backend), side,
            write = std::move(write)](const WriteInput& input) -> absl::Status {
      return backend->Write(
          side, [&](pqxx::transaction_base& tx) { return write(tx, input); });
    };
  }

  static typename MigrationType::WriteFn WriteOn(
      std::shared_ptr<PgMigrationBackend> backend, Side side,
      WriteStatementsFn statements) {
    return [backend = std::move(backend), side,
            statements = std::move(statements)](
               const WriteInput& input) -> absl::Status {
      const std::vector<PgStatement> write = statements(input);
      return backend->Write(side, write);
    };
  }
};

}  // namespace cutover::pg

#endif  // CUTOVER_PG_MIGRATION_H_
