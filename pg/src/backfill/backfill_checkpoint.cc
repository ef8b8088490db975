#include "cutover/backfill_checkpoint.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "cutover/internal/strings.h"

namespace cutover::pg {
namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-';
}

}  // namespace

std::string BackfillStatementHash(std::string_view table,
                                  std::string_view key_column,
                                  std::string_view statement) {
  std::uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](std::string_view part) {
    for (const char c : part) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ull;
    }
    hash ^= 0xff;  // separator: never produced by a char above on its own
    hash *= 1099511628211ull;
  };
  mix(table);
  mix(key_column);
  mix(statement);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(hash));
  return buf;
}

absl::Status ValidateCheckpointName(std::string_view name) {
  if (name.empty() || name.size() > 200) {
    return absl::InvalidArgumentError(
        "checkpoint name must be 1-200 characters from [A-Za-z0-9_.:-]");
  }
  for (const char c : name) {
    if (!IsNameChar(c)) {
      return absl::InvalidArgumentError(
          StrCat("checkpoint name '", name, "' contains '", c,
                 "'; use only letters, digits and _ . : -"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BackfillCheckpointStore>>
BackfillCheckpointStore::Connect(const RedisEndpoint& endpoint,
                                 std::string prefix) {
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
      RedisConnection::Connect(endpoint);
  if (!connection.ok()) return connection.status();
  return std::make_unique<BackfillCheckpointStore>(
      Passkey{}, endpoint, std::move(prefix), std::move(*connection));
}

BackfillCheckpointStore::BackfillCheckpointStore(
    Passkey, RedisEndpoint endpoint, std::string prefix,
    std::unique_ptr<RedisConnection> connection)
    : endpoint_(std::move(endpoint)),
      keys_(std::move(prefix)),
      connection_(std::move(connection)) {}

std::string BackfillCheckpointStore::KeyFor(std::string_view name) const {
  return keys_.Backfill(name);
}

absl::Status BackfillCheckpointStore::EnsureConnected() {
  if (connection_ != nullptr && !connection_->broken()) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
      RedisConnection::Connect(endpoint_);
  if (!connection.ok()) return connection.status();
  connection_ = std::move(*connection);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<BackfillCheckpoint>> BackfillCheckpointStore::Load(
    std::string_view name) {
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  const std::string key = KeyFor(name);
  absl::StatusOr<RedisReplyPtr> reply = connection_->Command({"HGETALL", key});
  if (!reply.ok()) {
    if (absl::IsFailedPrecondition(reply.status())) {
      return absl::FailedPreconditionError(StrCat(
          "Redis key ", key, " is not a backfill checkpoint (",
          reply.status().message(), "); choose another --checkpoint name"));
    }
    return reply.status();
  }
  const size_t n = ReplyElementCount(reply->get());
  if (n == 0) return std::nullopt;
  BackfillCheckpoint cp;
  bool has_hash = false;
  for (size_t i = 0; i + 1 < n; i += 2) {
    const std::string_view field = ReplyString(ReplyElement(reply->get(), i));
    const std::string value(ReplyString(ReplyElement(reply->get(), i + 1)));
    if (field == "last_key") {
      cp.last_key = value;
    } else if (field == "done") {
      cp.done = value == "1";
    } else if (field == "table") {
      cp.table = value;
    } else if (field == "key_column") {
      cp.key_column = value;
    } else if (field == "statement_hash") {
      cp.statement_hash = value;
      has_hash = true;
    } else if (field == "updated_at") {
      ParseInteger(value, &cp.updated_at_ms);
    } else if (field == "keys_done") {
      ParseInteger(value, &cp.keys_done);
    } else if (field == "rows_updated") {
      ParseInteger(value, &cp.rows_updated);
    } else if (field == "batches") {
      ParseInteger(value, &cp.batches);
    }
  }
  if (!has_hash) {
    return absl::FailedPreconditionError(
        StrCat("Redis key ", key,
               " exists but has no statement_hash field, so it is not a "
               "backfill checkpoint; choose another --checkpoint name"));
  }
  return cp;
}

absl::Status BackfillCheckpointStore::Save(std::string_view name,
                                           const BackfillCheckpoint& cp) {
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  const std::string key = KeyFor(name);
  const std::string updated_at = StrCat(NowMs());
  const std::string keys = StrCat(cp.keys_done);
  const std::string rows = StrCat(cp.rows_updated);
  const std::string batches = StrCat(cp.batches);
  std::vector<std::string_view> args = {"HSET",           key,
                                        "done",           cp.done ? "1" : "0",
                                        "table",          cp.table,
                                        "key_column",     cp.key_column,
                                        "statement_hash", cp.statement_hash,
                                        "updated_at",     updated_at,
                                        "keys_done",      keys,
                                        "rows_updated",   rows,
                                        "batches",        batches};
  if (cp.last_key.has_value()) {
    args.push_back("last_key");
    args.push_back(*cp.last_key);
  }
  absl::StatusOr<RedisReplyPtr> reply = connection_->Command(args);
  if (!reply.ok()) {
    return absl::Status(reply.status().code(),
                        StrCat("saving backfill checkpoint ", key, ": ",
                               reply.status().message()));
  }
  return absl::OkStatus();
}

absl::Status BackfillCheckpointStore::Delete(std::string_view name) {
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  absl::StatusOr<RedisReplyPtr> reply =
      connection_->Command({"DEL", KeyFor(name)});
  return reply.ok() ? absl::OkStatus() : reply.status();
}

}  // namespace cutover::pg
