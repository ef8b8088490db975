// The migration router against docs/design.md, Stages, with counting fakes of
// the four callables and the real flag client over an InMemoryFlagStore: per
// stage, which callables ran, in which order, what the caller got, and whether
// a comparison was published; the caller's default stage; the write failure
// matrix (authoritative failure, tolerated and strict non-authoritative
// failure) and the reconcile entries it leaves.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cutover/client.h"
#include "cutover/flag_admin.h"
#include "cutover/in_memory_flag_store.h"
#include "cutover/in_memory_publisher.h"
#include "cutover/migration.h"
#include "cutover/mutex.h"
#include "cutover/operation_tracker.h"
#include "cutover/reconcile_log.h"
#include "support/status_testing.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;

// The four callables, counting every call in order. Each can be told to
// fail (with a status) or to throw.
class Fakes {
 public:
  std::vector<std::string> calls() {
    MutexLock lock(&mu_);
    return calls_;
  }
  void Clear() {
    MutexLock lock(&mu_);
    calls_.clear();
  }
  void Fail(const std::string& callable, absl::Status status) {
    MutexLock lock(&mu_);
    failures_[callable] = std::move(status);
  }
  void Throw(const std::string& callable) {
    MutexLock lock(&mu_);
    throws_.push_back(callable);
  }

  // Returns the failure configured for `callable`, after recording the call.
  absl::Status Call(const std::string& callable) {
    MutexLock lock(&mu_);
    calls_.push_back(callable);
    for (const std::string& t : throws_) {
      if (t == callable) throw std::runtime_error(callable + " exploded");
    }
    auto it = failures_.find(callable);
    return it == failures_.end() ? absl::OkStatus() : it->second;
  }

  template <typename Config>
  void Install(Config* config) {
    config->read_old = [this](const int& id) -> absl::StatusOr<std::string> {
      absl::Status s = Call("read_old");
      if (!s.ok()) return s;
      return "old-" + std::to_string(id);
    };
    config->read_new = [this](const int& id) -> absl::StatusOr<std::string> {
      absl::Status s = Call("read_new");
      if (!s.ok()) return s;
      return "new-" + std::to_string(id);
    };
    config->write_old = [this](const int&) { return Call("write_old"); };
    config->write_new = [this](const int&) { return Call("write_new"); };
    config->entity_key = [](const int& id) {
      return "user-" + std::to_string(id);
    };
  }

 private:
  Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> throws_ ABSL_GUARDED_BY(mu_);
};

using StringMigration = Migration<int, std::string, int>;

class MigrationRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClientOptions options;
    options.logger = MakeNullLogger();
    client_ = *Client::Start(store_, options);
    InMemoryPublisher::Options p;
    p.keep_all_results = true;
    publisher_ = std::make_shared<InMemoryPublisher>(p);
    InMemoryOperationTracker::Options t;
    t.keep_records = 100;
    tracker_ = std::make_shared<InMemoryOperationTracker>(t);
  }

  // Stores the flag with everyone at `stage` and waits until the client
  // serves it.
  void SetStage(Stage stage, double sample_rate = 1.0) {
    FlagAdmin admin(*store_);
    absl::StatusOr<Flag> existing = admin.Get("users_v2");
    absl::StatusOr<Flag> stored;
    if (existing.ok()) {
      stored = admin.Update("users_v2", "stage",
                            [&](Flag& f) {
                              f.default_stage = stage;
                              f.sample_rate = sample_rate;
                              return absl::OkStatus();
                            },
                            {"test", /*force=*/true});
    } else {
      Flag flag;
      flag.name = "users_v2";
      flag.default_stage = stage;
      flag.sample_rate = sample_rate;
      stored = admin.Create(flag, {"test", false});
    }
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_TRUE(
        client_->WaitForVersion(*store_->Version(), milliseconds(5000)));
  }

  StringMigration::Config BaseConfig() {
    StringMigration::Config config;
    config.flag = "users_v2";
    config.publisher = publisher_;
    config.tracker = tracker_;
    config.reconcile_log = reconcile_;
    config.logger = MakeNullLogger();
    config.write_operation = "set_name";
    fakes_.Install(&config);
    return config;
  }

  absl::StatusOr<StringMigration> Make(StringMigration::Config config) {
    return StringMigration::Create(*client_, std::move(config));
  }

  OwnedOperationRecord LastRecord() {
    std::vector<OwnedOperationRecord> records = tracker_->Records();
    EXPECT_FALSE(records.empty()) << "no operation was tracked";
    return records.empty() ? OwnedOperationRecord{} : records.back();
  }

  std::shared_ptr<InMemoryFlagStore> store_ =
      std::make_shared<InMemoryFlagStore>();
  std::unique_ptr<Client> client_;
  std::shared_ptr<InMemoryPublisher> publisher_;
  std::shared_ptr<InMemoryOperationTracker> tracker_;
  std::shared_ptr<InMemoryReconcileLog> reconcile_ =
      std::make_shared<InMemoryReconcileLog>();
  Fakes fakes_;
  const EvaluationContext user_{"u-1"};
};

