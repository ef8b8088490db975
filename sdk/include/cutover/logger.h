// The SDK's only way of telling a person something. It never writes to stdout:
// that belongs to the application (and to the CLI's --json output).
//
// Thread-safety: Log() may be called from any thread at once; implementations
// must allow it.
#ifndef CUTOVER_LOGGER_H_
#define CUTOVER_LOGGER_H_

#include <memory>
#include <string_view>

namespace cutover {
inline namespace sdk {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

std::string_view LogLevelName(LogLevel level);

class Logger {
 public:
  virtual ~Logger() = default;
  // Called for every message at or above the level the logger was installed
  // with.
  virtual void Log(LogLevel level, std::string_view message) = 0;
};

// Writes "cutover <LEVEL>: message" lines to stderr for messages at or above
// `min_level`.
std::shared_ptr<Logger> MakeStderrLogger(LogLevel min_level = LogLevel::kInfo);

// Discards everything.
std::shared_ptr<Logger> MakeNullLogger();

// The process-wide logger used by SDK components that were not given one.
// Defaults to MakeStderrLogger(LogLevel::kWarning). Passing nullptr restores
// the default.
void SetDefaultLogger(std::shared_ptr<Logger> logger);
std::shared_ptr<Logger> DefaultLogger();

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_LOGGER_H_
