#include "cutover/redis_flag_store.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <chrono>

#include "cutover/internal/strings.h"
#include "cutover/json_text.h"
#include "nlohmann/json.hpp"

namespace cutover {
inline namespace sdk {
namespace {

// Reads the stored per-flag version (0: absent, -1: corrupt), compares it with
// the expected one, then writes, bumps the store version, audits and announces.
// KEYS: flags hash, version key, audit stream.
// ARGV: name, expected version, document ('' deletes), action, actor, forced,
// at (ms),
//       channel.
constexpr std::string_view kCompareAndSetScript = R"lua(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local stored = 0
if cur then
  local ok, doc = pcall(cjson.decode, cur)
  if ok and type(doc) == 'table' and type(doc.version) == 'number' then
    stored = doc.version
  else
    stored = -1
  end
end
if stored ~= tonumber(ARGV[2]) then
  return {'conflict', tostring(stored)}
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
local v = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '1000000', '*', 'subject', ARGV[1],
  'action', ARGV[4], 'actor', ARGV[5], 'forced', ARGV[6], 'at', ARGV[7],
  'before', cur or '', 'after', ARGV[3], 'version', v)
redis.call('PUBLISH', ARGV[8], ARGV[1] .. ' ' .. v)
return {'ok', tostring(v)}
)lua";

// KEYS: group set, version key, audit stream.
// ARGV: group, 'add' | 'remove', actor, at (ms), channel, ids JSON, ids...
constexpr std::string_view kGroupScript = R"lua(
for i = 7, #ARGV do
  if ARGV[2] == 'add' then
    redis.call('SADD', KEYS[1], ARGV[i])
  else
    redis.call('SREM', KEYS[1], ARGV[i])
  end
end
local v = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '1000000', '*', 'subject', 'group:' .. ARGV[1],
  'action', 'group-' .. ARGV[2], 'actor', ARGV[3], 'forced', '0', 'at', ARGV[4],
  'before', '', 'after', ARGV[6], 'version', v)
redis.call('PUBLISH', ARGV[5], 'group:' .. ARGV[1] .. ' ' .. v)
return tostring(v)
)lua";

// Everything a client needs at one version: the version, all flag documents,
// and the members of every group some readable document names. KEYS: flags
// hash, version key. ARGV: group key prefix.
constexpr std::string_view kLoadScript = R"lua(
local v = redis.call('GET', KEYS[2]) or '0'
local flags = redis.call('HGETALL', KEYS[1])
local named = {}
for i = 2, #flags, 2 do
  local ok, doc = pcall(cjson.decode, flags[i])
  if ok and type(doc) == 'table' and type(doc.rules) == 'table' then
    for _, r in ipairs(doc.rules) do
      if type(r) == 'table' and type(r.group) == 'string' then named[r.group] = true end
    end
  end
end
local out = {v, flags}
for g, _ in pairs(named) do
  out[#out + 1] = g
  out[#out + 1] = redis.call('SMEMBERS', ARGV[1] .. g)
end
return out
)lua";

std::string NowMillis() {
  return StrCat(std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count());
}

std::vector<std::string> StringElements(const redisReply* array) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ReplyElementCount(array); ++i) {
    out.emplace_back(ReplyString(ReplyElement(array, i)));
  }
  return out;
}

// Subscribed to the changes channel on its own connection.
class RedisChangeSubscription final : public ChangeSubscription {
 public:
  RedisChangeSubscription(std::unique_ptr<RedisConnection> conn, int wake_read,
                          int wake_write)
      : conn_(std::move(conn)),
        wake_read_(wake_read),
        wake_write_(wake_write) {}
  ~RedisChangeSubscription() override {
    close(wake_read_);
    close(wake_write_);
  }

  absl::StatusOr<bool> WaitForChange(
      std::chrono::milliseconds timeout) override {
    auto reply = conn_->WaitForReply(timeout, wake_read_);
    if (!reply.ok()) return reply.status();
    if (*reply == nullptr) {
      char buf[16];
      while (read(wake_read_, buf, sizeof buf) > 0) {
      }
      return false;
    }
    // A pub/sub message is ["message", channel, payload]; anything else is not
    // a change.
    return ReplyString(ReplyElement(reply->get(), 0)) == "message";
  }

  void Interrupt() override {
    const char byte = 1;
    (void)!write(wake_write_, &byte, 1);
  }

