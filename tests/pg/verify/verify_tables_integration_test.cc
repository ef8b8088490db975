// Table verification on real PostgreSQL, 1,000,000 rows per side: exact
// findings for injected changes, missing and extra rows and NULL-vs-empty
// cells, no false differences from writes in flight, and clear refusals.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <numeric>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cutover/normalizer.h"
#include "cutover/table_verifier.h"
#include "cutover/verify_report.h"
#include "gtest/gtest.h"
#include "support/pg_scratch.h"

namespace cutover::pg {
namespace {

using testing::ConnectScratch;
using testing::Exec;
using testing::QueryInt;
using testing::ScratchName;
using testing::ScratchTable;

constexpr std::int64_t kRows = 1000000;

// (key, kind) of each listed difference, for exact set comparisons.
std::set<std::pair<std::string, std::string>> Found(const VerifyResult& r) {
  std::set<std::pair<std::string, std::string>> out;
  for (const VerifyDifference& d : r.differences) {
    out.emplace(d.key.dump(), VerifyDifferenceKindName(d.kind));
  }
  return out;
}

// One 1,000,000-row "old" table for the whole suite; each test copies it into
// its own "new" table and changes that.
class VerifyTablesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_conn_ = ConnectScratch().release();
    if (setup_conn_ == nullptr) return;
    old_table_ = new std::string(ScratchName("verify_old"));
    Exec(*setup_conn_, "CREATE TABLE " + *old_table_ +
                           " (id bigint PRIMARY KEY, name text NOT NULL, "
                           "email text, n int)");
    Exec(*setup_conn_, "INSERT INTO " + *old_table_ +
                           " SELECT g, 'First' || g || ' Last' || (g % 1000), "
                           "'u' || g || '@example.com', g % 77 "
                           "FROM generate_series(1, " +
                           std::to_string(kRows) + ") g");
    Exec(*setup_conn_, "VACUUM ANALYZE " + *old_table_);
  }
  static void TearDownTestSuite() {
    if (setup_conn_ != nullptr && old_table_ != nullptr) {
      Exec(*setup_conn_, "DROP TABLE IF EXISTS " + *old_table_);
    }
    delete old_table_;
    delete setup_conn_;
    old_table_ = nullptr;
    setup_conn_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(setup_conn_, nullptr);
    old_conn_ = ConnectScratch();
    new_conn_ = ConnectScratch();
    new_table_ = ScratchName("verify_new");
    guard_ = std::make_unique<ScratchTable>(*old_conn_, new_table_);
    Exec(*old_conn_,
         "CREATE TABLE " + new_table_ + " AS SELECT * FROM " + *old_table_);
    Exec(*old_conn_, "ALTER TABLE " + new_table_ + " ADD PRIMARY KEY (id)");
    Exec(*old_conn_, "VACUUM ANALYZE " + new_table_);
  }

  VerifyOptions Options() const {
    VerifyOptions o;
    o.old_query = "SELECT id, name, email, n FROM " + *old_table_;
    o.new_query = "SELECT id, name, email, n FROM " + new_table_;
    o.recheck_delay = std::chrono::milliseconds(50);
    o.max_diffs = 100;
    return o;
  }

  absl::StatusOr<VerifyResult> Verify(const VerifyOptions& o,
                                      const VerifyHooks& hooks = {}) {
    return VerifyTables(*old_conn_, *new_conn_, o, hooks);
  }

  // Changes on the new side only (the old table is shared by the suite).
  void InjectDifferences() {
    Exec(*old_conn_, "UPDATE " + new_table_ +
                         " SET email = upper(email) WHERE id IN (10, 500000, "
                         "999999)");
    Exec(*old_conn_, "UPDATE " + new_table_ + " SET n = n + 1 WHERE id = 77");
    Exec(*old_conn_, "DELETE FROM " + new_table_ + " WHERE id IN (5, 250000)");
    Exec(*old_conn_, "INSERT INTO " + new_table_ +
                         " VALUES (0, 'Zero', NULL, 0), (1500000, 'Big', "
                         "'b@x', 1), (2000001, 'Bigger', 'c@x', 2)");
  }

