// A backfill run by the real `cutover` binary, stopped mid-way (SIGKILL, as a
// crash or an OOM kill would; SIGTERM, as an operator or a deploy would) and
// run again: it resumes from its Redis checkpoint and every row ends correct.
#include <hiredis/hiredis.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "cutover/redis_connection.h"
#include "cutover/redis_url.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/pg_scratch.h"
#include "support/test_env.h"

namespace cutover::pg {
namespace {

using testing::BackgroundCutover;
using testing::CommandResult;
using testing::ConnectScratch;
using testing::CreateUsersTable;
using testing::QueryInt;
using testing::ScratchName;
using testing::ScratchTable;

constexpr std::int64_t kRows = 1000000;

class BackfillResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = ConnectScratch();
    ASSERT_NE(conn_, nullptr);
    absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(testing::RedisUrl());
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    absl::StatusOr<std::unique_ptr<RedisConnection>> redis =
        RedisConnection::Connect(*endpoint);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    prefix_ = testing::UniquePrefix("backfill_resume");
    table_name_ = ScratchName("resume");
    table_ = std::make_unique<ScratchTable>(*conn_, table_name_);
    CreateUsersTable(*conn_, table_name_, kRows);
  }
  void TearDown() override {
    if (redis_ != nullptr) (void)redis_->Command({"DEL", CheckpointKey()});
  }

  std::string CheckpointKey() const { return prefix_ + "backfill:resume"; }

  std::vector<std::string> Args(std::int64_t sleep_ms) const {
    return {"--prefix",
            prefix_,
            "--json",
            "backfill",
            "--table",
            table_name_,
            "--key",
            "id",
            "--sql",
            "UPDATE " + table_name_ +
                " SET first_name = split_part(name, ' ', 1), last_name = "
                "split_part(name, ' ', 2) WHERE id > $1 AND id <= $2 AND "
                "first_name IS NULL",
            "--batch",
            "20000",
            "--sleep-ms",
            std::to_string(sleep_ms),
            "--checkpoint",
            "resume"};
  }

  std::optional<std::string> CheckpointField(const std::string& field) {
    absl::StatusOr<RedisReplyPtr> reply =
        redis_->Command({"HGET", CheckpointKey(), field});
    if (!reply.ok() || (*reply)->type != REDIS_REPLY_STRING) {
      return std::nullopt;
    }
    return std::string(ReplyString(reply->get()));
  }

  // Waits until the running backfill's checkpoint has passed `key`.
  bool WaitForCheckpointPast(std::int64_t key) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::optional<std::string> last = CheckpointField("last_key");
          last.has_value() && std::stoll(*last) >= key) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::int64_t NullRows(const std::string& where = "true") {
    return QueryInt(*conn_, "SELECT count(*) FROM " + table_name_ +
                                " WHERE first_name IS NULL AND (" + where +
                                ")");
  }
  std::int64_t WrongRows() {
    return QueryInt(*conn_, "SELECT count(*) FROM " + table_name_ +
                                " WHERE first_name IS DISTINCT FROM "
                                "split_part(name, ' ', 1) OR last_name IS "
                                "DISTINCT FROM split_part(name, ' ', 2)");
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<RedisConnection> redis_;
  std::string prefix_;
  std::string table_name_;
  std::unique_ptr<ScratchTable> table_;
};

TEST_F(BackfillResumeTest, KilledWithSigkillThenRerunResumesAndFinishes) {
  BackgroundCutover first(Args(/*sleep_ms=*/40));
  ASSERT_TRUE(WaitForCheckpointPast(200000));
  first.Signal(SIGKILL);
  const CommandResult killed = first.Wait();
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;

  const std::optional<std::string> at_kill = CheckpointField("last_key");
  ASSERT_TRUE(at_kill.has_value());
  const std::int64_t k = std::stoll(*at_kill);
  EXPECT_GE(k, 200000);
  ASSERT_LT(k, kRows) << "the backfill finished before it was killed";
  EXPECT_EQ(CheckpointField("done"), std::optional<std::string>("0"));
  // Everything up to the checkpoint is done; past it, at most the one batch
  // that committed before the checkpoint write could have landed.
  EXPECT_EQ(NullRows("id <= " + *at_kill), 0);
  const std::int64_t left = NullRows();
  EXPECT_GE(left, kRows - k - 20000);

  const CommandResult second = testing::RunCutover(Args(/*sleep_ms=*/0));
  ASSERT_EQ(second.exit_code, 0) << second.err << second.out;
  const nlohmann::json json = nlohmann::json::parse(second.out);
  EXPECT_EQ(json["resumed_from"], *at_kill);
  EXPECT_EQ(json["rows_updated"].get<std::int64_t>(), left);
  EXPECT_EQ(json["keys_scanned"].get<std::int64_t>(), kRows - k);
  EXPECT_EQ(json["retries"].get<std::int64_t>(), 0);
  EXPECT_GT(json["seconds"].get<double>(), 0);
  EXPECT_EQ(NullRows(), 0);
  EXPECT_EQ(WrongRows(), 0);
  EXPECT_EQ(CheckpointField("done"), std::optional<std::string>("1"));
  EXPECT_EQ(CheckpointField("last_key"), std::optional<std::string>("1000000"));

  // A completed checkpoint says so and does nothing.
  const CommandResult third = testing::RunCutover(Args(/*sleep_ms=*/0));
  ASSERT_EQ(third.exit_code, 0) << third.err;
  const nlohmann::json done = nlohmann::json::parse(third.out);
  EXPECT_TRUE(done["already_complete"].get<bool>());
  EXPECT_EQ(done["rows_updated"].get<std::int64_t>(), 0);
  EXPECT_EQ(done["batches"].get<std::int64_t>(), 0);
}

TEST_F(BackfillResumeTest, SigtermFinishesTheBatchSavesTheCheckpointAndExits1) {
  BackgroundCutover first(Args(/*sleep_ms=*/100));
  ASSERT_TRUE(WaitForCheckpointPast(100000));
  first.Signal(SIGTERM);
  const CommandResult stopped = first.Wait();
  EXPECT_EQ(stopped.exit_code, 1) << stopped.err;
  EXPECT_NE(stopped.err.find("interrupted by SIGTERM"), std::string::npos)
      << stopped.err;
  EXPECT_NE(stopped.err.find("run the same command again to resume"),
            std::string::npos)
      << stopped.err;
  const nlohmann::json json = nlohmann::json::parse(stopped.out);
  EXPECT_TRUE(json["interrupted"].get<bool>());
  EXPECT_EQ(json["exit_code"].get<int>(), 1);
  const std::string last = json["last_key"].get<std::string>();
  // A clean stop: the checkpoint is exactly where the last batch ended.
  EXPECT_EQ(CheckpointField("last_key"), std::optional<std::string>(last));
  EXPECT_EQ(NullRows("id <= " + last), 0);
  EXPECT_EQ(NullRows("id > " + last), kRows - std::stoll(last));

  const CommandResult second = testing::RunCutover(Args(/*sleep_ms=*/0));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(nlohmann::json::parse(second.out)["resumed_from"], last);
  EXPECT_EQ(NullRows(), 0);
  EXPECT_EQ(WrongRows(), 0);
}

}  // namespace
}  // namespace cutover::pg