// ---- One case per stage: the table in docs/design.md, Stages row by row. ----

struct StageRow {
  Stage stage;
  std::vector<std::string> reads;   // callables a read runs, in order
  std::string returned;             // what Read returns for id 7
  bool compared;                    // a comparison is published
  std::vector<std::string> writes;  // callables a write runs, in order
  Side authoritative;
};

// Names the row in test names (ctest lists GetParam()).
void PrintTo(const StageRow& row, std::ostream* os) {
  *os << StageName(row.stage);
}

class StageTableTest : public MigrationRouterTest,
                       public ::testing::WithParamInterface<StageRow> {};

TEST_P(StageTableTest, ReadsAndWritesFollowTheStageTable) {
  const StageRow& row = GetParam();
  SetStage(row.stage);
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));

  absl::StatusOr<std::string> read = migration.Read(user_, 7);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, row.returned);
  EXPECT_EQ(fakes_.calls(), row.reads);
  EXPECT_EQ(publisher_->published(), row.compared ? 1u : 0u);
  if (row.compared) {
    std::optional<ResultRecord> result = publisher_->LastResult();
    ASSERT_TRUE(result.has_value());
    // old-7 vs new-7: the two sides differ, and the control is the
    // authoritative side.
    EXPECT_EQ(result->outcome, Outcome::kMismatch);
    EXPECT_EQ(result->control_side, row.authoritative);
    EXPECT_EQ(result->stage, row.stage);
    EXPECT_EQ(result->flag, "users_v2");
    EXPECT_EQ(result->user_id, "u-1");
  }
  OwnedOperationRecord r = LastRecord();
  EXPECT_EQ(r.operation, MigrationOperation::kRead);
  EXPECT_EQ(r.evaluation.stage, row.stage);
  EXPECT_EQ(r.evaluation.reason, Reason::kDefault);
  EXPECT_EQ(r.authoritative, row.authoritative);
  EXPECT_TRUE(r.origin(row.authoritative).ran);
  EXPECT_EQ(r.origin(Other(row.authoritative)).ran, row.compared);
  EXPECT_EQ(r.compared, row.compared);
  EXPECT_GE(r.origin(row.authoritative).latency_ns, 0);

  fakes_.Clear();
  absl::Status write = migration.Write(user_, 7);
  ASSERT_TRUE(write.ok()) << write;
  EXPECT_EQ(fakes_.calls(), row.writes);
  r = LastRecord();
  EXPECT_EQ(r.operation, MigrationOperation::kWrite);
  EXPECT_EQ(r.authoritative, row.authoritative);
  EXPECT_TRUE(r.origin(row.authoritative).ran);
  EXPECT_EQ(r.origin(Other(row.authoritative)).ran, row.writes.size() == 2);
  EXPECT_TRUE(reconcile_->Entries().empty());

  TrackerTotals totals = tracker_->Totals();
  EXPECT_EQ(totals.reads().operations, 1u);
  EXPECT_EQ(totals.reads().stage(row.stage), 1u);
  EXPECT_EQ(totals.writes().operations, 1u);
  EXPECT_EQ(totals.writes().origin(Other(row.authoritative)).runs,
            row.writes.size() == 2 ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Stages, StageTableTest,
                         ::testing::Values(StageRow{Stage::kOff,
                                                    {"read_old"},
                                                    "old-7",
                                                    false,
                                                    {"write_old"},
                                                    Side::kOld},
                                           StageRow{Stage::kDualWrite,
                                                    {"read_old"},
                                                    "old-7",
                                                    false,
                                                    {"write_old", "write_new"},
                                                    Side::kOld},
                                           StageRow{Stage::kShadow,
                                                    {"read_old", "read_new"},
                                                    "old-7",
                                                    true,
                                                    {"write_old", "write_new"},
                                                    Side::kOld},
                                           StageRow{Stage::kLive,
                                                    {"read_new", "read_old"},
                                                    "new-7",
                                                    true,
                                                    {"write_new", "write_old"},
                                                    Side::kNew},
                                           StageRow{Stage::kRampDown,
                                                    {"read_new"},
                                                    "new-7",
                                                    false,
                                                    {"write_new", "write_old"},
                                                    Side::kNew},
                                           StageRow{Stage::kComplete,
                                                    {"read_new"},
                                                    "new-7",
                                                    false,
                                                    {"write_new"},
                                                    Side::kNew}),
                         [](const ::testing::TestParamInfo<StageRow>& info) {
                           return std::string(StageName(info.param.stage));
                         });