  static pqxx::connection* setup_conn_;
  static std::string* old_table_;
  std::unique_ptr<pqxx::connection> old_conn_;
  std::unique_ptr<pqxx::connection> new_conn_;
  std::string new_table_;
  std::unique_ptr<ScratchTable> guard_;
};

pqxx::connection* VerifyTablesTest::setup_conn_ = nullptr;
std::string* VerifyTablesTest::old_table_ = nullptr;

TEST_F(VerifyTablesTest, IdenticalTablesAreEqualWithoutDrillingIn) {
  absl::StatusOr<VerifyResult> r = Verify(Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->equal);
  EXPECT_EQ(r->rows_old, kRows);
  EXPECT_EQ(r->rows_new, kRows);
  EXPECT_EQ(r->chunks, 101);  // 100 boundaries every 10,000 keys
  EXPECT_EQ(r->chunks_differing, 0);
  EXPECT_EQ(r->difference_count, 0);
  EXPECT_TRUE(r->differences.empty());
  EXPECT_EQ(r->recheck_passes_run, 0);
  EXPECT_EQ(r->columns, (std::vector<std::string>{"id", "name", "email", "n"}));
}

TEST_F(VerifyTablesTest, FindsExactlyTheInjectedChangedMissingAndExtraRows) {
  InjectDifferences();
  absl::StatusOr<VerifyResult> r = Verify(Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->equal);
  EXPECT_EQ(r->rows_old, kRows);
  EXPECT_EQ(r->rows_new, kRows + 1);
  EXPECT_EQ(r->difference_count, 9);
  const std::set<std::pair<std::string, std::string>> expected = {
      {"10", "changed"},          {"77", "changed"},
      {"500000", "changed"},      {"999999", "changed"},
      {"5", "missing_in_new"},    {"250000", "missing_in_new"},
      {"0", "extra_in_new"},      {"1500000", "extra_in_new"},
      {"2000001", "extra_in_new"}};
  EXPECT_EQ(Found(*r), expected);
  // Only the chunks holding a difference were fetched.
  EXPECT_LE(r->chunks_differing, 8);
  EXPECT_EQ(r->resolved_on_recheck, 0);
  for (const VerifyDifference& d : r->differences) {
    if (d.key == 10) {
      ASSERT_EQ(d.columns.size(), 1u);
      EXPECT_EQ(d.columns[0]["column"], "email");
      EXPECT_EQ(d.columns[0]["old"], "u10@example.com");
      EXPECT_EQ(d.columns[0]["new"], "U10@EXAMPLE.COM");
    }
    if (d.key == 5) {
      ASSERT_EQ(d.columns.size(), 4u);
      EXPECT_EQ(d.columns[1]["column"], "name");
      EXPECT_EQ(d.columns[1]["old"], "First5 Last5");
      EXPECT_FALSE(d.columns[1].contains("new"));
    }
    if (d.key == 2000001) {
      EXPECT_EQ(d.columns[1]["new"], "Bigger");
      EXPECT_FALSE(d.columns[1].contains("old"));
    }
  }
}

TEST_F(VerifyTablesTest, ListIsCappedButTheCountStaysExact) {
  InjectDifferences();
  VerifyOptions o = Options();
  o.max_diffs = 3;
  absl::StatusOr<VerifyResult> r = Verify(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->difference_count, 9);
  EXPECT_EQ(r->differences.size(), 3u);
}

