// Batch sizing, option validation and checkpoint identity: the parts of
// backfill that need no database (its retry delays are the SDK's RetryPolicy,
// tested in tests/sdk/retry/).
#include <chrono>
#include <ostream>
#include <string>

#include "cutover/adaptive_batch.h"
#include "cutover/backfill.h"
#include "cutover/backfill_checkpoint.h"
#include "gtest/gtest.h"

namespace cutover::pg {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(AdaptiveBatchSizer, FixedModeNeverChanges) {
  AdaptiveBatchSizer sizer(BatchSizing{500, milliseconds(0), 100, 1000000});
  sizer.Observe(500, microseconds(1));
  sizer.Observe(500, microseconds(10'000'000));
  EXPECT_FALSE(sizer.adaptive());
  EXPECT_EQ(sizer.next(), 500);
}

TEST(AdaptiveBatchSizer, GrowsAtMostTwofoldPerBatchTowardsTheTarget) {
  AdaptiveBatchSizer sizer(BatchSizing{1000, milliseconds(100), 100, 1000000});
  // 1000 keys in 1 ms: the target would allow 100,000, but growth is capped.
  sizer.Observe(1000, microseconds(1000));
  EXPECT_EQ(sizer.next(), 2000);
  sizer.Observe(2000, microseconds(2000));
  EXPECT_EQ(sizer.next(), 4000);
}

TEST(AdaptiveBatchSizer, SettlesOnTheSizeThatTakesTheTargetTime) {
  AdaptiveBatchSizer sizer(BatchSizing{1000, milliseconds(100), 100, 1000000});
  // A table that processes exactly 50 keys per millisecond.
  for (int i = 0; i < 30; ++i) {
    const std::int64_t keys = sizer.next();
    sizer.Observe(keys, microseconds(keys * 1000 / 50));
  }
  EXPECT_NEAR(static_cast<double>(sizer.next()), 5000.0, 50.0);
}

TEST(AdaptiveBatchSizer, ShrinksAtOnceAfterAnOverrun) {
  AdaptiveBatchSizer sizer(BatchSizing{10000, milliseconds(100), 100, 1000000});
  sizer.Observe(10000, microseconds(100'000));  // on target
  EXPECT_EQ(sizer.next(), 10000);
  sizer.Observe(10000, microseconds(1'000'000));  // 10x over
  EXPECT_LE(sizer.next(), 1000);
}

TEST(AdaptiveBatchSizer, StaysWithinMinAndMax) {
  AdaptiveBatchSizer sizer(BatchSizing{1000, milliseconds(100), 200, 1500});
  sizer.Observe(1000, microseconds(100'000'000));
  EXPECT_EQ(sizer.next(), 200);
  for (int i = 0; i < 10; ++i) sizer.Observe(sizer.next(), microseconds(1));
  EXPECT_EQ(sizer.next(), 1500);
}

TEST(BackfillStatementHash, IsStableAndSeparatesItsParts) {
  EXPECT_EQ(BackfillStatementHash("t", "id", "UPDATE"),
            BackfillStatementHash("t", "id", "UPDATE"));
  EXPECT_EQ(BackfillStatementHash("t", "id", "UPDATE").size(), 16u);
  EXPECT_NE(BackfillStatementHash("ab", "c", "x"),
            BackfillStatementHash("a", "bc", "x"));
  EXPECT_NE(BackfillStatementHash("t", "id", "UPDATE t SET a = 1"),
            BackfillStatementHash("t", "id", "UPDATE t SET a = 2"));
}

struct BadOptionsCase {
  const char* name;
  void (*mutate)(BackfillOptions*);
  const char* message_part;
};

void PrintTo(const BadOptionsCase& c, std::ostream* os) { *os << c.name; }

BackfillOptions GoodOptions() {
  BackfillOptions o;
  o.table = "users";
  o.key_column = "id";
  o.statement = "UPDATE users SET b = a WHERE id > $1 AND id <= $2";
  return o;
}

class BadBackfillOptions : public ::testing::TestWithParam<BadOptionsCase> {};

TEST_P(BadBackfillOptions, AreRefusedNamingTheOption) {
  BackfillOptions o = GoodOptions();
  GetParam().mutate(&o);
  const absl::Status s = ValidateBackfillOptions(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find(GetParam().message_part),
            std::string::npos)
      << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    All, BadBackfillOptions,
    ::testing::Values(
        BadOptionsCase{"NoTable", [](BackfillOptions* o) { o->table.clear(); },
                       "--table"},
        BadOptionsCase{"NoKey",
                       [](BackfillOptions* o) { o->key_column.clear(); },
                       "--key"},
        BadOptionsCase{
            "NoSql", [](BackfillOptions* o) { o->statement.clear(); }, "--sql"},
        BadOptionsCase{"NoUpperBound",
                       [](BackfillOptions* o) {
                         o->statement = "UPDATE t SET b = a WHERE id > $1";
                       },
                       "$2"},
        BadOptionsCase{"NoLowerBound",
                       [](BackfillOptions* o) {
                         o->statement = "UPDATE t SET b = a WHERE id <= $2";
                       },
                       "$1"},
        BadOptionsCase{"ThirdParameter",
                       [](BackfillOptions* o) {
                         o->statement =
                             "UPDATE t SET b = $3 WHERE id > $1 AND id <= $2";
                       },
                       "$3"},
        BadOptionsCase{"ZeroBatch",
                       [](BackfillOptions* o) { o->batch.initial = 0; },
                       "--batch"},
        BadOptionsCase{"NegativeSleep",
                       [](BackfillOptions* o) { o->sleep = milliseconds(-1); },
                       "--sleep-ms"},
        BadOptionsCase{
            "NegativeLockTimeout",
            [](BackfillOptions* o) { o->lock_timeout = milliseconds(-5); },
            "--lock-timeout-ms"},
        BadOptionsCase{"BadCheckpointName",
                       [](BackfillOptions* o) { o->checkpoint = "a b"; },
                       "checkpoint name"},
        BadOptionsCase{"RetryDelaysUpsideDown",
                       [](BackfillOptions* o) {
                         o->retry.max_delay = o->retry.initial_delay / 2;
                       },
                       "max_delay"},
        BadOptionsCase{"UnlimitedRetries",
                       [](BackfillOptions* o) {
                         o->retry.max_retries = RetryOptions::kUnlimited;
                       },
                       "--max-retries"}),
    [](const ::testing::TestParamInfo<BadOptionsCase>& info) {
      return std::string(info.param.name);
    });

TEST(ValidateBackfillOptions, AcceptsAGoodCommand) {
  BackfillOptions o = GoodOptions();
  o.checkpoint = "users.name-split:v1";
  EXPECT_TRUE(ValidateBackfillOptions(o).ok());
}

}  // namespace
}  // namespace cutover::pg
