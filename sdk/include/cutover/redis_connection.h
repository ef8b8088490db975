// One hiredis connection, owned: the context and every reply are freed by RAII.
//
// Thread-safety: a RedisConnection is used by one thread at a time (hiredis
// contexts are not thread-safe). Different connections may be used
// concurrently.
#ifndef CUTOVER_REDIS_CONNECTION_H_
#define CUTOVER_REDIS_CONNECTION_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cutover/redis_url.h"

struct redisContext;
struct redisReply;

namespace cutover {
inline namespace sdk {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const;
};
// A reply owned by the caller. Never null when returned inside an ok StatusOr.
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

struct RedisOptions {
  std::chrono::milliseconds connect_timeout{1000};
  // Every command's read and write: an unresponsive server (DEBUG SLEEP, CLIENT
  // PAUSE) turns into DeadlineExceeded instead of a hung thread.
  std::chrono::milliseconds command_timeout{1000};
};

class RedisConnection {
 public:
  // Connects, authenticates (AUTH password, or AUTH user password) and selects
  // the database. Errors: Unavailable when the server cannot be reached,
  // Unauthenticated when the credentials are refused ("authentication failed");
  // messages name the redacted URL.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const RedisEndpoint& endpoint, const RedisOptions& options = {});

  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and waits for its reply. An error reply from Redis
  // becomes FailedPrecondition carrying Redis's message; a broken or timed-out
  // connection becomes Unavailable or DeadlineExceeded and leaves the
  // connection broken() for good.
  absl::StatusOr<RedisReplyPtr> Command(
      const std::vector<std::string_view>& args);
  absl::StatusOr<RedisReplyPtr> Command(
      std::initializer_list<std::string_view> args) {
    return Command(std::vector<std::string_view>(args));
  }

  // Pipelining: Append queues a command in the output buffer, GetReply sends
  // what is queued and returns replies in order, one per appended command.
  // Error replies are returned as replies (type REDIS_REPLY_ERROR), not as a
  // status, so that one bad command does not hide the others' replies.
  absl::Status Append(const std::vector<std::string_view>& args);
  absl::StatusOr<RedisReplyPtr> GetReply();

  // Reads one reply if one arrives within `timeout` (for pub/sub). Returns
  // nullptr in an ok StatusOr when nothing arrived in time; the connection
  // stays usable. `wake_fd`, if not -1, is polled too, and its becoming
  // readable also returns nullptr early.
  absl::StatusOr<RedisReplyPtr> WaitForReply(std::chrono::milliseconds timeout,
                                             int wake_fd = -1);

  // True once an I/O or protocol error happened: the connection must be
  // replaced.
  bool broken() const;
  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  // Lets Connect() use std::make_unique while keeping construction private.
  struct Passkey {};

 public:
  RedisConnection(Passkey, RedisEndpoint endpoint, redisContext* context);

 private:
  absl::Status ContextError(std::string_view what) const;

  RedisEndpoint endpoint_;
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  std::unique_ptr<redisContext, ContextDeleter> context_;
};

// Reply helpers. They never throw; a reply of another type yields the fallback.
std::string_view ReplyString(const redisReply* reply);
long long ReplyInteger(const redisReply* reply, long long fallback = 0);
bool ReplyIsError(const redisReply* reply);
size_t ReplyElementCount(const redisReply* reply);
const redisReply* ReplyElement(const redisReply* reply, size_t index);

}  // namespace sdk
}  // namespace cutover

#endif  // CUTOVER_REDIS_CONNECTION_H_
