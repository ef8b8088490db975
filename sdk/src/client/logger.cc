#include "cutover/logger.h"

#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "cutover/mutex.h"

namespace cutover {
inline namespace sdk {
namespace {

class StderrLogger final : public Logger {
 public:
  explicit StderrLogger(LogLevel min_level) : min_level_(min_level) {}
  void Log(LogLevel level, std::string_view message) override {
    if (level < min_level_) return;
    std::string line = "cutover ";
    line += LogLevelName(level);
    line += ": ";
    line += message;
    line += '\n';
    // One fwrite per line keeps lines from different threads whole.
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

 private:
  const LogLevel min_level_;
};

class NullLogger final : public Logger {
 public:
  void Log(LogLevel, std::string_view) override {}
};

Mutex default_mu;

// Function-local so it is built on first use, after the loggers' own statics.
std::shared_ptr<Logger>& DefaultSlot()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(default_mu) {
  static std::shared_ptr<Logger> slot = MakeStderrLogger(LogLevel::kWarning);
  return slot;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

std::shared_ptr<Logger> MakeStderrLogger(LogLevel min_level) {
  return std::make_shared<StderrLogger>(min_level);
}

std::shared_ptr<Logger> MakeNullLogger() {
  return std::make_shared<NullLogger>();
}

void SetDefaultLogger(std::shared_ptr<Logger> logger) {
  MutexLock lock(&default_mu);
  DefaultSlot() =
      logger ? std::move(logger) : MakeStderrLogger(LogLevel::kWarning);
}

std::shared_ptr<Logger> DefaultLogger() {
  MutexLock lock(&default_mu);
  return DefaultSlot();
}

}  // namespace sdk
}  // namespace cutover
