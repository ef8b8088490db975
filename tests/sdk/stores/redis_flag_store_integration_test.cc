// RedisFlagStore against the real Redis from scripts/services.
#include <hiredis/hiredis.h>

#include "cutover/flag_admin.h"
#include "cutover/flag_json.h"
#include "cutover/redis_flag_store.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace cutover {
namespace {

class RedisFlagStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix("store");
    auto store = RedisFlagStore::FromUrl(testing::RedisUrl(), prefix_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  std::string Doc(std::int64_t version, Stage stage = Stage::kOff) {
    Flag f;
    f.name = "pm";
    f.default_stage = stage;
    f.version = version;
    return SerializeFlag(f);
  }
  std::string prefix_;
  std::unique_ptr<RedisFlagStore> store_;
};

TEST_F(RedisFlagStoreTest, CompareAndSetDetectsAConflictAndLosesNothing) {
  ASSERT_TRUE(
      store_->CompareAndSet({"pm", 0, Doc(1), "create", "a", false}).ok());
  // Two writers both read version 1.
  auto first = store_->CompareAndSet(
      {"pm", 1, Doc(2, Stage::kDualWrite), "stage", "a", false});
  auto second = store_->CompareAndSet(
      {"pm", 1, Doc(2, Stage::kShadow), "stage", "b", false});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted);
  auto stored = ParseFlagJson(**store_->GetDocument("pm"));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->default_stage, Stage::kDualWrite);
  // The loser's audit entry does not exist; the winner's does.
  auto history = store_->History("pm", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].actor, "a");
}

TEST_F(RedisFlagStoreTest, EveryWriteBumpsTheStoreVersion) {
  const std::int64_t v0 = *store_->Version();
  ASSERT_TRUE(
      store_->CompareAndSet({"pm", 0, Doc(1), "create", "a", false}).ok());
  ASSERT_TRUE(store_->AddToGroup("staff", {"u1", "u2"}, "a").ok());
  ASSERT_TRUE(store_->RemoveFromGroup("staff", {"u1"}, "a").ok());
  EXPECT_EQ(*store_->Version(), v0 + 3);
  EXPECT_EQ(*store_->GroupMembers("staff"), std::vector<std::string>{"u2"});
  EXPECT_EQ(store_->History("group:staff", 10)->size(), 2u);
}

TEST_F(RedisFlagStoreTest, LoadAllReturnsDocumentsAndTheGroupsTheyName) {
  Flag f;
  f.name = "pm";
  f.default_stage = Stage::kOff;
  f.version = 1;
  Rule staff;
  staff.kind = RuleKind::kGroup;
  staff.group = "staff";
  staff.stage = Stage::kShadow;
  f.rules = {staff};
  ASSERT_TRUE(
      store_->CompareAndSet({"pm", 0, SerializeFlag(f), "create", "a", false})
          .ok());
  ASSERT_TRUE(store_->AddToGroup("staff", {"carol"}, "a").ok());
  ASSERT_TRUE(store_->AddToGroup("unrelated", {"dave"}, "a").ok());
  auto contents = store_->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_EQ(contents->documents.size(), 1u);
  ASSERT_EQ(contents->groups.size(), 1u);
  EXPECT_EQ(contents->groups[0].first, "staff");
  EXPECT_EQ(contents->groups[0].second, std::vector<std::string>{"carol"});
  EXPECT_EQ(contents->version, *store_->Version());
}

TEST_F(RedisFlagStoreTest, UnreachableRedisIsUnavailableNotAHang) {
  auto store = RedisFlagStore::FromUrl("redis://127.0.0.1:1", "x:");
  ASSERT_TRUE(store.ok());
  auto v = (*store)->Version();
  EXPECT_EQ(v.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(v.status().message()).find("127.0.0.1:1"),
            std::string::npos);
}

}  // namespace
}  // namespace cutover
