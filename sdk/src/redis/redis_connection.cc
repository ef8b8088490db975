#include "cutover/redis_connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "cutover/internal/strings.h"

namespace cutover {
inline namespace sdk {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::vector<const char*> ArgvPointers(const std::vector<std::string_view>& args,
                                      std::vector<size_t>* lengths) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  lengths->clear();
  lengths->reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths->push_back(a.size());
  }
  return argv;
}

}  // namespace

void RedisReplyDeleter::operator()(redisReply* reply) const {
  freeReplyObject(reply);
}
void RedisConnection::ContextDeleter::operator()(redisContext* context) const {
  redisFree(context);
}

RedisConnection::RedisConnection(Passkey, RedisEndpoint endpoint,
                                 redisContext* context)
    : endpoint_(std::move(endpoint)), context_(context) {}

RedisConnection::~RedisConnection() = default;

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const RedisEndpoint& endpoint, const RedisOptions& options) {
  redisContext* raw = redisConnectWithTimeout(
      endpoint.host.c_str(), endpoint.port, ToTimeval(options.connect_timeout));
  if (raw == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate a Redis connection");
  }
  // Owned from here on, whatever happens next.
  auto conn = std::make_unique<RedisConnection>(Passkey{}, endpoint, raw);
  if (raw->err != 0) {
    return absl::UnavailableError(StrCat(
        "cannot connect to Redis at ", endpoint.Redacted(), ": ", raw->errstr));
  }
  if (redisSetTimeout(raw, ToTimeval(options.command_timeout)) != REDIS_OK) {
    return conn->ContextError("setting the command timeout");
  }
  if (!endpoint.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!endpoint.user.empty()) auth.push_back(endpoint.user);
    auth.push_back(endpoint.password);
    auto reply = conn->Command(auth);
    if (!reply.ok()) {
      if (absl::IsFailedPrecondition(reply.status()) ||
          absl::IsUnauthenticated(reply.status())) {
        // Redis's own text ("WRONGPASS ...") never contains the password, but
        // ours decides what the operator reads.
        return absl::UnauthenticatedError(StrCat(
            "Redis authentication failed for ", endpoint.Redacted(),
            ": check the user and password in CUTOVER_REDIS_URL or --redis"));
      }
      return reply.status();
    }
  }
  if (endpoint.db != 0) {
    const std::string db = StrCat(endpoint.db);
    auto reply = conn->Command({"SELECT", db});
    if (!reply.ok()) return reply.status();
  }
  return conn;
}

absl::Status RedisConnection::ContextError(std::string_view what) const {
  const redisContext* c = context_.get();
  const bool timed_out =
      c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  std::string msg = StrCat("Redis at ", endpoint_.Redacted(), ": ", what, ": ",
                           timed_out ? "timed out" : c->errstr);
  if (timed_out) return absl::DeadlineExceededError(msg);
  return absl::UnavailableError(msg);
}

bool RedisConnection::broken() const { return context_->err != 0; }

absl::StatusOr<RedisReplyPtr> RedisConnection::Command(
    const std::vector<std::string_view>& args) {
  if (broken()) return ContextError("connection is broken");
  std::vector<size_t> lengths;
  std::vector<const char*> argv = ArgvPointers(args, &lengths);
  RedisReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(context_.get(), static_cast<int>(argv.size()),
                       argv.data(), lengths.data())));
  if (reply == nullptr) return ContextError(args.empty() ? "command" : args[0]);
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string_view message = ReplyString(reply.get());
    if (StartsWith(message, "NOAUTH") || StartsWith(message, "WRONGPASS")) {
      return absl::UnauthenticatedError(StrCat(
          "Redis at ", endpoint_.Redacted(),
          " requires authentication: ", message,
          "; put the user and password in CUTOVER_REDIS_URL or --redis"));
    }
    return absl::FailedPreconditionError(StrCat("Redis: ", message));
  }
  return reply;
}

absl::Status RedisConnection::Append(
    const std::vector<std::string_view>& args) {
  if (broken()) return ContextError("connection is broken");
  std::vector<size_t> lengths;
  std::vector<const char*> argv = ArgvPointers(args, &lengths);
  if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()),
                             argv.data(), lengths.data()) != REDIS_OK) {
    return ContextError("queueing a command");
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReplyPtr> RedisConnection::GetReply() {
  if (broken()) return ContextError("connection is broken");
  void* raw = nullptr;
  if (redisGetReply(context_.get(), &raw) != REDIS_OK)
    return ContextError("reading a reply");
  return RedisReplyPtr(static_cast<redisReply*>(raw));
}

absl::StatusOr<RedisReplyPtr> RedisConnection::WaitForReply(
    std::chrono::milliseconds timeout, int wake_fd) {
  if (broken()) return ContextError("connection is broken");
  void* raw = nullptr;
  // A reply may already sit in the reader's buffer from an earlier read.
  if (redisGetReplyFromReader(context_.get(), &raw) != REDIS_OK) {
    return ContextError("parsing a reply");
  }
  if (raw != nullptr) return RedisReplyPtr(static_cast<redisReply*>(raw));
  pollfd fds[2] = {{context_->fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  const int n =
      poll(fds, wake_fd >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
  if (n < 0 && errno != EINTR)
    return absl::UnavailableError(std::strerror(errno));
  if (n <= 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
    return RedisReplyPtr();
  if (redisBufferRead(context_.get()) != REDIS_OK)
    return ContextError("reading");
  if (redisGetReplyFromReader(context_.get(), &raw) != REDIS_OK) {
    return ContextError("parsing a reply");
  }
  return RedisReplyPtr(static_cast<redisReply*>(raw));
}

std::string_view ReplyString(const redisReply* reply) {
  if (reply == nullptr) return {};
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string_view(reply->str, reply->len);
    default:
      return {};
  }
}

long long ReplyInteger(const redisReply* reply, long long fallback) {
  if (reply == nullptr) return fallback;
  if (reply->type == REDIS_REPLY_INTEGER) return reply->integer;
  long long value = 0;
  if (reply->type == REDIS_REPLY_STRING &&
      ParseInteger(ReplyString(reply), &value)) {
    return value;
  }
  return fallback;
}

bool ReplyIsError(const redisReply* reply) {
  return reply != nullptr && reply->type == REDIS_REPLY_ERROR;
}

size_t ReplyElementCount(const redisReply* reply) {
  return reply != nullptr && reply->type == REDIS_REPLY_ARRAY ? reply->elements
                                                              : 0;
}

const redisReply* ReplyElement(const redisReply* reply, size_t index) {
  return index < ReplyElementCount(reply) ? reply->element[index] : nullptr;
}

}  // namespace sdk
}  // namespace cutover
