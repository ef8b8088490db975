// The command line every example executable shares:
//
//   setup --users N      old schema and N users of realistic data
//   expand               the new schema (idempotent)
//   backfill [--batch N] copy old rows into the new schema (cutover backfill)
//   verify               prove old and new agree (cutover verify): exit 0
//   equal, 5 divergent reconcile            replay failed new-side writes
//   (cutover reconcile) contract             drop the old schema; refused
//   unless the flag is `complete` traffic ...          the application's reads
//   and writes from T threads after-contract --user ID   something only the new
//   schema can do sql PHASE            print the SQL of a phase, for runbooks
//
// backfill, verify and reconcile run the `cutover` CLI's own commands in
// process with the example's SQL, so the example shows exactly what an operator
// would type.
#ifndef CUTOVER_EXAMPLES_COMMON_EXAMPLE_CLI_H_
#define CUTOVER_EXAMPLES_COMMON_EXAMPLE_CLI_H_

#include "migration_example.h"

namespace cutover::examples {

// Runs the example's command line; returns the process exit code, the
// `cutover` CLI's (cli/exit_codes.h): 0 ok, 1 operational failure, 2 invalid
// input or refused, 3 not found, 5 divergent.
int RunExampleCli(const MigrationExample& example, int argc, char** argv);

}  // namespace cutover::examples

#endif  // CUTOVER_EXAMPLES_COMMON_EXAMPLE_CLI_H_