// ---- The caller's default stage. ----

struct DefaultRow {
  Stage caller_default;
  std::vector<std::string> reads;
  std::vector<std::string> writes;
};

void PrintTo(const DefaultRow& row, std::ostream* os) {
  *os << StageName(row.caller_default);
}

class CallerDefaultTest : public MigrationRouterTest,
                          public ::testing::WithParamInterface<DefaultRow> {};

TEST_P(CallerDefaultTest, MissingFlagUsesTheCallersDefaultStage) {
  StringMigration::Config config = BaseConfig();
  config.default_stage = GetParam().caller_default;
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  ASSERT_TRUE(migration.Read(user_, 1).ok());
  EXPECT_EQ(fakes_.calls(), GetParam().reads);
  OwnedOperationRecord r = LastRecord();
  EXPECT_EQ(r.evaluation.reason, Reason::kFlagNotFound);
  EXPECT_EQ(r.evaluation.stage, GetParam().caller_default);
  // A missing flag has no sample rate: nothing is compared.
  EXPECT_EQ(publisher_->published(), 0u);
  fakes_.Clear();
  ASSERT_TRUE(migration.Write(user_, 1).ok());
  EXPECT_EQ(fakes_.calls(), GetParam().writes);
}

INSTANTIATE_TEST_SUITE_P(
    Defaults, CallerDefaultTest,
    ::testing::Values(
        DefaultRow{Stage::kOff, {"read_old"}, {"write_old"}},
        DefaultRow{Stage::kShadow, {"read_old"}, {"write_old", "write_new"}},
        DefaultRow{Stage::kRampDown, {"read_new"}, {"write_new", "write_old"}}),
    [](const ::testing::TestParamInfo<DefaultRow>& info) {
      return std::string(StageName(info.param.caller_default));
    });

TEST_F(MigrationRouterTest, DefaultCallerStageIsOff) {
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));
  EXPECT_EQ(*migration.Read(user_, 3), "old-3");
  EXPECT_EQ(fakes_.calls(), std::vector<std::string>{"read_old"});
}

