// Parsing of sync options and the SQL text a sync generates, without a
// database.
#include <string>
#include <vector>

#include "cutover/sync_trigger.h"
#include "gtest/gtest.h"
#include "sync/sync_names.h"
#include "sync/sync_plan.h"
#include "sync/sync_sql.h"

namespace cutover::pg {
namespace {

TEST(ParseSyncNameList, SplitsAtCommasOutsideQuotes) {
  absl::StatusOr<std::vector<std::string>> names =
      ParseSyncNameList(R"(id,  "a,b" , c)", "--key");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_EQ(*names, (std::vector<std::string>{"id", R"("a,b")", "c"}));
}

TEST(ParseSyncNameList, RefusesEmptyItemsAndOpenQuotes) {
  EXPECT_EQ(ParseSyncNameList("id,,x", "--key").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSyncNameList(R"("id)", "--key").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseSyncAssignment, ColumnIsBeforeTheFirstEqualsOutsideQuotes) {
  absl::StatusOr<SyncAssignment> a =
      ParseSyncAssignment(R"( "a=b" = x = y )", "--set");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->column, R"("a=b")");
  EXPECT_EQ(a->expression, "x = y");
}

TEST(ParseSyncAssignment, RefusesMissingParts) {
  for (const char* bad : {"first_name", "= x", "first_name =  "}) {
    absl::StatusOr<SyncAssignment> a = ParseSyncAssignment(bad, "--set");
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(a.status().message().find("--set"), absl::string_view::npos);
  }
}

TEST(ValidateSyncName, KeepsGeneratedNamesWithinPostgresLimit) {
  EXPECT_TRUE(ValidateSyncName("name_split", "").ok());
  EXPECT_TRUE(ValidateSyncName(R"(we"ird; name)", "").ok());
  EXPECT_EQ(ValidateSyncName("", "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateSyncName(std::string(47, 'x'), "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateSyncName(std::string(46, 'x'), "").ok());
  EXPECT_EQ(ValidateSyncName(std::string(40, 'x'), "flag_name").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SyncObjectName("s", "f", kForwardSuffix), "cutover_sync_f_s_fwd");
}

TEST(ValidateSyncDefinition, NeedsExactlyOneKind) {
  SyncDefinition d;
  d.name = "s";
  d.table = "users";
  d.key = {"id"};
  EXPECT_EQ(ValidateSyncDefinition(d).code(),
            absl::StatusCode::kInvalidArgument);
  d.set = {{"first_name", "name"}};
  EXPECT_TRUE(ValidateSyncDefinition(d).ok());
  d.into = "user_pair";
  EXPECT_EQ(ValidateSyncDefinition(d).code(),
            absl::StatusCode::kInvalidArgument);
  d.set.clear();
  EXPECT_EQ(ValidateSyncDefinition(d).code(),
            absl::StatusCode::kInvalidArgument);  // no --columns / --from
  d.columns = {"user_id", "pair_id"};
  d.from = "SELECT id, joined_pair_id FROM users";
  EXPECT_TRUE(ValidateSyncDefinition(d).ok());
  d.key = {"a", "b", "c"};
  EXPECT_EQ(ValidateSyncDefinition(d).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(QuoteSqlLiteral, DoublesQuotesAndBackslashes) {
  EXPECT_EQ(QuoteSqlLiteral(R"(it's a\b)"), R"(E'it''s a\\b')");
}

SyncColumn Column(const std::string& name, const std::string& sql,
                  const std::string& type = "text") {
  return SyncColumn{name, sql, type};
}

SyncPlan ColumnsPlan() {
  SyncPlan p;
  p.name = R"(s'y"nc; DROP)";
  p.table = SyncTable{"1", "app", "users", R"("app"."users")"};
  p.key = {Column("id", R"("id")", "bigint")};
  p.set_columns = {Column("first_name", R"("first_name")")};
  p.set_expressions = {"split_part(name, ' ', 1) -- first word"};
  p.forward_watch = {Column("name", R"("name")")};
  p.forward_name = SyncObjectName(p.name, "", kForwardSuffix);
  return p;
}

TEST(BuildSyncSql, ColumnsSyncIsOneBeforeTriggerOnTheOldColumns) {
  const SyncSql sql = BuildSyncSql(ColumnsPlan(), false);
  ASSERT_EQ(sql.triggers.size(), 2u);  // the trigger and its comment
  EXPECT_NE(sql.triggers[0].find(
                R"(CREATE TRIGGER "cutover_sync_s'y""nc; DROP_fwd" BEFORE )"
                R"(INSERT OR UPDATE OF "name" ON "app"."users" FOR EACH ROW)"),
            std::string::npos)
      << sql.triggers[0];
  const std::string& fn = sql.functions[0];
  EXPECT_NE(fn.find("current_setting('cutover.dual_write', true) = 'on'"),
            std::string::npos);
  // The name reaches the body only as an escaped literal.
  EXPECT_NE(fn.find(R"(E'cutover sync ''s''y"nc; DROP'': )"), std::string::npos)
      << fn;
  // A trailing comment in an expression ends at its own line.
  EXPECT_NE(fn.find("-- first word\n)"), std::string::npos);
  ASSERT_EQ(sql.objects.size(), 2u);
  EXPECT_EQ(sql.objects[0].kind, "function");
  EXPECT_EQ(sql.objects[1].kind, "trigger");
  EXPECT_EQ(sql.objects[1].table, "users");
}

TEST(BuildSyncSql, DollarTagAvoidsTheUsersText) {
  SyncPlan p = ColumnsPlan();
  p.set_expressions = {"'$cutover_sync$' || name"};
  const SyncSql sql = BuildSyncSql(p, false);
  EXPECT_NE(sql.functions[0].find("AS $cutover_sync_1$"), std::string::npos)
      << sql.functions[0];
}

TEST(BuildSyncSql, TableSyncWithReverseHasTwoTriggersAndLoopProtection) {
  SyncPlan p;
  p.name = "pm";
  p.table_to_table = true;
  p.table = SyncTable{"1", "public", "users", R"("public"."users")"};
  p.key = {Column("id", R"("id")", "bigint")};
  p.into = SyncTable{"2", "public", "user_pair", R"("public"."user_pair")"};
  p.columns = {Column("user_id", R"("user_id")", "bigint"),
               Column("pair_id", R"("pair_id")", "bigint")};
  p.from = "SELECT id, joined_pair_id FROM users";
  p.forward_watch = {Column("id", R"("id")"),
                     Column("joined_pair_id", R"("joined_pair_id")")};
  p.reverse_columns = {
      Column("joined_pair_id", R"("joined_pair_id")", "bigint")};
  p.reverse_expressions = {"(SELECT min(pair_id) FROM user_pair)"};
  p.forward_name = SyncObjectName("pm", "", kForwardSuffix);
  p.reverse_name = SyncObjectName("pm", "", kReverseSuffix);
  const SyncSql sql = BuildSyncSql(p, true);
  ASSERT_EQ(sql.triggers.size(), 4u);
  EXPECT_NE(sql.triggers[0].find(
                R"(CREATE OR REPLACE TRIGGER "cutover_sync_pm_fwd" AFTER )"
                R"(INSERT OR UPDATE OF "id", "joined_pair_id" OR DELETE ON)"),
            std::string::npos)
      << sql.triggers[0];
  EXPECT_NE(sql.triggers[2].find(
                R"("cutover_sync_pm_rev" AFTER INSERT OR UPDATE OF )"
                R"("user_id", "pair_id" OR DELETE ON "public"."user_pair")"),
            std::string::npos)
      << sql.triggers[2];
  for (const std::string& fn : {sql.functions[0], sql.functions[2]}) {
    EXPECT_NE(fn.find("IF current_setting('cutover.sync', true) = E'pm'"),
              std::string::npos)
        << fn;
    EXPECT_NE(fn.find("PERFORM set_config('cutover.sync', E'pm', true)"),
              std::string::npos);
  }
  EXPECT_EQ(sql.objects.size(), 4u);
}

TEST(DropSyncObjectSql, QuotesEveryName) {
  absl::StatusOr<std::string> t =
      DropSyncObjectSql({"trigger", R"(s"c)", "t;x", "tab le", true});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, R"(DROP TRIGGER IF EXISTS "t;x" ON "s""c"."tab le")");
  absl::StatusOr<std::string> f =
      DropSyncObjectSql({"function", "public", "f", "", true});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, R"(DROP FUNCTION IF EXISTS "public"."f"())");
}

}  // namespace
}  // namespace cutover::pg
