// Names of what a sync generates. Everything is named after the sync (and its
// flag) so an operator reading pg_trigger knows what made it, and uninstall
// can find it again.
//
// Thread-safety: pure functions.
#ifndef CUTOVER_PG_SRC_SYNC_SYNC_NAMES_H_
#define CUTOVER_PG_SRC_SYNC_SYNC_NAMES_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace cutover::pg {

// PostgreSQL truncates identifiers longer than NAMEDATALEN - 1 bytes.
inline constexpr std::size_t kMaxIdentifierBytes = 63;

// The trigger on the old table (and its function); the reverse trigger on the
// new table of a table-to-table sync.
inline constexpr std::string_view kForwardSuffix = "_fwd";
inline constexpr std::string_view kReverseSuffix = "_rev";

// "cutover_sync_[<flag>_]<name><suffix>", used unquoted as the catalog name
// (it is always quoted in SQL).
inline std::string SyncObjectName(std::string_view name, std::string_view flag,
                                  std::string_view suffix) {
  std::string out = "cutover_sync_";
  if (!flag.empty()) {
    out.append(flag.data(), flag.size());
    out.push_back('_');
  }
  out.append(name.data(), name.size());
  out.append(suffix.data(), suffix.size());
  return out;
}

}  // namespace cutover::pg

#endif  // CUTOVER_PG_SRC_SYNC_SYNC_NAMES_H_