// A store that is never reachable: the client never loads.
class UnreachableStore : public FlagStore {
 public:
  absl::StatusOr<StoreContents> LoadAll() override { return Down(); }
  absl::StatusOr<std::int64_t> Version() override { return Down(); }
  absl::StatusOr<std::optional<std::string>> GetDocument(
      std::string_view) override {
    return Down();
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  ListDocuments() override {
    return Down();
  }
  absl::StatusOr<std::int64_t> CompareAndSet(const FlagWrite&) override {
    return Down();
  }
  absl::StatusOr<std::int64_t> AddToGroup(std::string_view,
                                          const std::vector<std::string>&,
                                          std::string_view) override {
    return Down();
  }
  absl::StatusOr<std::int64_t> RemoveFromGroup(std::string_view,
                                               const std::vector<std::string>&,
                                               std::string_view) override {
    return Down();
  }
  absl::StatusOr<std::vector<std::string>> GroupMembers(
      std::string_view) override {
    return Down();
  }
  absl::StatusOr<std::vector<AuditEntry>> History(std::string_view,
                                                  size_t) override {
    return Down();
  }
  absl::StatusOr<std::unique_ptr<ChangeSubscription>> Subscribe() override {
    return Down();
  }

 private:
  static absl::Status Down() { return absl::UnavailableError("store down"); }
};

TEST_F(MigrationRouterTest, ClientNotReadyUsesTheCallersDefaultStage) {
  ClientOptions options;
  options.logger = MakeNullLogger();
  auto client = Client::Start(std::make_shared<UnreachableStore>(), options);
  ASSERT_TRUE(client.ok()) << client.status();
  StringMigration::Config config = BaseConfig();
  config.default_stage = Stage::kDualWrite;
  auto migration = StringMigration::Create(**client, std::move(config));
  ASSERT_TRUE(migration.ok()) << migration.status();
  ASSERT_TRUE(migration->Write(user_, 1).ok());
  EXPECT_EQ(fakes_.calls(),
            (std::vector<std::string>{"write_old", "write_new"}));
  EXPECT_EQ(LastRecord().evaluation.reason, Reason::kNotReady);
}

// ---- The write failure matrix, for every stage that writes both sides. ----

class WriteFailureTest : public MigrationRouterTest,
                         public ::testing::WithParamInterface<Stage> {
 protected:
  Side auth() const { return PlanFor(GetParam()).authoritative; }
  std::string Callable(Side side) const {
    return side == Side::kOld ? "write_old" : "write_new";
  }
};

TEST_P(WriteFailureTest, AuthoritativeFailureSkipsTheOtherSideAndFailsCaller) {
  SetStage(GetParam());
  fakes_.Fail(Callable(auth()), absl::AbortedError("deadlock detected"));
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));
  absl::Status s = migration.Write(user_, 5);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(s.message(), "deadlock detected");
  EXPECT_EQ(fakes_.calls(), std::vector<std::string>{Callable(auth())});
  EXPECT_TRUE(reconcile_->Entries().empty());
  OwnedOperationRecord r = LastRecord();
  EXPECT_EQ(r.result, absl::StatusCode::kAborted);
  EXPECT_TRUE(r.origin(auth()).ran);
  EXPECT_EQ(r.origin(auth()).code, absl::StatusCode::kAborted);
  EXPECT_FALSE(r.origin(Other(auth())).ran);
  EXPECT_EQ(tracker_->Totals().writes().caller_errors, 1u);
}

TEST_P(WriteFailureTest, NonAuthoritativeFailureIsToleratedAndRecorded) {
  SetStage(GetParam());
  fakes_.Fail(Callable(Other(auth())),
              absl::FailedPreconditionError("duplicate key value"));
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));
  EXPECT_TRUE(migration.Write(user_, 5).ok());
  EXPECT_EQ(fakes_.calls(), (std::vector<std::string>{
                                Callable(auth()), Callable(Other(auth()))}));
  std::vector<ReconcileEntry> entries = reconcile_->Entries("users_v2");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].key, "user-5");
  EXPECT_EQ(entries[0].operation, "set_name");
  EXPECT_EQ(entries[0].error, "duplicate key value");
  EXPECT_EQ(entries[0].stage, GetParam());
  EXPECT_EQ(entries[0].side, Other(auth()));
  EXPECT_EQ(entries[0].user, "u-1");
  EXPECT_GT(entries[0].at_ms, 0);
  OwnedOperationRecord r = LastRecord();
  EXPECT_EQ(r.result, absl::StatusCode::kOk);
  EXPECT_TRUE(r.reconcile_recorded);
  EXPECT_EQ(r.entity_key, "user-5");
  EXPECT_EQ(r.origin(Other(auth())).error, "duplicate key value");
  TrackerTotals totals = tracker_->Totals();
  EXPECT_EQ(totals.writes().origin(Other(auth())).errors, 1u);
  EXPECT_EQ(totals.writes().reconcile_recorded, 1u);
  EXPECT_EQ(totals.writes().caller_errors, 0u);
}

