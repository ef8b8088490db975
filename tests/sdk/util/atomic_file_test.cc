// Atomic replacement of the client's snapshot file: a failed write keeps the
// previous snapshot byte for byte and leaves no temporary file behind, and
// concurrent writers neither fail because of each other nor leave a mixed
// file.
#include "cutover/atomic_file.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace cutover {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void WriteFile(const fs::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  ASSERT_TRUE(out) << "cannot set up " << path;
}

// Names of the entries of `dir`, to show that no temporary file is left.
std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  return names;
}

// In a child process limited to files of `limit` bytes (as a full disk would
// cut the write short), writes `contents` to `path`, prints the status and
// exits 1 if the write failed, 0 if it claimed success.
[[noreturn]] void WriteUnderFileSizeLimit(const std::string& path,
                                          const std::string& contents,
                                          rlim_t limit) {
  // Without this the kernel kills the process with SIGXFSZ instead of
  // failing the write with EFBIG.
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit rl;
  if (::getrlimit(RLIMIT_FSIZE, &rl) != 0) std::_Exit(2);
  const rlim_t soft = rl.rlim_cur;
  rl.rlim_cur = limit;
  if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) std::_Exit(2);
  const absl::Status s = WriteFileAtomically(path, contents);
  // The limit applies to the file the death test captures stderr in too.
  rl.rlim_cur = soft;
  if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) std::_Exit(2);
  std::fprintf(stderr, "status: %s\n", s.ToString().c_str());
  std::_Exit(s.ok() ? 0 : 1);
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "snapshot_file_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "snapshot.json";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  fs::path dir_;
  fs::path path_;
};

TEST_F(AtomicFileTest, WritesTheContentsAndLeavesNoTemporaryFile) {
  ASSERT_TRUE(WriteFileAtomically(path_, "{\"version\":1}").ok());
  EXPECT_EQ(ReadFile(path_), "{\"version\":1}");
  ASSERT_TRUE(WriteFileAtomically(path_, "{\"version\":2}").ok());
  EXPECT_EQ(ReadFile(path_), "{\"version\":2}");
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"snapshot.json"});
}

// A write cut short while the data is still in a stream buffer used to be
// noticed only when the stream was destroyed, after the check: the truncated
// file was then renamed over the good one.
TEST_F(AtomicFileTest, ACutShortSmallWriteKeepsThePreviousSnapshot) {
  const std::string previous = "{\"version\":1,\"documents\":{}}";
  WriteFile(path_, previous);
  const std::string next(500, 'x');  // fits in a stream buffer
  EXPECT_EXIT(WriteUnderFileSizeLimit(path_, next, 64),
              ::testing::ExitedWithCode(1), "snapshot\\.json.*File too large");
  EXPECT_EQ(ReadFile(path_), previous);
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"snapshot.json"});
}

TEST_F(AtomicFileTest, ACutShortLargeWriteKeepsThePreviousSnapshot) {
  const std::string previous = "{\"version\":1,\"documents\":{}}";
  WriteFile(path_, previous);
  const std::string next(1 << 20, 'x');
  EXPECT_EXIT(WriteUnderFileSizeLimit(path_, next, 64 * 1024),
              ::testing::ExitedWithCode(1), "snapshot\\.json.*File too large");
  EXPECT_EQ(ReadFile(path_), previous);
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"snapshot.json"});
}

TEST_F(AtomicFileTest, AFailedRenameNamesThePathAndRemovesTheTemporaryFile) {
  // A non-empty directory where the snapshot should be: rename() refuses.
  fs::create_directory(path_);
  WriteFile(path_ / "keep", "k");
  const absl::Status s = WriteFileAtomically(path_, "{}");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path_.string()), std::string::npos) << s;
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"snapshot.json"});
  EXPECT_EQ(ReadFile(path_ / "keep"), "k");
}

TEST_F(AtomicFileTest, AMissingDirectoryNamesThePathAndTheErrno) {
  const fs::path path = dir_ / "missing" / "snapshot.json";
  const absl::Status s = WriteFileAtomically(path, "{}");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path.string()), std::string::npos) << s;
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos)
      << s;
}

// Two clients sharing a snapshot path (two processes of one application)
// write at the same time. Every write succeeds, and a reader only ever sees
// one writer's snapshot in full.
TEST_F(AtomicFileTest, ConcurrentWritersNeverFailOrMixTheirSnapshots) {
  constexpr int kWrites = 300;
  const std::string a(64 * 1024, 'a');
  const std::string b(64 * 1024, 'b');
  WriteFile(path_, a);

  std::atomic<int> writers_running{2};
  std::atomic<int> failures{0};
  auto writer = [&](const std::string& contents) {
    for (int i = 0; i < kWrites; ++i) {
      const absl::Status s = WriteFileAtomically(path_, contents);
      if (!s.ok()) {
        if (failures.fetch_add(1) == 0) ADD_FAILURE() << s;
      }
    }
    writers_running.fetch_sub(1);
  };
  int bad_reads = 0;
  std::string first_bad;
  std::thread reader([&] {
    while (writers_running.load() > 0) {
      const std::string seen = ReadFile(path_);
      if (seen != a && seen != b) {
        if (bad_reads++ == 0) first_bad = seen.substr(0, 64);
      }
    }
  });
  std::thread writer_a(writer, a);
  std::thread writer_b(writer, b);
  writer_a.join();
  writer_b.join();
  reader.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(bad_reads, 0) << "first bad read starts with: " << first_bad;
  const std::string last = ReadFile(path_);
  EXPECT_TRUE(last == a || last == b);
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"snapshot.json"});
}

}  // namespace
}  // namespace cutover
