// Atomic replacement of a file: the client's snapshot file, what an application
// serves from when Redis is unreachable at start-up (docs/flags.md, "Behaviour
// under failure"), and the CLI's HTML report. A failed write must never cost
// the last good file.
//
// Thread-safety: any number of threads and processes may replace the same
// path at once; each writes its own temporary file, and the last rename wins.
#ifndef CUTOVER_ATOMIC_FILE_H_
#define CUTOVER_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace cutover {
inline namespace sdk {

// Replaces the file at `path` with `contents`. Readers, and the file system
// after a crash or power loss, see either the previous file or the new one in
// full, never a truncated or mixed file.
//
// Writes a uniquely named temporary file in the same directory (so the rename
// stays within one file system), writes all of `contents`, fsyncs it, renames
// it over `path` and fsyncs the directory so the rename itself is durable.
// The new file has mode 0644.
//
// On failure before the rename, the temporary file is removed and `path` is
// untouched. The returned status names the file and the errno text. A failure
// to fsync the directory after the rename is reported too, though `path`
// already holds the new contents.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_ATOMIC_FILE_H_