TEST_P(WriteFailureTest, StrictModeFailsTheCallerAndStillRecordsTheKey) {
  SetStage(GetParam());
  fakes_.Fail(Callable(Other(auth())),
              absl::FailedPreconditionError("duplicate key value"));
  StringMigration::Config config = BaseConfig();
  config.strict = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  absl::Status s = migration.Write(user_, 5);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("strict"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find(std::string(SideName(Other(auth()))) + "-side"),
            absl::string_view::npos)
      << s;
  EXPECT_NE(s.message().find("duplicate key value"), absl::string_view::npos);
  // Without a backend that rolls both back, the authoritative write stays:
  // the row still needs re-syncing.
  ASSERT_EQ(reconcile_->Entries().size(), 1u);
  EXPECT_EQ(LastRecord().result, absl::StatusCode::kFailedPrecondition);
}

TEST_P(WriteFailureTest, ThrowingWriteIsAnInternalError) {
  SetStage(GetParam());
  fakes_.Throw(Callable(Other(auth())));
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));
  EXPECT_TRUE(migration.Write(user_, 9).ok());
  std::vector<ReconcileEntry> entries = reconcile_->Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_NE(entries[0].error.find("exploded"), std::string::npos)
      << entries[0].error;
}

INSTANTIATE_TEST_SUITE_P(BothSidesWritten, WriteFailureTest,
                         ::testing::Values(Stage::kDualWrite, Stage::kShadow,
                                           Stage::kLive, Stage::kRampDown),
                         [](const ::testing::TestParamInfo<Stage>& info) {
                           return std::string(StageName(info.param));
                         });

// A backend that rolls both writes back when the other side fails (what
// PgMigration does in strict mode) leaves nothing to reconcile.
TEST_F(MigrationRouterTest, RolledBackWritesRecordNoReconcileEntry) {
  SetStage(Stage::kDualWrite);
  fakes_.Fail("write_new", absl::FailedPreconditionError("check violated"));
  StringMigration::Config config = BaseConfig();
  config.strict = true;
  int units = 0;
  config.hooks.around_writes = [&units](const OperationInfo& info,
                                        absl::FunctionRef<WriteSummary()> w) {
    ++units;
    EXPECT_TRUE(info.strict);
    EXPECT_EQ(info.plan.authoritative, Side::kOld);
    WriteSummary s = w();
    if (!s.authoritative_ok || (s.other_ran && !s.other_ok)) {
      return absl::AbortedError("rolled back");
    }
    return absl::OkStatus();
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  absl::Status s = migration.Write(user_, 1);
  EXPECT_EQ(units, 1);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("both writes were rolled back"),
            absl::string_view::npos)
      << s;
  EXPECT_TRUE(reconcile_->Entries().empty());
}

TEST_F(MigrationRouterTest, FailedCommitFailsTheCaller) {
  SetStage(Stage::kLive);
  StringMigration::Config config = BaseConfig();
  config.hooks.around_writes = [](const OperationInfo&,
                                  absl::FunctionRef<WriteSummary()> w) {
    w();
    return absl::UnavailableError("connection lost during COMMIT");
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  EXPECT_EQ(migration.Write(user_, 1).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fakes_.calls(),
            (std::vector<std::string>{"write_new", "write_old"}));
}

// ---- Reads: errors and sampling. ----

TEST_F(MigrationRouterTest, AuthoritativeReadErrorReachesTheCaller) {
  SetStage(Stage::kShadow);
  fakes_.Fail("read_old", absl::NotFoundError("no such user"));
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));
  absl::StatusOr<std::string> r = migration.Read(user_, 1);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "no such user");
  ASSERT_TRUE(publisher_->LastResult().has_value());
  EXPECT_EQ(publisher_->LastResult()->outcome, Outcome::kControlError);
  EXPECT_EQ(LastRecord().result, absl::StatusCode::kNotFound);
}

TEST_F(MigrationRouterTest, CandidateErrorNeverReachesTheCaller) {
  SetStage(Stage::kLive);
  fakes_.Throw("read_old");
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));
  absl::StatusOr<std::string> r = migration.Read(user_, 4);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "new-4");
  ASSERT_TRUE(publisher_->LastResult().has_value());
  EXPECT_EQ(publisher_->LastResult()->outcome, Outcome::kCandidateError);
  OwnedOperationRecord rec = LastRecord();
  EXPECT_EQ(rec.old_origin.code, absl::StatusCode::kInternal);
  EXPECT_NE(rec.old_origin.error.find("exploded"), std::string::npos);
}

