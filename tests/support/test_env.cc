#include "support/test_env.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "gtest/gtest.h"

extern char** environ;

namespace cutover::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name
                  << " is not set: start the servers with `scripts/services "
                     "start && source "
                     ".run/env` (scripts/test does this for you)";
    return "";
  }
  return value;
}

}  // namespace

std::string RedisUrl() { return Env("CUTOVER_REDIS_URL"); }
std::string DatabaseUrl() { return Env("DATABASE_URL"); }

std::string UniquePrefix(const std::string& name) {
  static std::atomic<int> counter{0};
  return "test:" + name + ":" + std::to_string(getpid()) + ":" +
         std::to_string(counter++) + ":";
}

static std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string BinaryPath(const std::string& name) {
  return EnvOr("CUTOVER_BIN_DIR", CUTOVER_BIN_DIR_DEFAULT) + "/" + name;
}

std::string SourceDir() {
  return EnvOr("CUTOVER_SOURCE_DIR", CUTOVER_SOURCE_DIR_DEFAULT);
}

std::string ServicesScript() {
  if (const char* s = std::getenv("CUTOVER_SERVICES_SCRIPT");
      s != nullptr && *s != '\0') {
    return s;
  }
  return SourceDir() + "/scripts/services";
}

CommandResult RunCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = "cannot start " + argv[0];
    return result;
  }
  // Drain both pipes together so a chatty child never blocks on a full one.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult RunCutover(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinaryPath("cutover")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

}  // namespace cutover::testing
