// The live client over the embedded store: readiness, change propagation,
// corrupt documents, handles. The Redis-backed behaviour is covered by
// client_integration_test.cc.
#include "cutover/client.h"

#include "cutover/flag_admin.h"
#include "cutover/flag_json.h"
#include "cutover/in_memory_flag_store.h"
#include "gtest/gtest.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

class ClientTest : public ::testing::Test {
 protected:
  ClientOptions Options() {
    ClientOptions o;
    o.poll_interval = milliseconds(20);
    o.logger = MakeNullLogger();
    return o;
  }
  void CreateFlag(Stage stage) {
    Flag f;
    f.name = "pm";
    f.default_stage = stage;
    ASSERT_TRUE(admin_.Create(f, {"t", false}).ok());
  }
  std::shared_ptr<InMemoryFlagStore> store_ =
      std::make_shared<InMemoryFlagStore>();
  FlagAdmin admin_{*store_};
};

TEST_F(ClientTest, MissingFlagGivesTheCallersDefault) {
  auto client = Client::Start(store_, Options());
  ASSERT_TRUE(client.ok());
  const Evaluation e =
      (*client)->Evaluate("nope", EvaluationContext("u"), Stage::kDualWrite);
  EXPECT_EQ(e.stage, Stage::kDualWrite);
  EXPECT_EQ(e.reason, Reason::kFlagNotFound);
}

TEST_F(ClientTest, ChangesReachTheClient) {
  CreateFlag(Stage::kOff);
  auto client = Client::Start(store_, Options());
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->status().ready);
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kOff);
  auto f = admin_.Update("pm", "stage",
                         [](Flag& f) {
                           f.default_stage = Stage::kDualWrite;
                           return absl::OkStatus();
                         },
                         {"t", false});
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(5000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kDualWrite);
}

TEST_F(ClientTest, HandleSeesTheSameAnswersAsNames) {
  CreateFlag(Stage::kShadow);
  auto client = Client::Start(store_, Options());
  ASSERT_TRUE(client.ok());
  FlagHandle handle = (*client)->Handle("pm");
  EXPECT_EQ(handle.Evaluate(EvaluationContext("u")).stage, Stage::kShadow);
  FlagHandle missing = (*client)->Handle("later");
  EXPECT_EQ(missing.Evaluate(EvaluationContext("u")).reason,
            Reason::kFlagNotFound);
  Flag later;
  later.name = "later";
  later.default_stage = Stage::kDualWrite;
  ASSERT_TRUE(admin_.Create(later, {"t", false}).ok());
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(5000)));
  EXPECT_EQ(missing.Evaluate(EvaluationContext("u")).stage, Stage::kDualWrite);
}

TEST_F(ClientTest, CorruptDocumentKeepsTheLastGoodVersionAndSparesOthers) {
  CreateFlag(Stage::kDualWrite);
  Flag other;
  other.name = "other";
  other.default_stage = Stage::kShadow;
  ASSERT_TRUE(admin_.Create(other, {"t", false}).ok());
  auto client = Client::Start(store_, Options());
  ASSERT_TRUE(client.ok());
  store_->PutRawDocument("pm", R"({"name":"pm","default_stage":"sideways"})");
  ASSERT_TRUE(
      (*client)->WaitForVersion(*store_->Version(), milliseconds(5000)));
  EXPECT_EQ((*client)->Evaluate("pm", EvaluationContext("u")).stage,
            Stage::kDualWrite);
  EXPECT_EQ((*client)->Evaluate("other", EvaluationContext("u")).stage,
            Stage::kShadow);
  const ClientStatus status = (*client)->status();
  ASSERT_EQ(status.corrupt_flags.size(), 1u);
  EXPECT_EQ(status.corrupt_flags[0], "pm");
}

TEST_F(ClientTest, ChangeCallbackRunsWithTheNewVersion) {
  Mutex mu;
  std::int64_t seen = -1;
  ClientOptions o = Options();
  o.on_change = [&](std::int64_t v) {
    MutexLock lock(&mu);
    seen = v;
  };
  auto client = Client::Start(store_, o);
  ASSERT_TRUE(client.ok());
  CreateFlag(Stage::kOff);
  const std::int64_t expected = *store_->Version();
  MutexLock lock(&mu);
  auto reached = [&] { return seen == expected; };
  EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(5)));
}

TEST_F(ClientTest, RejectsInvalidOptions) {
  ClientOptions o = Options();
  o.poll_interval = milliseconds(0);
  EXPECT_EQ(Client::Start(store_, o).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Client::StartRedis("http://x", Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cutover