 private:
  std::unique_ptr<RedisConnection> conn_;
  int wake_read_;
  int wake_write_;
};

}  // namespace

RedisFlagStore::RedisFlagStore(RedisEndpoint endpoint, std::string prefix,
                               RedisOptions options)
    : endpoint_(std::move(endpoint)),
      keys_(std::move(prefix)),
      options_(options) {}

absl::StatusOr<std::unique_ptr<RedisFlagStore>> RedisFlagStore::FromUrl(
    std::string_view url, std::string prefix, RedisOptions options) {
  auto endpoint = ParseRedisUrl(url);
  if (!endpoint.ok()) return endpoint.status();
  return std::make_unique<RedisFlagStore>(*std::move(endpoint),
                                          std::move(prefix), options);
}

absl::StatusOr<RedisReplyPtr> RedisFlagStore::Run(
    const std::vector<std::string_view>& args) {
  MutexLock lock(&mu_);
  const bool reused = conn_ != nullptr && !conn_->broken();
  if (!reused) {
    auto conn = RedisConnection::Connect(endpoint_, options_);
    if (!conn.ok()) return conn.status();
    conn_ = *std::move(conn);
  }
  absl::StatusOr<RedisReplyPtr> reply = conn_->Command(args);
  if (reused && absl::IsUnavailable(reply.status())) {
    // An idle connection finds out only now that Redis restarted. One retry on
    // a fresh connection is safe even for writes: they are compare-and-set, so
    // a write that did land the first time comes back as a conflict, never as a
    // double write.
    auto conn = RedisConnection::Connect(endpoint_, options_);
    if (!conn.ok()) return conn.status();
    conn_ = *std::move(conn);
    reply = conn_->Command(args);
  }
  return reply;
}

absl::StatusOr<StoreContents> RedisFlagStore::LoadAll() {
  const std::string flags = keys_.Flags(), version = keys_.Version(),
                    groups = keys_.GroupPrefix();
  auto reply = Run({"EVAL", kLoadScript, "2", flags, version, groups});
  if (!reply.ok()) return reply.status();
  const redisReply* r = reply->get();
  StoreContents out;
  out.version = ReplyInteger(ReplyElement(r, 0));
  const redisReply* hash = ReplyElement(r, 1);
  for (size_t i = 0; i + 1 < ReplyElementCount(hash); i += 2) {
    out.documents.emplace_back(ReplyString(ReplyElement(hash, i)),
                               ReplyString(ReplyElement(hash, i + 1)));
  }
  for (size_t i = 2; i + 1 < ReplyElementCount(r); i += 2) {
    out.groups.emplace_back(ReplyString(ReplyElement(r, i)),
                            StringElements(ReplyElement(r, i + 1)));
  }
  return out;
}

absl::StatusOr<std::int64_t> RedisFlagStore::Version() {
  auto reply = Run({"GET", keys_.Version()});
  if (!reply.ok()) return reply.status();
  return ReplyInteger(reply->get(), 0);
}

absl::StatusOr<std::optional<std::string>> RedisFlagStore::GetDocument(
    std::string_view name) {
  auto reply = Run({"HGET", keys_.Flags(), name});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_NIL) return std::optional<std::string>();
  return std::optional<std::string>(std::string(ReplyString(reply->get())));
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
RedisFlagStore::ListDocuments() {
  auto reply = Run({"HGETALL", keys_.Flags()});
  if (!reply.ok()) return reply.status();
  std::vector<std::pair<std::string, std::string>> out;
  const redisReply* hash = reply->get();
  for (size_t i = 0; i + 1 < ReplyElementCount(hash); i += 2) {
    out.emplace_back(ReplyString(ReplyElement(hash, i)),
                     ReplyString(ReplyElement(hash, i + 1)));
  }
  return out;
}

absl::StatusOr<std::int64_t> RedisFlagStore::CompareAndSet(const FlagWrite& w) {
  const std::string flags = keys_.Flags(), version = keys_.Version(),
                    audit = keys_.Audit(), channel = keys_.Changes(),
                    expected = StrCat(w.expected_version), at = NowMillis();
  auto reply = Run({"EVAL", kCompareAndSetScript, "3", flags, version, audit,
                    w.name, expected, w.document, w.action, w.actor,
                    w.forced ? "1" : "0", at, channel});
  if (!reply.ok()) return reply.status();
  const redisReply* r = reply->get();
  if (ReplyString(ReplyElement(r, 0)) == "conflict") {
    return absl::AbortedError(StrCat("flag ", w.name,
                                     " changed concurrently (stored version ",
                                     ReplyString(ReplyElement(r, 1)),
                                     ", expected ", w.expected_version, ")"));
  }
  return ReplyInteger(ReplyElement(r, 1));
}

