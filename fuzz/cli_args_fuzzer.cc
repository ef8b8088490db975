// Feeds argument vectors to the CLI in process. Whatever the arguments, it
// returns one of the documented exit codes and never crashes. Every URL points
// at a closed loopback port, and inputs that try to choose their own server are
// skipped, so a run never reaches any real server.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "argument_lines.h"
#include "cli_app.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("CUTOVER_REDIS_URL", "redis://127.0.0.1:1", 1);
  setenv("DATABASE_URL", "postgresql://127.0.0.1:1/fuzz?connect_timeout=1", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (input.find("redis") != std::string::npos ||
      input.find("db") != std::string::npos ||
      input.find("html") != std::string::npos ||
      input.find("://") != std::string::npos) {
    return 0;
  }
  const std::vector<std::string> args = cutover::cli::ArgumentsFromLines(input);
  std::ostringstream out, err;
  const int code = cutover::cli::RunCli(args, out, err);
  if (code != 0 && code != 1 && code != 2 && code != 3 && code != 5)
    std::abort();
  return 0;
}
