// Parsing and shape checks of a sync definition, before any database is
// touched (pg/include/cutover/sync_trigger.h).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/internal/strings.h"
#include "cutover/sync_trigger.h"
#include "sync/sync_names.h"

namespace cutover::pg {
namespace {

std::string_view Trim(std::string_view s) {
  const std::size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const std::size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

// Index of the first `separator` outside double quotes at or after `from`,
// npos when there is none. Sets `unterminated` when a quote is left open.
std::size_t FindOutsideQuotes(std::string_view text, char separator,
                              std::size_t from, bool& unterminated) {
  bool quoted = false;
  for (std::size_t i = from; i < text.size(); ++i) {
    if (text[i] == '"') {
      quoted = !quoted;  // a doubled quote toggles twice: still inside
    } else if (!quoted && text[i] == separator) {
      unterminated = false;
      return i;
    }
  }
  unterminated = quoted;
  return std::string_view::npos;
}

}  // namespace

absl::Status ValidateSyncName(std::string_view name, std::string_view flag) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "the sync needs a name: cutover sync install NAME ...");
  }
  if (name.find('\0') != std::string_view::npos ||
      flag.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "sync and flag names cannot contain a NUL byte");
  }
  const std::string longest = SyncObjectName(name, flag, kReverseSuffix);
  if (longest.size() > kMaxIdentifierBytes) {
    return absl::InvalidArgumentError(
        StrCat("sync name '", name, "'", flag.empty() ? "" : " with flag '",
               flag.empty() ? std::string_view() : flag,
               flag.empty() ? "" : "'", " makes the trigger name '", longest,
               "' ", longest.size(), " bytes long; PostgreSQL cuts names at ",
               kMaxIdentifierBytes, " bytes. Choose a shorter sync name"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ParseSyncNameList(
    std::string_view text, std::string_view what) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (true) {
    bool unterminated = false;
    const std::size_t comma = FindOutsideQuotes(text, ',', start, unterminated);
    if (unterminated) {
      return absl::InvalidArgumentError(
          StrCat(what, " '", text, "' has an unterminated double quote"));
    }
    const std::string_view item = Trim(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos
                                               : comma - start));
    if (item.empty()) {
      return absl::InvalidArgumentError(StrCat(
          what, " '", text,
          "' has an empty name; separate names with commas and double-quote "
          "a name that contains one: '\"a,b\"'"));
    }
    names.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return names;
}

absl::StatusOr<SyncAssignment> ParseSyncAssignment(std::string_view text,
                                                   std::string_view what) {
  bool unterminated = false;
  const std::size_t eq = FindOutsideQuotes(text, '=', 0, unterminated);
  if (eq == std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat(what, " '", text, "' is not \"column = expression\"",
               unterminated ? " (a double quote is left open)" : ""));
  }
  SyncAssignment a;
  a.column = std::string(Trim(text.substr(0, eq)));
  a.expression = std::string(Trim(text.substr(eq + 1)));
  if (a.column.empty() || a.expression.empty()) {
    return absl::InvalidArgumentError(
        StrCat(what, " '", text,
               "' needs a column before '=' and an expression after it"));
  }
  return a;
}

absl::Status ValidateSyncDefinition(const SyncDefinition& d) {
  if (absl::Status s = ValidateSyncName(d.name, d.flag); !s.ok()) return s;
  if (d.table.empty()) {
    return absl::InvalidArgumentError(
        "--table is empty: name the old table the writers write");
  }
  if (d.key.empty()) {
    return absl::InvalidArgumentError(
        "--key is empty: name the old table's key column(s), unique together");
  }
  const bool columns = !d.set.empty();
  const bool table = !d.into.empty() || !d.columns.empty() || !d.from.empty();
  if (columns == table) {
    return absl::InvalidArgumentError(
        "give either --set \"new_col = expr\" (column to column) or --into "
        "TABLE --columns COLS --from \"SELECT ...\" (table to table), not "
        "both or neither");
  }
  if (table) {
    if (d.into.empty() || d.columns.empty() || d.from.empty()) {
      return absl::InvalidArgumentError(
          "a table-to-table sync needs all of --into, --columns and --from");
    }
    if (d.columns.size() < d.key.size()) {
      return absl::InvalidArgumentError(StrCat(
          "--columns names ", d.columns.size(), " column(s) but --key has ",
          d.key.size(),
          ": the first --columns of the new table hold the old table's key"));
    }
  }
  return absl::OkStatus();
}

}  // namespace cutover::pg
