#include "CLI/CLI.hpp"
#include "cli_app.h"

namespace cutover::cli {
void RegisterFlagCommands(CLI::App&, CommandRun&) {}
void RegisterGroupCommands(CLI::App&, CommandRun&) {}
}  // namespace cutover::cli
