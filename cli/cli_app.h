// The `cutover` command line, runnable in process (tests and fuzzers call
// RunCli directly).
#ifndef CUTOVER_CLI_CLI_APP_H_
#define CUTOVER_CLI_CLI_APP_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace CLI {
class App;
}

namespace cutover::cli {

// Options every command shares (docs/design.md, CLI contract), filled from
// flags and the environment.
struct GlobalOptions {
  std::string redis_url;  // --redis, else $CUTOVER_REDIS_URL, else
                          // redis://127.0.0.1:6379
  std::string prefix;     // --prefix, else $CUTOVER_PREFIX, else "cutover:"
  std::string actor;      // --actor, else $USER, else "unknown"
  bool json = false;      // --json: exactly one JSON object on stdout
};

// What a running command needs: the options and where to write. A command
// reports its outcome through Finish() or Fail() exactly once; the exit code
// follows from it.
class CommandRun {
 public:
  CommandRun(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}

  GlobalOptions& options() { return options_; }
  const GlobalOptions& options() const { return options_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // Success, or a domain outcome with its own exit code (5 for divergence):
  // prints `json` when --json is set, else `text` (which may be empty) on
  // stdout.
  void Finish(const nlohmann::json& json, const std::string& text,
              int exit_code = 0);
  // Failure: prints {"error": message, "exit_code": N} with --json, else
  // "cutover: message" on stderr, and sets the exit code from the status
  // (exit_codes.h).
  void Fail(const absl::Status& status);
  // As Fail, with an explicit exit code.
  void Fail(const std::string& message, int exit_code);

  int exit_code() const { return exit_code_; }

 private:
  GlobalOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  int exit_code_ = 0;
};

// Adds the subcommands of one area to the app. Each area lives in its own file.
void RegisterFlagCommands(CLI::App& app, CommandRun& run);
void RegisterGroupCommands(CLI::App& app, CommandRun& run);
void RegisterBackfillCommand(CLI::App& app, CommandRun& run);
void RegisterVerifyCommand(CLI::App& app, CommandRun& run);
void RegisterReconcileCommand(CLI::App& app, CommandRun& run);
void RegisterReportCommand(CLI::App& app, CommandRun& run);
void RegisterSyncCommand(CLI::App& app, CommandRun& run);

// Parses `args` (args[0] is the program name) and runs the command. Returns the
// exit code.
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err);

}  // namespace cutover::cli

#endif  // CUTOVER_CLI_CLI_APP_H_