absl::StatusOr<std::int64_t> RedisFlagStore::ChangeGroup(
    std::string_view group, const std::vector<std::string>& ids,
    std::string_view actor, bool add) {
  const std::string key = keys_.Group(group), version = keys_.Version(),
                    audit = keys_.Audit(), channel = keys_.Changes(),
                    at = NowMillis(),
                    ids_json = ToJsonText(nlohmann::json(ids));
  std::vector<std::string_view> args = {
      "EVAL", kGroupScript,           "3",   key, version, audit,
      group,  add ? "add" : "remove", actor, at,  channel, ids_json};
  for (const auto& id : ids) args.push_back(id);
  auto reply = Run(args);
  if (!reply.ok()) return reply.status();
  return ReplyInteger(reply->get());
}

absl::StatusOr<std::int64_t> RedisFlagStore::AddToGroup(
    std::string_view group, const std::vector<std::string>& ids,
    std::string_view actor) {
  return ChangeGroup(group, ids, actor, true);
}

absl::StatusOr<std::int64_t> RedisFlagStore::RemoveFromGroup(
    std::string_view group, const std::vector<std::string>& ids,
    std::string_view actor) {
  return ChangeGroup(group, ids, actor, false);
}

absl::StatusOr<std::vector<std::string>> RedisFlagStore::GroupMembers(
    std::string_view group) {
  auto reply = Run({"SMEMBERS", keys_.Group(group)});
  if (!reply.ok()) return reply.status();
  return StringElements(reply->get());
}

absl::StatusOr<std::vector<AuditEntry>> RedisFlagStore::History(
    std::string_view subject, size_t limit) {
  // The audit stream interleaves every flag; walk it newest first in pages.
  std::vector<AuditEntry> newest_first;
  std::string end = "+";
  const std::string audit = keys_.Audit();
  while (newest_first.size() < limit) {
    auto reply = Run({"XREVRANGE", audit, end, "-", "COUNT", "1000"});
    if (!reply.ok()) return reply.status();
    const redisReply* page = reply->get();
    const size_t n = ReplyElementCount(page);
    if (n == 0) break;
    for (size_t i = 0; i < n && newest_first.size() < limit; ++i) {
      const redisReply* entry = ReplyElement(page, i);
      const redisReply* fields = ReplyElement(entry, 1);
      AuditEntry e;
      e.id = std::string(ReplyString(ReplyElement(entry, 0)));
      for (size_t f = 0; f + 1 < ReplyElementCount(fields); f += 2) {
        const std::string_view key = ReplyString(ReplyElement(fields, f));
        const redisReply* value = ReplyElement(fields, f + 1);
        if (key == "subject") e.subject = std::string(ReplyString(value));
        if (key == "action") e.action = std::string(ReplyString(value));
        if (key == "actor") e.actor = std::string(ReplyString(value));
        if (key == "forced") e.forced = ReplyString(value) == "1";
        if (key == "at") e.at_ms = ReplyInteger(value);
        if (key == "before") e.before = std::string(ReplyString(value));
        if (key == "after") e.after = std::string(ReplyString(value));
        if (key == "version") e.version = ReplyInteger(value);
      }
      if (e.subject == subject) newest_first.push_back(std::move(e));
    }
    if (n < 1000) break;
    end = StrCat("(", ReplyString(ReplyElement(ReplyElement(page, n - 1), 0)));
  }
  return std::vector<AuditEntry>(newest_first.rbegin(), newest_first.rend());
}

absl::StatusOr<std::unique_ptr<ChangeSubscription>>
RedisFlagStore::Subscribe() {
  auto conn = RedisConnection::Connect(endpoint_, options_);
  if (!conn.ok()) return conn.status();
  auto reply = (*conn)->Command({"SUBSCRIBE", keys_.Changes()});
  if (!reply.ok()) return reply.status();
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(
        "cannot create a wake-up pipe for the subscription");
  }
  return std::unique_ptr<ChangeSubscription>(
      std::make_unique<RedisChangeSubscription>(*std::move(conn), fds[0],
                                                fds[1]));
}

}  // namespace sdk
}  // namespace cutover
