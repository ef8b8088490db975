// Scratch tables and background CLI runs for the backfill and verify
// integration tests (header-only: each test file is its own executable).
//
// Tables are built server-side with generate_series, so a 1,000,000-row table
// takes about a second, and are dropped by RAII; names carry the pid and a
// counter because ctest runs two test processes at once.
#ifndef CUTOVER_TESTS_COMPARATOR_PG_SCRATCH_H_
#define CUTOVER_TESTS_COMPARATOR_PG_SCRATCH_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "support/test_env.h"

extern char** environ;

namespace cutover::testing {

// A new connection to $DATABASE_URL (fails the test and returns null when the
// variable is unset).
inline std::unique_ptr<pqxx::connection> ConnectScratch() {
  const std::string url = DatabaseUrl();
  if (url.empty()) return nullptr;
  return std::make_unique<pqxx::connection>(url);
}

// "bv_<stem>_<pid>_<n>": unique per process and call, lower case, so the
// unquoted name and the quoted one are the same table.
inline std::string ScratchName(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "bv_" + stem + "_" + std::to_string(getpid()) + "_" +
         std::to_string(counter++);
}

inline void Exec(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  tx.exec(sql);
}

inline std::int64_t QueryInt(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  const pqxx::result r = tx.exec(sql);
  return r[0][0].is_null() ? -1 : r[0][0].as<std::int64_t>();
}

// Drops the named table (already quoted as needed) when it goes out of scope.
class ScratchTable {
 public:
  ScratchTable(pqxx::connection& conn, std::string sql_name)
      : conn_(conn), sql_name_(std::move(sql_name)) {}
  ~ScratchTable() {
    try {
      Exec(conn_, "DROP TABLE IF EXISTS " + sql_name_);
    } catch (const std::exception&) {
      // Best effort: a broken connection leaves a scratch table behind.
    }
  }
  ScratchTable(const ScratchTable&) = delete;
  ScratchTable& operator=(const ScratchTable&) = delete;
  const std::string& name() const { return sql_name_; }

 private:
  pqxx::connection& conn_;
  std::string sql_name_;
};

// The name-split migration's table: ids 1..rows, name "First<id>
// Last<id%1000>", first_name / last_name NULL (the new columns the backfill
// fills).
inline void CreateUsersTable(pqxx::connection& conn, const std::string& table,
                             std::int64_t rows) {
  Exec(conn, "CREATE TABLE " + table +
                 " (id bigint PRIMARY KEY, name text NOT NULL, email text,"
                 " first_name text, last_name text)");
  Exec(conn, "INSERT INTO " + table +
                 " (id, name, email) SELECT g, 'First' || g || ' Last' || "
                 "(g % 1000), 'u' || g || '@example.com' FROM "
                 "generate_series(1, " +
                 std::to_string(rows) + ") g");
  Exec(conn, "VACUUM ANALYZE " + table);
}

// The `cutover` binary running in the background with stdout and stderr in
// temporary files, so a test can signal it mid-run.
class BackgroundCutover {
 public:
  explicit BackgroundCutover(const std::vector<std::string>& args) {
    char out_path[] = "/tmp/cutover-test-out-XXXXXX";
    char err_path[] = "/tmp/cutover-test-err-XXXXXX";
    out_fd_ = mkstemp(out_path);
    err_fd_ = mkstemp(err_path);
    out_path_ = out_path;
    err_path_ = err_path;
    std::vector<std::string> argv = {BinaryPath("cutover")};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_fd_, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd_, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (posix_spawn(&pid_, c_argv[0], &actions, nullptr, c_argv.data(),
                    environ) != 0) {
      pid_ = -1;
      ADD_FAILURE() << "cannot start " << argv[0];
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BackgroundCutover() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      Wait();
    }
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
    unlink(out_path_.c_str());
    unlink(err_path_.c_str());
  }
  BackgroundCutover(const BackgroundCutover&) = delete;
  BackgroundCutover& operator=(const BackgroundCutover&) = delete;

  void Signal(int sig) {
    if (pid_ > 0 && !reaped_) kill(pid_, sig);
  }
  // Waits for exit; exit_code is 128 + signal when it was killed.
  CommandResult Wait() {
    CommandResult result;
    if (pid_ > 0 && !reaped_) {
      int status = 0;
      waitpid(pid_, &status, 0);
      reaped_ = true;
      exit_code_ =
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    result.exit_code = exit_code_;
    result.out = ReadFile(out_path_);
    result.err = ReadFile(err_path_);
    return result;
  }

 private:
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_path_;
  std::string err_path_;
};

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_COMPARATOR_PG_SCRATCH_H_