TEST_F(MigrationRouterTest, EqualReadsPublishAMatch) {
  SetStage(Stage::kShadow);
  StringMigration::Config config = BaseConfig();
  config.compare = [](const std::string& a, const std::string& b) {
    return a.substr(a.find('-')) == b.substr(b.find('-'));
  };
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  ASSERT_TRUE(migration.Read(user_, 2).ok());
  ASSERT_TRUE(publisher_->LastResult().has_value());
  EXPECT_EQ(publisher_->LastResult()->outcome, Outcome::kMatch);
  EXPECT_EQ(publisher_->Totals("users_v2").get(StatsCounter::kMatches), 1u);
}

TEST_F(MigrationRouterTest, SampleRateZeroComparesNothing) {
  SetStage(Stage::kShadow, /*sample_rate=*/0.0);
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration, Make(BaseConfig()));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(migration.Read(user_, i).ok());
  EXPECT_EQ(publisher_->published(), 0u);
  EXPECT_EQ(fakes_.calls().size(), 20u);
  EXPECT_EQ(tracker_->Totals().reads().sampled, 0u);
}

TEST_F(MigrationRouterTest, StickySamplingPicksTheSameUsersEveryTime) {
  SetStage(Stage::kShadow, /*sample_rate=*/0.5);
  StringMigration::Config config = BaseConfig();
  config.sticky_sampling = true;
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  std::vector<bool> first;
  for (int u = 0; u < 40; ++u) {
    const std::string id = "user-" + std::to_string(u);
    const std::uint64_t before = publisher_->published();
    ASSERT_TRUE(migration.Read(EvaluationContext(id), u).ok());
    first.push_back(publisher_->published() > before);
  }
  for (int u = 0; u < 40; ++u) {
    const std::string id = "user-" + std::to_string(u);
    const std::uint64_t before = publisher_->published();
    ASSERT_TRUE(migration.Read(EvaluationContext(id), u).ok());
    EXPECT_EQ(publisher_->published() > before, first[u]) << id;
  }
}

TEST_F(MigrationRouterTest, RandomOrderRunsBothSidesInSomeOrder) {
  SetStage(Stage::kShadow);
  StringMigration::Config config = BaseConfig();
  config.execution = ExecutionMode::kRandomOrder;
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  bool old_first = false;
  bool new_first = false;
  for (int i = 0; i < 64 && !(old_first && new_first); ++i) {
    fakes_.Clear();
    ASSERT_EQ(*migration.Read(user_, i), "old-" + std::to_string(i));
    std::vector<std::string> calls = fakes_.calls();
    ASSERT_EQ(calls.size(), 2u);
    (calls[0] == "read_old" ? old_first : new_first) = true;
  }
  EXPECT_TRUE(old_first && new_first);
}

TEST_F(MigrationRouterTest, ConcurrentCandidateRunsOnTheExecutor) {
  SetStage(Stage::kLive);
  ExperimentExecutor::Options eo;
  eo.workers = 1;
  auto executor = *ExperimentExecutor::Create(eo);
  StringMigration::Config config = BaseConfig();
  config.execution = ExecutionMode::kConcurrent;
  config.executor = executor;
  CUTOVER_ASSERT_OK_AND_ASSIGN(StringMigration migration,
                               Make(std::move(config)));
  ASSERT_EQ(*migration.Read(user_, 8), "new-8");
  OwnedOperationRecord r = LastRecord();
  EXPECT_TRUE(r.new_origin.ran);
  EXPECT_TRUE(r.old_origin.queued);
  // Drain the executor: the candidate runs, compares and publishes there.
  ASSERT_TRUE(executor
                  ->Shutdown(ExperimentExecutor::ShutdownMode::kDrain,
                             milliseconds(10000))
                  .ok());
  EXPECT_EQ(fakes_.calls(), (std::vector<std::string>{"read_new", "read_old"}));
  ASSERT_TRUE(publisher_->LastResult().has_value());
  EXPECT_EQ(publisher_->LastResult()->outcome, Outcome::kMismatch);
  // The candidate's record may land before or after the caller's own: find it.
  const std::vector<OwnedOperationRecord> records = tracker_->Records();
  const auto async = std::find_if(
      records.begin(), records.end(),
      [](const OwnedOperationRecord& rec) { return rec.async_candidate; });
  ASSERT_NE(async, records.end());
  r = *async;
  EXPECT_TRUE(r.async_candidate);
  EXPECT_TRUE(r.old_origin.ran);
  EXPECT_TRUE(r.compared);
  EXPECT_EQ(tracker_->Totals().reads().origin(Side::kOld).runs, 1u);
}

