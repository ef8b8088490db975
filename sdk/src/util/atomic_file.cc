#include "cutover/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

// Owns a file descriptor. Close() reports the result, because close() is where
// some file systems (NFS) report a failed write; the destructor is only the
// safety net for early returns.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Returns close()'s result, with errno set on failure.
  int Close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd);
  }

 private:
  int fd_;
};

// Removes the temporary file unless it has been renamed into place.
class TempFileRemover {
 public:
  explicit TempFileRemover(std::string path) : path_(std::move(path)) {}
  TempFileRemover(const TempFileRemover&) = delete;
  TempFileRemover& operator=(const TempFileRemover&) = delete;
  ~TempFileRemover() {
    if (armed_) ::unlink(path_.c_str());
  }

  void Disarm() { armed_ = false; }

 private:
  std::string path_;
  bool armed_ = true;
};

absl::Status Failed(int error, std::string_view what, std::string_view path) {
  return absl::ErrnoToStatus(error, StrCat(what, " ", path));
}

// The directory holding `path`, for the temporary file and the directory
// fsync.
std::string DirectoryOf(const std::string& path) {
  const std::string::size_type slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, std::string_view contents,
                      const std::string& tmp) {
  while (!contents.empty()) {
    const ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Failed(errno, "cannot write", tmp);
    }
    // A short write (a full disk, a file size limit) is followed by another
    // write that reports the error.
    contents.remove_prefix(static_cast<std::size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents) {
  // A unique name per writer: two clients sharing a snapshot path must not
  // write into, or rename away, each other's temporary file.
  std::string tmp = path + ".tmp.XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  // O_CLOEXEC: a child the application forks and execs must not inherit it.
  UniqueFd fd(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd.valid())
    return Failed(errno, "cannot create a temporary file for", path);
  tmp.assign(name.data());
  TempFileRemover remover(tmp);

  // mkstemp creates the file 0600; the snapshot holds no secrets and was
  // always readable by other users.
  if (::fchmod(fd.get(), 0644) != 0) return Failed(errno, "cannot chmod", tmp);
  if (absl::Status s = WriteAll(fd.get(), contents, tmp); !s.ok()) return s;
  // Without fsync a crash after the rename can leave the new name pointing at
  // a file whose data never reached the disk.
  if (::fsync(fd.get()) != 0) return Failed(errno, "cannot fsync", tmp);
  if (fd.Close() != 0) return Failed(errno, "cannot close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    return Failed(error, StrCat("cannot rename ", tmp, " to"), path);
  }
  remover.Disarm();

  // The rename is durable only once the directory entry is.
  const std::string dir = DirectoryOf(path);
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) {
    return Failed(errno, StrCat("wrote ", path, " but cannot open"), dir);
  }
  if (::fsync(dir_fd.get()) != 0) {
    return Failed(errno, StrCat("wrote ", path, " but cannot fsync"), dir);
  }
  return absl::OkStatus();
}

}  // namespace sdk
}  // namespace cutover
