// The result record: outcome names, copying a view, the JSON document that
// lands in the Redis event stream, and the MismatchError text.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "cutover/experiment_result.h"
#include "cutover/mismatch_error.h"
#include "nlohmann/json.hpp"

namespace cutover {
namespace {

std::string RenderString(const void*, const void* value) {
  return *static_cast<const std::string*>(value);
}

class OutcomeNameTest : public ::testing::TestWithParam<int> {};

TEST_P(OutcomeNameTest, RoundTripsThroughItsName) {
  const auto outcome = static_cast<Outcome>(GetParam());
  EXPECT_EQ(ParseOutcome(OutcomeName(outcome)), outcome);
}

INSTANTIATE_TEST_SUITE_P(EveryOutcome, OutcomeNameTest,
                         ::testing::Range(0, kOutcomeCount));

TEST(ExperimentResultTest, OutcomeNamesAreTheDocumentedOnes) {
  EXPECT_EQ(OutcomeName(Outcome::kMatch), "match");
  EXPECT_EQ(OutcomeName(Outcome::kMismatch), "mismatch");
  EXPECT_EQ(OutcomeName(Outcome::kIgnored), "ignored");
  EXPECT_EQ(OutcomeName(Outcome::kCandidateError), "candidate_error");
  EXPECT_EQ(OutcomeName(Outcome::kControlError), "control_error");
  EXPECT_EQ(OutcomeName(Outcome::kTimeout), "timeout");
  EXPECT_EQ(OutcomeName(Outcome::kDropped), "dropped");
  EXPECT_FALSE(ParseOutcome("Match").has_value());
}

TEST(ExperimentResultTest, ClassifiesOutcomes) {
  EXPECT_TRUE(IsCompared(Outcome::kControlError));
  EXPECT_FALSE(IsCompared(Outcome::kTimeout));
  EXPECT_FALSE(IsCompared(Outcome::kDropped));
  EXPECT_TRUE(IsEvent(Outcome::kTimeout));
  EXPECT_FALSE(IsEvent(Outcome::kIgnored));
  EXPECT_FALSE(IsEvent(Outcome::kMatch));
  EXPECT_TRUE(IsDisagreement(Outcome::kCandidateError));
  EXPECT_FALSE(IsDisagreement(Outcome::kIgnored));
}

class ResultRecordTest : public ::testing::Test {
 protected:
  ExperimentResult View() {
    ExperimentResult r;
    r.experiment = "users.email";
    r.flag = "users_v2";
    r.stage = Stage::kLive;
    r.user_id = "u-1";
    r.outcome = Outcome::kMismatch;
    r.control_side = Side::kNew;
    r.control = {"control",
                 Side::kNew,
                 true,
                 nullptr,
                 1500,
                 1200,
                 ValueRef(nullptr, &control_value_, &RenderString)};
    r.candidate = {"candidate",
                   Side::kOld,
                   true,
                   nullptr,
                   2500,
                   -1,
                   ValueRef(nullptr, &candidate_value_, &RenderString)};
    r.experiment_context = experiment_context_;
    r.run_context = run_context_;
    r.timestamp_ms = 1'700'000'000'123;
    return r;
  }