TEST_F(MigrationRouterTest, ConcurrentWithUncopyableInputRunsBothReadsHere) {
  SetStage(Stage::kShadow);
  using Uncopyable = Migration<std::unique_ptr<int>, int, int>;
  Uncopyable::Config config;
  config.flag = "users_v2";
  config.execution = ExecutionMode::kConcurrent;
  config.publisher = publisher_;
  config.logger = MakeNullLogger();
  config.read_old = [](const std::unique_ptr<int>& p) { return *p; };
  config.read_new = [](const std::unique_ptr<int>& p) { return *p + 1; };
  config.write_old = [](const int&) { return absl::OkStatus(); };
  config.write_new = [](const int&) { return absl::OkStatus(); };
  config.entity_key = [](const int& i) { return std::to_string(i); };
  auto migration = Uncopyable::Create(*client_, std::move(config));
  ASSERT_TRUE(migration.ok()) << migration.status();
  EXPECT_EQ(*migration->Read(user_, std::make_unique<int>(41)), 41);
  // The input dies with the call, so the comparison happened before it
  // returned.
  ASSERT_TRUE(publisher_->LastResult().has_value());
  EXPECT_EQ(publisher_->LastResult()->outcome, Outcome::kMismatch);
}

// ---- Typed write results and configuration errors. ----

TEST_F(MigrationRouterTest, WriteOutputIsTheAuthoritativeSidesResult) {
  SetStage(Stage::kLive);
  Migration<int, int, int, std::string>::Config config;
  config.flag = "users_v2";
  config.logger = MakeNullLogger();
  config.read_old = [](const int& i) { return i; };
  config.read_new = [](const int& i) { return i; };
  config.write_old = [](const int& i) {
    return "old row " + std::to_string(i);
  };
  config.write_new = [](const int& i) {
    return "new row " + std::to_string(i);
  };
  config.entity_key = [](const int& i) { return std::to_string(i); };
  auto migration =
      Migration<int, int, int, std::string>::Create(*client_, config);
  ASSERT_TRUE(migration.ok()) << migration.status();
  absl::StatusOr<std::string> written = migration->Write(user_, 3);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, "new row 3");
}

struct InvalidConfigRow {
  std::string name;
  std::function<void(StringMigration::Config*)> breaks;
  std::string message;
};

void PrintTo(const InvalidConfigRow& row, std::ostream* os) { *os << row.name; }

class InvalidConfigTest
    : public MigrationRouterTest,
      public ::testing::WithParamInterface<InvalidConfigRow> {};

TEST_P(InvalidConfigTest, CreateNamesTheProblem) {
  StringMigration::Config config = BaseConfig();
  GetParam().breaks(&config);
  auto created = StringMigration::Create(*client_, std::move(config));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find(GetParam().message),
            absl::string_view::npos)
      << created.status();
}

INSTANTIATE_TEST_SUITE_P(
    Configs, InvalidConfigTest,
    ::testing::Values(
        InvalidConfigRow{"bad_flag",
                         [](StringMigration::Config* c) { c->flag = "Users!"; },
                         "not a valid flag name"},
        InvalidConfigRow{
            "no_read_new",
            [](StringMigration::Config* c) { c->read_new = nullptr; },
            "read_new is not set"},
        InvalidConfigRow{
            "no_entity_key",
            [](StringMigration::Config* c) { c->entity_key = nullptr; },
            "entity_key is not set"},
        InvalidConfigRow{"two_compares",
                         [](StringMigration::Config* c) {
                           c->compare = [](const std::string&,
                                           const std::string&) { return true; };
                           c->compare_detailed = [](const std::string&,
                                                    const std::string&) {
                             return Comparison{};
                           };
                         },
                         "compare or compare_detailed"},
        InvalidConfigRow{
            "bad_operation",
            [](StringMigration::Config* c) { c->write_operation = ""; },
            "write_operation"}),
    [](const ::testing::TestParamInfo<InvalidConfigRow>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace cutover
