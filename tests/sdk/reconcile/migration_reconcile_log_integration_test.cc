// The reconcile log against the real Redis from scripts/services: what
// RedisReconcileLog appends is what ReconcileStream reads back (every field),
// replacing keeps an entry with its newest error, acknowledging removes it,
// and Append never waits for Redis, even when Redis is not there.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cutover/reconcile_stream.h"
#include "cutover/redis_connection.h"
#include "cutover/redis_reconcile_log.h"
#include "support/test_env.h"
#include "support/test_redis.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

ReconcileEntry Entry(const std::string& flag, const std::string& key,
                     Side side = Side::kNew) {
  ReconcileEntry e;
  e.flag = flag;
  e.key = key;
  e.operation = "join_pair";
  e.error = "insert or update on table \"user_pair\" violates foreign key";
  e.at_ms = 1700000000123;
  e.stage = Stage::kShadow;
  e.side = side;
  e.user = "user-" + key;
  return e;
}

class ReconcileLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::RedisUrl();
    ASSERT_FALSE(url_.empty());
    prefix_ = testing::UniquePrefix("reconcile_log");
    conn_ = testing::ConnectForTest(url_);
    ASSERT_NE(conn_, nullptr);
  }
  void TearDown() override {
    if (conn_ == nullptr) return;
    for (const char* flag : {"pair_membership", "name_split"}) {
      (void)conn_->Command({"DEL", RedisKeys(prefix_).Reconcile(flag)});
    }
  }

  std::shared_ptr<RedisReconcileLog> MakeLog(const std::string& url) {
    RedisReconcileLog::Options options;
    options.redis_url = url;
    options.prefix = prefix_;
    options.logger = MakeNullLogger();
    options.redis.connect_timeout = milliseconds(200);
    options.shutdown_timeout = milliseconds(300);
    auto log = RedisReconcileLog::Create(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *log : nullptr;
  }

  std::string url_;
  std::string prefix_;
  std::unique_ptr<RedisConnection> conn_;
};

TEST_F(ReconcileLogTest, AppendedEntriesReadBackWithEveryField) {
  auto log = MakeLog(url_);
  ASSERT_NE(log, nullptr);
  log->Append(Entry("pair_membership", "3"));
  log->Append(Entry("pair_membership", "7", Side::kOld));
  log->Append(Entry("name_split", "9"));
  ASSERT_TRUE(log->Flush(milliseconds(5000)).ok());
  EXPECT_EQ(log->stats().written, 3u);
  EXPECT_EQ(log->stats().pending, 0u);

  ReconcileStream stream(*conn_, RedisKeys(prefix_));
  auto entries = stream.Range("pair_membership", "", "", 100);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  const ReconcileEntry& e = (*entries)[0];
  EXPECT_FALSE(e.id.empty());
  EXPECT_EQ(e.flag, "pair_membership");
  EXPECT_EQ(e.key, "3");
  EXPECT_EQ(e.operation, "join_pair");
  EXPECT_EQ(e.error, Entry("x", "3").error);
  EXPECT_EQ(e.at_ms, 1700000000123);
  EXPECT_EQ(e.stage, Stage::kShadow);
  EXPECT_EQ(e.side, Side::kNew);
  EXPECT_EQ(e.user, "user-3");
  EXPECT_EQ(e.attempts, 0);
  EXPECT_EQ((*entries)[1].side, Side::kOld);
  EXPECT_EQ(*stream.Length("pair_membership"), 2);
  EXPECT_EQ(*stream.Length("name_split"), 1);
}

TEST_F(ReconcileLogTest, ReplaceKeepsTheEntryWithItsNewestErrorAndAckRemoves) {
  ReconcileStream stream(*conn_, RedisKeys(prefix_));
  std::vector<ReconcileEntry> batch = {Entry("pair_membership", "3"),
                                       Entry("pair_membership", "4")};
  ASSERT_TRUE(stream.AppendBatch(&batch).ok());
  ASSERT_FALSE(batch[0].id.empty());
  const std::string first_id = batch[0].id;
  ASSERT_EQ(*stream.LastId("pair_membership"), batch[1].id);

  ReconcileEntry replacement = batch[0];
  replacement.error = "still failing";
  replacement.attempts = 1;
  ASSERT_TRUE(stream.Replace(first_id, &replacement).ok());
  EXPECT_NE(replacement.id, first_id);
  auto entries = stream.Range("pair_membership", "", "", 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].key, "4");
  EXPECT_EQ((*entries)[1].key, "3");
  EXPECT_EQ((*entries)[1].error, "still failing");
  EXPECT_EQ((*entries)[1].attempts, 1);

  // Reading after an id only returns later entries.
  auto later = stream.Range("pair_membership", (*entries)[0].id, "", 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].key, "3");

  auto acked = stream.Acknowledge("pair_membership",
                                  {(*entries)[0].id, (*entries)[1].id});
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(*acked, 2);
  EXPECT_EQ(*stream.Length("pair_membership"), 0);
  EXPECT_EQ(*stream.LastId("pair_membership"), "");
}

TEST_F(ReconcileLogTest, EntriesThatDoNotParseAreReportedNotFatal) {
  const std::string key = RedisKeys(prefix_).Reconcile("pair_membership");
  ASSERT_TRUE(conn_->Command({"XADD", key, "*", "operation", "x"}).ok());
  ASSERT_TRUE(
      conn_->Command({"XADD", key, "*", "key", "5", "stage", "sideways"}).ok());
  ASSERT_TRUE(
      conn_->Command({"XADD", key, "*", "key", "6", "side", "new"}).ok());
  ReconcileStream stream(*conn_, RedisKeys(prefix_));
  std::vector<std::string> invalid;
  auto entries = stream.Range("pair_membership", "", "", 100, &invalid);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].key, "6");
  ASSERT_EQ(invalid.size(), 2u);
  EXPECT_NE(invalid[0].find("no 'key' field"), std::string::npos) << invalid[0];
  EXPECT_NE(invalid[1].find("'stage'"), std::string::npos) << invalid[1];
}

// Nothing listens on this port: the entries wait, Append still returns at
// once, and Flush reports what is pending instead of hanging.
TEST_F(ReconcileLogTest, UnreachableRedisNeverBlocksAppend) {
  auto log = MakeLog("redis://127.0.0.1:1");
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 100; ++i) log->Append(Entry("pair_membership", "k"));
  EXPECT_EQ(log->stats().appended, 100u);
  absl::Status flushed = log->Flush(milliseconds(2000));
  EXPECT_EQ(flushed.code(), absl::StatusCode::kUnavailable) << flushed;
  EXPECT_NE(flushed.message().find("100 entries"), absl::string_view::npos)
      << flushed;
  EXPECT_EQ(log->stats().written, 0u);
}

TEST_F(ReconcileLogTest, InvalidOptionsAreRefused) {
  RedisReconcileLog::Options options;
  options.redis_url = "http://nope";
  EXPECT_EQ(RedisReconcileLog::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.redis_url = url_;
  options.queue_capacity = 0;
  auto created = RedisReconcileLog::Create(options);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("queue_capacity"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace cutover