TEST_F(VerifyTablesTest, NullVersusEmptyDiffersUnlessNormalized) {
  // The migration wrote '' where the old schema had NULL (and back).
  Exec(*old_conn_, "UPDATE " + new_table_ + " SET email = '' WHERE id = 300");
  Exec(*old_conn_, "UPDATE " + new_table_ + " SET email = NULL WHERE id = 301");
  // A blank is not empty, unless trimmed first.
  Exec(*old_conn_, "UPDATE " + new_table_ + " SET email = '  ' WHERE id = 302");
  VerifyOptions o = Options();
  o.old_query =
      "SELECT id, name, CASE WHEN id IN (300, 302) THEN NULL "
      "WHEN id = 301 THEN '' ELSE email END AS email, n FROM " +
      *old_table_;
  absl::StatusOr<VerifyResult> raw = Verify(o);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(Found(*raw),
            (std::set<std::pair<std::string, std::string>>{
                {"300", "changed"}, {"301", "changed"}, {"302", "changed"}}));
  for (const VerifyDifference& d : raw->differences) {
    if (d.key == 300) {
      EXPECT_TRUE(d.columns[0]["old"].is_null());
      EXPECT_EQ(d.columns[0]["new"], "");
    }
  }

  o.normalizers.ForAll(comparator::Normalizer::NullEqualsEmpty());
  absl::StatusOr<VerifyResult> normalized = Verify(o);
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_EQ(
      Found(*normalized),
      (std::set<std::pair<std::string, std::string>>{{"302", "changed"}}));
  // Mirrored in SQL: the NULL/'' chunks hash equal and are not even fetched.
  EXPECT_EQ(normalized->chunks_differing, 1);

  VerifyOptions trimmed = o;
  trimmed.normalizers = comparator::NormalizerSet();
  trimmed.normalizers.ForAll(comparator::Normalizer::Trim())
      .ForAll(comparator::Normalizer::NullEqualsEmpty());
  absl::StatusOr<VerifyResult> both = Verify(trimmed);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_TRUE(both->equal) << both->difference_count;
}

// An application dual-writes old, then new, in separate transactions, while
// the verification runs. A snapshot can catch a row between the two writes;
// the re-check, a moment later, sees both and drops the difference.
TEST_F(VerifyTablesTest, WritesInFlightProduceNoDifferenceAfterRecheck) {
  // Old and new of this test are both written to: "wo" is a private copy of
  // the old table, the fixture's new table is the new side.
  const std::string wo = ScratchName("writes_old");
  const std::string& wn = new_table_;
  ScratchTable wo_guard(*old_conn_, wo);
  Exec(*old_conn_, "CREATE TABLE " + wo + " AS SELECT * FROM " + *old_table_);
  Exec(*old_conn_, "ALTER TABLE " + wo + " ADD PRIMARY KEY (id)");
  // One write deterministically in flight: old written, new not yet; the
  // first re-check finishes it.
  Exec(*old_conn_, "UPDATE " + wo + " SET name = 'In Flight' WHERE id = 123");

  std::atomic<bool> done{false};
  std::atomic<std::int64_t> writes{0};
  std::thread writer([&] {
    std::unique_ptr<pqxx::connection> c = ConnectScratch();
    std::vector<std::int64_t> ids(kRows);
    std::iota(ids.begin(), ids.end(), 1);
    std::shuffle(ids.begin(), ids.end(), std::mt19937_64(99));
    // Each row is dual-written once: old, commit, a pause, new, commit.
    for (size_t i = 0; !done.load() && i < ids.size(); ++i) {
      if (ids[i] == 123) continue;
      const std::string value = "W" + std::to_string(i);
      for (const std::string& t : {wo, wn}) {
        pqxx::work tx(*c);
        tx.exec_params("UPDATE " + t + " SET email = $2 WHERE id = $1", ids[i],
                       value);
        tx.commit();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      writes.fetch_add(1);
    }
  });
  VerifyOptions o = Options();
  o.old_query = "SELECT id, name, email, n FROM " + wo;
  o.new_query = "SELECT id, name, email, n FROM " + wn;
  o.recheck_passes = 3;
  o.recheck_delay = std::chrono::milliseconds(300);
  VerifyHooks hooks;
  int rechecks = 0;
  hooks.before_recheck = [&](int pass) {
    ++rechecks;
    if (pass == 1) {
      Exec(*old_conn_,
           "UPDATE " + wn + " SET name = 'In Flight' WHERE id = 123");
    }
  };
  absl::StatusOr<VerifyResult> r = Verify(o, hooks);
  done.store(true);
  writer.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(writes.load(), 0);
  EXPECT_GE(rechecks, 1);
  EXPECT_TRUE(r->equal) << VerifyResultToJson(*r).dump();
  EXPECT_EQ(r->difference_count, 0);
  EXPECT_GE(r->resolved_on_recheck, 1);
}

}  // namespace
}  // namespace cutover::pg
