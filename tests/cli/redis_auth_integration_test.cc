// Redis with a password and with an ACL user: cutover authenticates, a wrong
// password is a clear exit 1, and no password ever shows in output. Runs its
// own private redis-server on a loopback port.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cutover/redis_connection.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

extern char** environ;

namespace cutover {
namespace {

constexpr char kPassword[] = "s3cret-Pa55word";
constexpr char kAclPassword[] = "acl-Pa55-for-app";

class RedisAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    port_ = 20000 + getpid() % 20000;
    const std::string port = std::to_string(port_);
    std::vector<std::string> argv = {"/usr/bin/redis-server",
                                     "--bind",
                                     "127.0.0.1",
                                     "--port",
                                     port,
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--logfile",
                                     "/dev/null",
                                     "--requirepass",
                                     kPassword};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ASSERT_EQ(
        posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), environ), 0);
    RedisEndpoint ep;
    ep.port = port_;
    ep.password = kPassword;
    for (int i = 0; i < 100; ++i) {
      auto conn = RedisConnection::Connect(ep);
      if (conn.ok()) {
        auto acl = (*conn)->Command({"ACL", "SETUSER", "app", "on",
                                     std::string(">") + kAclPassword, "~*",
                                     "&*", "+@all"});
        ASSERT_TRUE(acl.ok()) << acl.status();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "private redis-server on port " << port_ << " did not start";
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  testing::CommandResult Cli(const std::string& url,
                             std::vector<std::string> args) {
    std::vector<std::string> full = {"--redis", url, "--prefix",
                                     testing::UniquePrefix("auth")};
    full.insert(full.end(), args.begin(), args.end());
    auto result = testing::RunCutover(full);
    // Whatever happened, no password may appear anywhere.
    for (const char* secret : {kPassword, kAclPassword, "wrong-password"}) {
      EXPECT_EQ((result.out + result.err).find(secret), std::string::npos)
          << "password printed: " << result.out << result.err;
    }
    return result;
  }
  std::string Url(const std::string& userinfo) {
    return "redis://" + userinfo + "@127.0.0.1:" + std::to_string(port_);
  }

  static inline pid_t pid_ = 0;
  static inline int port_ = 0;
};

TEST_F(RedisAuthTest, PasswordAuthenticates) {
  const auto r =
      Cli(Url(std::string(":") + kPassword), {"flag", "create", "pm"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(RedisAuthTest, AclUserAuthenticates) {
  const auto r =
      Cli(Url(std::string("app:") + kAclPassword), {"flag", "create", "pm"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(RedisAuthTest, WrongPasswordExitsOneSayingAuthenticationFailed) {
  const auto r = Cli(Url(":wrong-password"), {"flag", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("authentication failed"), std::string::npos) << r.err;
  const auto acl = Cli(Url("app:wrong-password"), {"--json", "flag", "list"});
  EXPECT_EQ(acl.exit_code, 1);
  EXPECT_NE(acl.out.find("authentication failed"), std::string::npos)
      << acl.out;
}

TEST_F(RedisAuthTest, MissingPasswordSaysAuthenticationIsRequired) {
  const auto r =
      Cli("redis://127.0.0.1:" + std::to_string(port_), {"flag", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("requires authentication"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cutover
