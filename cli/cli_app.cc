#include "cli_app.h"

#include <cstdlib>
#include <ostream>

#include "CLI/CLI.hpp"
#include "cutover/json_text.h"
#include "exit_codes.h"

namespace cutover::cli {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// CLI11 says only "A subcommand is required"; the operator needs to know which
// words were not understood and what would have been.
std::string MissingCommandMessage(CLI::App& app) {
  CLI::App* deepest = &app;
  std::string path = "cutover";
  for (bool descended = true; descended;) {
    descended = false;
    for (CLI::App* sub : deepest->get_subcommands()) {
      deepest = sub;
      path += " " + sub->get_name();
      descended = true;
      break;
    }
  }
  std::string expected;
  for (const CLI::App* sub : deepest->get_subcommands({})) {
    expected += (expected.empty() ? "" : ", ") + sub->get_name();
  }
  std::string unknown;
  for (const std::string& word : app.remaining()) {
    unknown += (unknown.empty() ? "" : " ") + word;
  }
  return (unknown.empty() ? "missing command"
                          : "unknown command '" + unknown + "'") +
         " after '" + path + "': expected one of " + expected;
}

}  // namespace

void CommandRun::Finish(const nlohmann::json& json, const std::string& text,
                        int exit_code) {
  if (options_.json) {
    out_ << ToJsonText(json) << "\n";
  } else if (!text.empty()) {
    out_ << text;
    if (text.back() != '\n') out_ << "\n";
  }
  exit_code_ = exit_code;
}

void CommandRun::Fail(const absl::Status& status) {
  Fail(std::string(status.message()), ExitCodeFor(status));
}

void CommandRun::Fail(const std::string& message, int exit_code) {
  if (options_.json) {
    out_ << ToJsonText(
                nlohmann::json{{"error", message}, {"exit_code", exit_code}})
         << "\n";
  }
  err_ << "cutover: " << message << "\n";
  exit_code_ = exit_code;
}

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  CommandRun run(out, err);
  CLI::App app{
      "cutover: gradual, observable schema migrations (expand / migrate / "
      "contract)",
      "cutover"};
  app.require_subcommand(1);
  GlobalOptions& g = run.options();
  g.redis_url = EnvOr("CUTOVER_REDIS_URL", "redis://127.0.0.1:6379");
  g.prefix = EnvOr("CUTOVER_PREFIX", "cutover:");
  g.actor = EnvOr("USER", "unknown");
  app.add_option("--redis", g.redis_url,
                 "Redis URL, redis://[user:password@]host:port[/db] (env "
                 "CUTOVER_REDIS_URL)");
  app.add_option("--prefix", g.prefix,
                 "Key prefix in Redis (env CUTOVER_PREFIX)");
  app.add_option("--actor", g.actor,
                 "Who is making the change, for the audit log (default $USER)");
  app.add_flag("--json", g.json, "Print exactly one JSON object on stdout");
  app.fallthrough();

  RegisterFlagCommands(app, run);
  RegisterGroupCommands(app, run);
  RegisterBackfillCommand(app, run);
  RegisterVerifyCommand(app, run);
  RegisterReconcileCommand(app, run);
  RegisterReportCommand(app, run);
  RegisterSyncCommand(app, run);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  if (!reversed.empty()) reversed.pop_back();  // program name
  try {
    app.parse(reversed);
  } catch (const CLI::Success& e) {  // --help and friends
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (e.get_name() == "RequiredError" &&
        message.find("subcommand") != std::string::npos) {
      message = MissingCommandMessage(app);
    }
    if (g.json) {
      out << ToJsonText(nlohmann::json{{"error", message},
                                       {"exit_code", kExitInvalid}})
          << "\n";
    }
    err << "cutover: " << message << "\nRun with --help for usage.\n";
    return kExitInvalid;
  }
  return run.exit_code();
}

}  // namespace cutover::cli
