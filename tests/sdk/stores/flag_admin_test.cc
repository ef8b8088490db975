#include "cutover/flag_admin.h"

#include <thread>

#include "cutover/flag_json.h"
#include "cutover/in_memory_flag_store.h"
#include "gtest/gtest.h"

namespace cutover {
namespace {

class FlagAdminTest : public ::testing::Test {
 protected:
  Flag NewFlag(Stage stage = Stage::kOff) {
    Flag f;
    f.name = "pm";
    f.default_stage = stage;
    return f;
  }
  InMemoryFlagStore store_;
  FlagAdmin admin_{store_};
  ChangeOptions as_alice_{"alice", false};
};

TEST_F(FlagAdminTest, CreateStoresVersionOneAndAudits) {
  auto f = admin_.Create(NewFlag(), as_alice_);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->version, 1);
  EXPECT_EQ(f->updated_by, "alice");
  auto history = store_.History("pm", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].action, "create");
  EXPECT_EQ((*history)[0].actor, "alice");
}

TEST_F(FlagAdminTest, CreateTwiceIsAlreadyExists) {
  ASSERT_TRUE(admin_.Create(NewFlag(), as_alice_).ok());
  EXPECT_EQ(admin_.Create(NewFlag(), as_alice_).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(FlagAdminTest, UpdateBumpsVersionAndRecordsBeforeAndAfter) {
  ASSERT_TRUE(admin_.Create(NewFlag(), as_alice_).ok());
  auto f = admin_.Update(
      "pm", "stage",
      [](Flag& f) {
        f.default_stage = Stage::kDualWrite;
        return absl::OkStatus();
      },
      as_alice_);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->version, 2);
  auto history = store_.History("pm", 10);
  ASSERT_EQ(history->size(), 2u);
  auto before = ParseFlagJson((*history)[1].before);
  auto after = ParseFlagJson((*history)[1].after);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(before->default_stage, Stage::kOff);
  EXPECT_EQ(after->default_stage, Stage::kDualWrite);
}

TEST_F(FlagAdminTest, SafetyRefusalWritesNothing) {
  ASSERT_TRUE(admin_.Create(NewFlag(), as_alice_).ok());
  auto f = admin_.Update(
      "pm", "stage",
      [](Flag& f) {
        f.default_stage = Stage::kLive;
        Rule off;
        off.kind = RuleKind::kGroup;
        off.group = "laggards";
        off.stage = Stage::kOff;
        f.rules.push_back(off);
        return absl::OkStatus();
      },
      as_alice_);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(admin_.Get("pm")->version, 1);
}

TEST_F(FlagAdminTest, ForcedChangeIsAuditedAsForced) {
  ASSERT_TRUE(admin_.Create(NewFlag(), as_alice_).ok());
  auto f = admin_.Update(
      "pm", "stage",
      [](Flag& f) {
        Rule live;
        live.kind = RuleKind::kGroup;
        live.group = "staff";
        live.stage = Stage::kLive;
        f.rules.push_back(live);
        return absl::OkStatus();
      },
      ChangeOptions{"bob", true});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(store_.History("pm", 10)->back().forced);
}

TEST_F(FlagAdminTest, ConcurrentUpdatesAllLand) {
  ASSERT_TRUE(admin_.Create(NewFlag(Stage::kDualWrite), as_alice_).ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i] {
      FlagAdmin admin(store_);
      auto f = admin.Update(
          "pm", "target",
          [i](Flag& f) {
            Rule r;
            r.kind = RuleKind::kUsers;
            r.users = {"user" + std::to_string(i)};
            r.stage = Stage::kShadow;
            f.rules.push_back(r);
            return absl::OkStatus();
          },
          ChangeOptions{"t", false});
      EXPECT_TRUE(f.ok()) << f.status();
    });
  }
  for (auto& t : threads) t.join();
  auto f = admin_.Get("pm");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->rules.size(), 8u);
  EXPECT_EQ(f->version, 9);
}

TEST_F(FlagAdminTest, CorruptDocumentIsDataLossAndCanBeDeleted) {
  store_.PutRawDocument("pm", "{not json");
  auto f = admin_.Get("pm");
  EXPECT_EQ(f.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(f.status().message()).find("corrupt"),
            std::string::npos);
  EXPECT_TRUE(admin_.Delete("pm", as_alice_).ok());
  EXPECT_EQ(admin_.Get("pm").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cutover