  std::string control_value_ = "a\"b\\c\n\x01";
  std::string candidate_value_ = "x";
  const ContextEntry experiment_context_[2] = {{"table", "users"},
                                               {"owner", "team"}};
  const ContextEntry run_context_[1] = {{"table", "users_v2"}};
};

TEST_F(ResultRecordTest, CopiesEverythingAndRendersValues) {
  const ResultRecord r = ResultRecord::From(View());
  EXPECT_EQ(r.experiment, "users.email");
  EXPECT_EQ(r.flag, "users_v2");
  EXPECT_EQ(r.stage, Stage::kLive);
  EXPECT_EQ(r.user_id, "u-1");
  EXPECT_EQ(r.control_side, Side::kNew);
  EXPECT_EQ(r.control.value, control_value_);
  EXPECT_EQ(r.candidate.value, "x");
  EXPECT_EQ(r.control.wall_ns, 1500);
  EXPECT_EQ(r.control.cpu_ns, 1200);
  EXPECT_EQ(r.context.size(), 3u);
  EXPECT_EQ(r.timestamp_ms, 1'700'000'000'123);
}

TEST_F(ResultRecordTest, JsonIsValidAndEscaped) {
  const std::string json = ResultRecord::From(View()).ToJson();
  const auto doc = nlohmann::json::parse(json);  // throws if invalid
  EXPECT_EQ(doc["experiment"], "users.email");
  EXPECT_EQ(doc["flag"], "users_v2");
  EXPECT_EQ(doc["stage"], "live");
  EXPECT_EQ(doc["user"], "u-1");
  EXPECT_EQ(doc["outcome"], "mismatch");
  EXPECT_EQ(doc["control_side"], "new");
  EXPECT_EQ(doc["at_ms"], 1'700'000'000'123);
  EXPECT_EQ(doc["control"]["value"], control_value_);
  EXPECT_EQ(doc["control"]["side"], "new");
  EXPECT_EQ(doc["control"]["wall_ns"], 1500);
  EXPECT_EQ(doc["control"]["cpu_ns"], 1200);
  EXPECT_FALSE(doc["control"].contains("name")) << "always \"control\"";
  EXPECT_FALSE(doc["control"].contains("ran")) << "only written when false";
  EXPECT_EQ(doc["candidate"]["name"], "candidate");
  EXPECT_EQ(doc["candidate"]["side"], "old");
  EXPECT_FALSE(doc["candidate"].contains("cpu_ns")) << "not measured";
  EXPECT_FALSE(doc.contains("diff"));
  // The run's "table" overrides the experiment's; each key appears once.
  EXPECT_EQ(doc["context"],
            nlohmann::json({{"owner", "team"}, {"table", "users_v2"}}));
}

TEST_F(ResultRecordTest, ErrorsAreRenderedWithTypeAndMessage) {
  ErrorInfo error;
  try {
    throw std::out_of_range("row 7 missing");
  } catch (...) {
    error = CaptureCurrentError();
  }
  ExperimentResult view = View();
  view.outcome = Outcome::kCandidateError;
  view.candidate.error = &error;
  view.candidate.value = ValueRef();
  const auto doc = nlohmann::json::parse(ResultRecord::From(view).ToJson());
  EXPECT_EQ(doc["candidate"]["error"]["type"], "std::out_of_range");
  EXPECT_EQ(doc["candidate"]["error"]["message"], "row 7 missing");
  EXPECT_FALSE(doc["candidate"].contains("value"));
}

TEST_F(ResultRecordTest, AValidDiffIsEmbeddedAndAnInvalidOneKeptAsText) {
  ExperimentResult view = View();
  view.diff_json = R"({"columns":["email"]})";
  auto doc = nlohmann::json::parse(ResultRecord::From(view).ToJson());
  EXPECT_EQ(doc["diff"]["columns"][0], "email");

  view.diff_json = "not json {";
  doc = nlohmann::json::parse(ResultRecord::From(view).ToJson());
  EXPECT_FALSE(doc.contains("diff"));
  EXPECT_EQ(doc["diff_text"], "not json {");
}

TEST_F(ResultRecordTest, LongTextIsTruncatedAndTheJsonStaysValid) {
  control_value_ = std::string(5000, 'v');
  const std::string diff = R"({"big":")" + std::string(5000, 'd') + R"("})";
  ExperimentResult view = View();
  view.diff_json = diff;
  const ResultRecord r = ResultRecord::From(view, 100);
  EXPECT_EQ(r.control.value, std::string(100, 'v') + "...[truncated]");
  const auto doc = nlohmann::json::parse(r.ToJson());
  EXPECT_EQ(doc["diff"]["truncated"], true);
  EXPECT_EQ(doc["diff"]["bytes"], diff.size());
}

TEST_F(ResultRecordTest, AssignReusesARecord) {
  ResultRecord r = ResultRecord::From(View());
  ExperimentResult other = View();
  other.user_id = "u-2";
  other.run_context = {};
  other.experiment_context = {};
  r.Assign(other);
  EXPECT_EQ(r.user_id, "u-2");
  EXPECT_TRUE(r.context.empty());
}

TEST_F(ResultRecordTest, SwapExchangesEveryField) {
  ResultRecord a = ResultRecord::From(View());
  ExperimentResult other = View();
  other.user_id = "u-2";
  other.outcome = Outcome::kTimeout;
  other.diff_json = "{}";
  other.run_context = {};
  ResultRecord b = ResultRecord::From(other);
  const std::string a_json = a.ToJson();
  const std::string b_json = b.ToJson();
  swap(a, b);
  EXPECT_EQ(a.ToJson(), b_json);
  EXPECT_EQ(b.ToJson(), a_json);
}

TEST_F(ResultRecordTest, ObservationBySide) {
  const ExperimentResult view = View();
  EXPECT_EQ(view.observation(Side::kNew).name, "control");
  EXPECT_EQ(view.observation(Side::kOld).name, "candidate");
}

TEST_F(ResultRecordTest, MismatchErrorSaysWhenACandidateDidNotRun) {
  ExperimentResult view = View();
  view.outcome = Outcome::kTimeout;
  view.candidate.ran = false;
  view.candidate.value = ValueRef();
  EXPECT_EQ(nlohmann::json::parse(
                ResultRecord::From(view).ToJson())["candidate"]["ran"],
            false);
  const MismatchError e(ResultRecord::From(view));
  EXPECT_EQ(e.name(), "users.email");
  EXPECT_NE(std::string(e.what()).find("candidate:\n  (did not run)"),
            std::string::npos)
      << e.what();
}

}  // namespace
}  // namespace cutover
