#include "cutover/redis_url.h"

#include "gtest/gtest.h"

namespace cutover {
namespace {

TEST(RedisUrlTest, ParsesEveryPart) {
  auto ep = ParseRedisUrl("redis://app:s%40cret@10.0.0.5:6380/2");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->user, "app");
  EXPECT_EQ(ep->password, "s@cret");
  EXPECT_EQ(ep->host, "10.0.0.5");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 2);
}

TEST(RedisUrlTest, PasswordWithoutUser) {
  auto ep = ParseRedisUrl("redis://:hunter2@localhost:6379");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->user, "");
  EXPECT_EQ(ep->password, "hunter2");
  auto bare = ParseRedisUrl("redis://hunter2@localhost:6379");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->password, "hunter2");
}

TEST(RedisUrlTest, RedactedNeverShowsThePassword) {
  auto ep = ParseRedisUrl("redis://app:hunter2@localhost:6379/1");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->Redacted(), "redis://app:***@localhost:6379/1");
}

TEST(RedisUrlTest, UserWithoutPasswordStaysAUserWhenRedacted) {
  auto ep = ParseRedisUrl("redis://app:@localhost:6379");
  ASSERT_TRUE(ep.ok());
  auto again = ParseRedisUrl(ep->Redacted());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->user, "app");
  EXPECT_EQ(again->password, "");
}

TEST(RedisUrlTest, Ipv6LiteralInBrackets) {
  auto ep = ParseRedisUrl("redis://[::1]:6380");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->Redacted(), "redis://[::1]:6380");
}

TEST(RedisUrlTest, TlsIsRefusedClearly) {
  auto ep = ParseRedisUrl("rediss://localhost:6379");
  ASSERT_FALSE(ep.ok());
  EXPECT_NE(std::string(ep.status().message())
                .find("TLS is not supported by this build"),
            std::string::npos);
}

class BadRedisUrlTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadRedisUrlTest, IsInvalidArgumentWithoutThePassword) {
  auto ep = ParseRedisUrl(GetParam());
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(ep.status().message()).find("hunter2"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadRedisUrlTest,
                         ::testing::Values("http://localhost:6379", "redis://",
                                           "redis://:99999",
                                           "redis://u:hunter2@host:port",
                                           "redis://u:hunter2@host:6379/x",
                                           "redis://u:hunter2@:6379",
                                           "redis://u:%zz@host:1",
                                           "redis://u:hunter2@[::1:6379",
                                           "redis://u:hunter2@ho st:6379"));

}  // namespace
}  // namespace cutover
